from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from customers import selectors, services
from customers.apps import CUSTOMERS_CACHE
from customers.filters import CustomerFilter
from customers.serializers import CustomerSerializer
from factory.api.caching import CachedListMixin
from factory.api.history import HistoryViewMixin
from factory.api.pagination import KeysFirstPagination


@extend_schema_view(
    destroy=extend_schema(
        description="Deletes the customer: 204 with no body. A customer who has orders is refused "
        "with 409 `in_use` (the orders keep their customer)."
    )
)
class CustomerViewSet(HistoryViewMixin, CachedListMixin, viewsets.ModelViewSet):
    """Customers. Deleting one who has orders is refused with 409 `in_use`."""

    queryset = selectors.customer_list()
    serializer_class = CustomerSerializer
    list_cache_namespaces = (CUSTOMERS_CACHE,)
    pagination_class = KeysFirstPagination  # 10,000 customers by name: see KeysFirstPaginator
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
