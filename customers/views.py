from drf_spectacular.utils import extend_schema_view
from rest_framework import viewsets

from accounts.schema import schema_with_errors
from customers import selectors, services
from customers.apps import CUSTOMERS_CACHE
from customers.filters import CustomerFilter
from customers.serializers import CustomerSerializer
from factory.api.caching import CachedListMixin


@extend_schema_view(
    list=schema_with_errors(
        responses={200: CustomerSerializer(many=True)}, errors=(400, 401, 403, 404)
    ),
    create=schema_with_errors(responses={201: CustomerSerializer}, errors=(400, 401, 403)),
    retrieve=schema_with_errors(responses={200: CustomerSerializer}, errors=(401, 403, 404)),
    update=schema_with_errors(responses={200: CustomerSerializer}, errors=(400, 401, 403, 404)),
    partial_update=schema_with_errors(
        responses={200: CustomerSerializer}, errors=(400, 401, 403, 404)
    ),
    destroy=schema_with_errors(responses={204: None}, errors=(401, 403, 404, 409)),
)
class CustomerViewSet(CachedListMixin, viewsets.ModelViewSet):
    """Customers. Deleting one who has orders is refused with 409 `in_use`."""

    queryset = selectors.customer_list()
    serializer_class = CustomerSerializer
    list_cache_namespaces = (CUSTOMERS_CACHE,)
    filterset_class = CustomerFilter
    search_fields = ["name", "email"]
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["name", "id"]

    def perform_create(self, serializer):
        serializer.instance = services.customer_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.customer_update(
            customer=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.customer_delete(customer=instance)
