from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from employees import selectors, services
from employees.apps import EMPLOYEES_CACHE
from employees.filters import EmployeeFilter
from employees.serializers import EmployeeSerializer
from factory.api.caching import CachedListMixin
from factory.api.history import HistoryViewMixin


@extend_schema_view(
    destroy=extend_schema(
        description="Deletes the employee: 204 with no body. One with production records is "
        'refused with 409 `in_use`: deactivate them instead (`PATCH {"is_active": false}`).'
    )
)
class EmployeeViewSet(HistoryViewMixin, CachedListMixin, viewsets.ModelViewSet):
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
