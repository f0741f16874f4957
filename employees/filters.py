import django_filters

from employees.models import Employee
from factory.api.filters import StrictBooleanFilter


class EmployeeFilter(django_filters.FilterSet):
    is_active = StrictBooleanFilter(field_name="is_active", label="Active (true or false)")
    hired_from = django_filters.DateFilter(
        field_name="hired_on", lookup_expr="gte", label="Hired on or after (YYYY-MM-DD)"
    )
    hired_to = django_filters.DateFilter(
        field_name="hired_on", lookup_expr="lte", label="Hired on or before (YYYY-MM-DD)"
    )

    class Meta:
        model = Employee
        fields = ["is_active", "hired_from", "hired_to"]
