from drf_spectacular.utils import extend_schema_view
from rest_framework import viewsets

from accounts.schema import schema_with_errors
from employees import selectors, services
from employees.apps import EMPLOYEES_CACHE
from employees.filters import EmployeeFilter
from employees.serializers import EmployeeSerializer
from factory.api.caching import CachedListMixin


@extend_schema_view(
    list=schema_with_errors(
        responses={200: EmployeeSerializer(many=True)}, errors=(400, 401, 403, 404)
    ),
    create=schema_with_errors(responses={201: EmployeeSerializer}, errors=(400, 401, 403)),
    retrieve=schema_with_errors(responses={200: EmployeeSerializer}, errors=(401, 403, 404)),
    update=schema_with_errors(responses={200: EmployeeSerializer}, errors=(400, 401, 403, 404)),
    partial_update=schema_with_errors(
        responses={200: EmployeeSerializer}, errors=(400, 401, 403, 404)
    ),
    destroy=schema_with_errors(responses={204: None}, errors=(401, 403, 404, 409)),
)
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
