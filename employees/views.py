from rest_framework import viewsets

from employees import selectors, services
from employees.apps import EMPLOYEES_CACHE
from employees.filters import EmployeeFilter
from employees.serializers import EmployeeSerializer
from factory.api.caching import CachedListMixin


class EmployeeViewSet(CachedListMixin, viewsets.ModelViewSet):
    """Employees. Deleting one with production records is refused with 409 `in_use`; deactivate instead."""

    queryset = selectors.employee_list()
    serializer_class = EmployeeSerializer
    list_cache_namespaces = (EMPLOYEES_CACHE,)
    filterset_class = EmployeeFilter
    search_fields = ["name", "email", "position"]
    ordering_fields = ["name", "hired_on", "id"]
    ordering = ["name", "id"]

    def perform_create(self, serializer):
        serializer.instance = services.employee_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.employee_update(
            employee=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.employee_delete(employee=instance)
