from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from accounts.selectors import ACCESS_CACHE
from factory.api.actions import role_action
from factory.api.caching import CachedListMixin
from factory.api.history import HistoryViewMixin
from factory.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from factory.api.schema import CONFLICT_RESPONSE
from products.apps import PRODUCTS_CACHE
from purchasing import selectors, services
from purchasing.apps import PURCHASING_CACHE
from purchasing.filters import PurchaseOrderFilter, SupplierFilter
from purchasing.serializers import (
    FromReorderSerializer,
    PurchaseOrderSerializer,
    PurchaseOrderWriteSerializer,
    ReceiptSerializer,
    SupplierSerializer,
)
from purchasing.services import LineInput


@extend_schema_view(
    list=extend_schema(
        summary="List suppliers", description="Suppliers, by name; `?search=` name or email."
    ),
    create=extend_schema(
        summary="Create a supplier", description="A name already in use (any letter case) is a 400."
    ),
    retrieve=extend_schema(summary="Read a supplier", description="One supplier."),
    update=extend_schema(summary="Replace a supplier", description="Every field at once."),
    partial_update=extend_schema(summary="Change a supplier", description="The fields given."),
    destroy=extend_schema(
        summary="Delete a supplier",
        description="Refused with 409 `in_use` while purchase orders, or products' defaults, name it.",
        responses={204: None, 409: CONFLICT_RESPONSE},
    ),
)
class SupplierViewSet(HistoryViewMixin, CachedListMixin, viewsets.ModelViewSet):
    """Suppliers: who the factory buys from."""

    queryset = selectors.supplier_list()
    serializer_class = SupplierSerializer
    list_cache_namespaces = (PURCHASING_CACHE,)
    filterset_class = SupplierFilter
    search_fields = ["name", "email"]
    ordering_fields = ["name", "created_at", "lead_time_days", "id"]
    ordering = ["name", "id"]

    def perform_create(self, serializer):
        serializer.instance = services.supplier_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.supplier_update(
            supplier=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.supplier_delete(supplier=instance)


def _lines(data: dict) -> list[LineInput] | None:
    if "lines" not in data:
        return None
    return [LineInput(**line) for line in data["lines"]]


ORDER_RESPONSES = {200: PurchaseOrderSerializer, 409: CONFLICT_RESPONSE}


def status_action(*, summary: str, description: str):
    """A body-less POST on one purchase order that needs `purchasing.change_purchaseorder`."""

    def wrap(method):
        routed = role_action("purchasing.change_purchaseorder", detail=True, methods=["post"])(
            method
        )
        return extend_schema(
            summary=summary, description=description, request=None, responses=ORDER_RESPONSES
        )(routed)

    return wrap


@extend_schema_view(
    list=extend_schema(
        summary="List purchase orders",
        description="Newest first; `?supplier=`, `?status=`, `?product=`.",
    ),
    create=extend_schema(
        summary="Create a draft purchase order",
        description="A draft with its lines (each product once, quantity ≥ 1, unit cost ≥ 0 with "
        "four places). Nothing reaches stock until it is placed and received.",
        request=PurchaseOrderWriteSerializer,
        responses={201: PurchaseOrderSerializer},
    ),
    retrieve=extend_schema(
        summary="Read a purchase order", description="With its lines and total."
    ),
    update=extend_schema(
        summary="Replace a draft",
        description="Only while `draft` (else 409 `not_draft`); the lines are replaced whole.",
        request=PurchaseOrderWriteSerializer,
        responses=ORDER_RESPONSES,
    ),
    partial_update=extend_schema(
        summary="Change a draft",
        description="Only while `draft` (else 409 `not_draft`); `lines`, when given, replace the old ones.",
        request=PurchaseOrderWriteSerializer,
        responses=ORDER_RESPONSES,
    ),
    destroy=extend_schema(
        summary="Delete a draft",
        description="Only while `draft` (else 409 `not_draft`).",
        responses={204: None, 409: CONFLICT_RESPONSE},
    ),
)
class PurchaseOrderViewSet(HistoryViewMixin, CachedListMixin, viewsets.ModelViewSet):
    """Purchase orders: drafted, placed with the supplier, received (in parts), closed or cancelled."""

    queryset = selectors.purchase_order_list()
    serializer_class = PurchaseOrderSerializer
    # A page shows its supplier, its lines' products and its creator.
    list_cache_namespaces = (PURCHASING_CACHE, PRODUCTS_CACHE, ACCESS_CACHE)
    filterset_class = PurchaseOrderFilter
    ordering_fields = ["created_at", "expected_on", "id"]
    ordering = ["-id"]
    # The list reads its pages without prefetches (`paginate_queryset`); made once, so its
    # subqueries are not built again for every request.
    page_queryset = selectors.purchase_order_page_list()

    def get_queryset(self):
        return self.page_queryset.all() if self.action == "list" else super().get_queryset()

    def paginate_queryset(self, queryset):
        """The list's page: orders with their names in one query, their lines in one more,
        attached as plain rows (`selectors.purchase_order_page`)."""
        page = super().paginate_queryset(queryset)
        if page is None or self.action != "list":
            return page
        return selectors.purchase_order_page(list(page))

    def get_serializer_class(self):
        if self.request.method in ("POST", "PUT", "PATCH") and self.action in (
            "create",
            "update",
            "partial_update",
        ):
            return PurchaseOrderWriteSerializer
        return PurchaseOrderSerializer

    def _answer(self, order, code=status.HTTP_200_OK) -> Response:
        return Response(
            PurchaseOrderSerializer(selectors.purchase_order_get(pk=order.pk)).data, status=code
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = services.purchase_order_create(
            lines=_lines(data), user=request.user, **{k: v for k, v in data.items() if k != "lines"}
        )
        return self._answer(order, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        order = self.get_object()
        serializer = self.get_serializer(data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        order = services.purchase_order_update(
            order=order, lines=_lines(data), **{k: v for k, v in data.items() if k != "lines"}
        )
        return self._answer(order)

    def perform_destroy(self, instance):
        services.purchase_order_delete(order=instance)

    @status_action(
        summary="Place a draft with its supplier",
        description="draft → ordered; its lines now count as `on_order`. Any other status: 409 `not_draft`.",
    )
    def place(self, request, pk=None):
        return self._answer(
            services.purchase_order_place(order=self.get_object(), user=request.user)
        )

    @extend_schema(
        summary="Receive goods",
        description="Adds each line's quantity to stock (ledger `purchase_receipt`, reference "
        "`po:<id>`, the line's unit cost) and moves the order to `partially_received` or "
        "`received`. More than a line's outstanding quantity: 409 `over_receipt` listing every "
        "such line, nothing received. Only on ordered or partially received orders (else 409 "
        "`invalid_status`). Takes an `Idempotency-Key`.",
        request=ReceiptSerializer,
        responses=ORDER_RESPONSES,
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @role_action("purchasing.receive_purchaseorder", detail=True, methods=["post"])
    def receive(self, request, pk=None):
        def perform():
            order = self.get_object()
            serializer = ReceiptSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            order = services.purchase_order_receive(
                order=order,
                receipts=[(line["line"], line["quantity"]) for line in data["lines"]],
                note=data["note"],
                user=request.user,
            )
            return self._answer(order)

        return idempotent(request, perform)

    @status_action(
        summary="Close a partially received order",
        description="Stop waiting for the rest: its outstanding units leave `on_order`. Only "
        "`partially_received` orders (else 409 `invalid_status`).",
    )
    def close(self, request, pk=None):
        return self._answer(
            services.purchase_order_close(order=self.get_object(), user=request.user)
        )

    @status_action(
        summary="Cancel a purchase order",
        description="A draft or ordered purchase order with nothing received; once goods were "
        "received 409 `invalid_status`, a second cancel 409 `already_cancelled`.",
    )
    def cancel(self, request, pk=None):
        return self._answer(
            services.purchase_order_cancel(order=self.get_object(), user=request.user)
        )

    @extend_schema(
        summary="Draft purchase orders from the reorder report",
        description="One draft per default supplier holding its products' suggested quantities "
        "(the reorder report's rows) at each product's last receipt cost. Products without an "
        "active default supplier are listed in `skipped`. 201 when a draft was created, else 200.",
        request=None,
        responses={201: FromReorderSerializer, 200: FromReorderSerializer},
    )
    @role_action(
        "purchasing.add_purchaseorder",
        detail=False,
        methods=["post"],
        url_path="from-reorder",
        pagination_class=None,
    )
    def from_reorder(self, request):
        created, skipped = services.purchase_orders_from_reorder(user=request.user)
        return Response(
            {"created": created, "skipped": skipped},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
