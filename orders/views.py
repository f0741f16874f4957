from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.selectors import ACCESS_CACHE
from customers.apps import CUSTOMERS_CACHE
from factory.api.caching import CachedListMixin
from factory.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from factory.api.pagination import cached_count_pagination
from factory.api.permissions import HasRolePermission
from factory.api.schema import CONFLICT_RESPONSE
from orders import selectors, services
from orders.apps import ORDERS_CACHE
from orders.filters import OrderFilter
from orders.serializers import OrderCreateSerializer, OrderSerializer
from products.apps import PRODUCTS_CACHE


@extend_schema_view(
    create=extend_schema(
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, 409: CONFLICT_RESPONSE},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Place an order",
        description="Places an order with all its items at once: the products are locked, every "
        "line's stock is checked, then taken with an `order` ledger movement per line; prices and "
        "the tax rate are fixed on the order. Any shortage is one 409 `insufficient_stock` listing "
        "every short item, and nothing is written. Orders cannot be changed or deleted afterwards "
        "(cancel instead). A repeated `Idempotency-Key` answers the first response again.",
    ),
)
class OrderViewSet(
    CachedListMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Orders: placed with all their items at once, immutable afterwards (PUT/PATCH/DELETE → 405)."""

    queryset = selectors.order_list()
    serializer_class = OrderSerializer
    pagination_class = cached_count_pagination(ORDERS_CACHE)
    # Orders show their customer, their items' products (with stock) and their creator.
    list_cache_namespaces = (ORDERS_CACHE, CUSTOMERS_CACHE, PRODUCTS_CACHE, ACCESS_CACHE)
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "total", "id"]
    ordering = ["-id"]

    def get_serializer_class(self):
        # A POST to the list places an order: OPTIONS describes that body, not the read shape.
        if self.request.method == "POST" and not self.detail:
            return OrderCreateSerializer
        return OrderSerializer

    def create(self, request, *args, **kwargs):
        def perform():
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            order = services.order_place(
                customer=data["customer"],
                items=[(item["product"], item["quantity"]) for item in data["items"]],
                notes=data["notes"],
                user=request.user,
            )
            return Response(
                OrderSerializer(selectors.order_get(pk=order.pk)).data,
                status=status.HTTP_201_CREATED,
            )

        return idempotent(request, perform)

    @extend_schema(request=None, responses={200: OrderSerializer, 409: CONFLICT_RESPONSE})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[HasRolePermission.require("orders.change_order")],
        filter_backends=[],
    )
    def cancel(self, request, pk=None):
        """Cancel the order and return its items to stock; a second cancel is a 409."""
        order = services.order_cancel(order=self.get_object(), user=request.user)
        return Response(OrderSerializer(selectors.order_get(pk=order.pk)).data)
