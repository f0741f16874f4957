"""Employees in spreadsheets (SPEC §17): the API's serializer checks each row, its services write."""

from employees import services
from employees.models import EMAIL_TAKEN, Employee
from employees.serializers import EmployeeSerializer
from factory.imports import ServiceResource, register


@register("employees", "employee")
class EmployeeResource(ServiceResource):
    serializer_class = EmployeeSerializer
    unique_columns = {"email": EMAIL_TAKEN}
    create_with = services.employee_create
    update_with = services.employee_update

    class Meta(ServiceResource.Meta):
        model = Employee
        fields = tuple(EmployeeSerializer.Meta.fields)  # the API's read shape
