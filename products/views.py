from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.response import Response

from factory.api.actions import role_action
from factory.api.caching import CachedListMixin
from factory.api.fastread import fast_list
from factory.api.history import HistoryViewMixin
from factory.api.pagination import cached_count_pagination
from factory.api.schema import CONFLICT_RESPONSE
from products import selectors, services
from products.apps import PRODUCTS_CACHE
from products.filters import ProductFilter
from products.serializers import MovementSerializer, ProductSerializer, StockAdjustSerializer

STOCK_READ_ONLY = (
    "`stock` is read-only: production, orders and `POST /api/products/{id}/adjust/` change it, "
    "each with a ledger movement."
)


@extend_schema_view(
    create=extend_schema(
        description="Creates a product and answers 201 with it. The write-only `initial_stock` "
        "puts opening stock on hand, recorded on the ledger as an `initial` movement. "
        + STOCK_READ_ONLY
    ),
    update=extend_schema(
        description="Replaces every writable field of the product. " + STOCK_READ_ONLY
    ),
    partial_update=extend_schema(description="Changes only the fields sent. " + STOCK_READ_ONLY),
    destroy=extend_schema(
        responses={204: None, 409: CONFLICT_RESPONSE},
        description="Deletes the product with its ledger: 204 with no body. A product on orders "
        "or production is refused with 409 `in_use`.",
    ),
)
class ProductViewSet(HistoryViewMixin, CachedListMixin, viewsets.ModelViewSet):
    """Products and their stock. Stock is read-only here: production, orders and `adjust` change it."""

    queryset = selectors.product_list()
    serializer_class = ProductSerializer
    list_cache_namespaces = (PRODUCTS_CACHE,)
    filterset_class = ProductFilter
    search_fields = ["name", "sku"]
    ordering_fields = ["name", "price", "stock", "created_at"]
    ordering = ["name"]

    def perform_create(self, serializer):
        product = services.product_create(user=self.request.user, **serializer.validated_data)
        serializer.instance = selectors.product_get(pk=product.pk)  # with `on_order`

    def perform_update(self, serializer):
        data = {
            k: v
            for k, v in serializer.validated_data.items()
            if k not in ("initial_stock", "unit_cost")
        }
        product = services.product_update(product=serializer.instance, **data)
        serializer.instance = selectors.product_get(pk=product.pk)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)

    @extend_schema(responses=MovementSerializer(many=True))
    @role_action(
        "products.view_product",
        detail=True,
        methods=["get"],
        # `?cursor=`: deep pages as cheap as the first; the count (70,000 movements for the
        # busiest product: 10 ms) cached under `products`, bumped by every stock change.
        pagination_class=cached_count_pagination(PRODUCTS_CACHE),
    )
    def movements(self, request, pk=None):
        """The product's stock ledger, newest first."""
        page = self.paginate_queryset(selectors.movement_list(product=self.get_object()))
        context = self.get_serializer_context()
        return self.get_paginated_response(
            fast_list(MovementSerializer, page, context=context).data
        )

    @extend_schema(
        request=StockAdjustSerializer,
        responses={200: ProductSerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("products.change_product", detail=True, methods=["post"])
    def adjust(self, request, pk=None):
        """Correct the stock by `delta` (positive or negative); going below zero is a 409.

        A positive `delta` may carry `unit_cost`, which moves the average cost (SPEC §15); a
        negative one with a `unit_cost` is a 400, with nothing written."""
        product = self.get_object()
        serializer = StockAdjustSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        product = services.stock_adjust(
            product=product, user=request.user, **serializer.validated_data
        )
        return Response(ProductSerializer(selectors.product_get(pk=product.pk)).data)
