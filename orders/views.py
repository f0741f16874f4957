from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.selectors import ACCESS_CACHE
from customers.apps import CUSTOMERS_CACHE
from events.payloads import read_shape_data
from factory.api.actions import role_action
from factory.api.caching import CachedListMixin
from factory.api.exceptions import JSONErrorsMixin
from factory.api.fastread import FastListMixin
from factory.api.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from factory.api.pagination import KeysetPagination, cached_count_pagination
from factory.api.schema import CONFLICT_RESPONSE
from orders import invoicing, selectors, services
from orders.apps import ORDERS_CACHE
from orders.filters import InvoiceFilter, OrderFilter
from orders.pdf import invoice_pdf
from orders.serializers import (
    InvoiceMarkPaidSerializer,
    InvoiceSerializer,
    OrderCreateSerializer,
    OrderSerializer,
    OrderShipSerializer,
)
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

    def paginate_queryset(self, queryset):
        """The list's page: orders read without their prefetches, related rows attached as plain
        rows (`selectors.order_page`: the same three queries, no model instances for them)."""
        if self.action != "list":
            return super().paginate_queryset(queryset)
        page = super().paginate_queryset(queryset.prefetch_related(None))
        return None if page is None else selectors.order_page(list(page))

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
            # The placed order as order_get reads it (orders.services._as_read), rendered by the
            # serializer events keep: OrderSerializer(order).data without building its fields.
            return Response(read_shape_data(order), status=status.HTTP_201_CREATED)

        return idempotent(request, perform)

    @extend_schema(request=None, responses={200: OrderSerializer, 409: CONFLICT_RESPONSE})
    @role_action("orders.change_order", detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the order and return its items to stock; a second cancel is a 409."""
        order = services.order_cancel(order=self.get_object(), user=request.user)
        return Response(OrderSerializer(selectors.order_get(pk=order.pk)).data)

    @extend_schema(
        summary="Ship an order",
        description="Marks a placed order shipped, with an optional carrier and tracking number "
        "(needs `orders.ship_order`). Any other status → 409 `invalid_status`.",
        request=OrderShipSerializer,
        responses={200: OrderSerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("orders.ship_order", detail=True, methods=["post"])
    def ship(self, request, pk=None):
        serializer = OrderShipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = services.order_ship(order=self.get_object(), **serializer.validated_data)
        return Response(OrderSerializer(selectors.order_get(pk=order.pk)).data)

    @extend_schema(
        summary="Deliver an order",
        description="Marks a shipped order delivered (needs `orders.ship_order`). "
        "Any other status → 409 `invalid_status`.",
        request=None,
        responses={200: OrderSerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("orders.ship_order", detail=True, methods=["post"])
    def deliver(self, request, pk=None):
        order = services.order_deliver(order=self.get_object())
        return Response(OrderSerializer(selectors.order_get(pk=order.pk)).data)

    @extend_schema(
        summary="Invoice an order",
        description="Issues the order's one invoice (needs `orders.add_invoice`): the next number "
        "of the year, a snapshot of the customer and lines. Again → 409 `already_invoiced` with "
        "the invoice's id; a cancelled order → 409 `already_cancelled`.",
        request=None,
        responses={201: InvoiceSerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("orders.add_invoice", detail=True, methods=["post"])
    def invoice(self, request, pk=None):
        invoice = invoicing.invoice_issue(order=self.get_object(), user=request.user)
        return Response(
            InvoiceSerializer(selectors.invoice_get(pk=invoice.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class PDFRenderer(BaseRenderer):
    """Lets a client ask for `application/pdf`; the view hands it the PDF's bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


@extend_schema_view(
    list=extend_schema(
        summary="List invoices",
        description="Invoices, newest first; filters `?status=unpaid|paid`, `?customer=`, "
        "`?overdue=true` (unpaid and due before today, UTC).",
    ),
    retrieve=extend_schema(
        summary="Read an invoice",
        description="One invoice: the snapshot of its customer and lines taken when it was issued.",
    ),
)
class InvoiceViewSet(FastListMixin, JSONErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Invoices: issued from orders (`POST /api/orders/{id}/invoice/`), read-only here."""

    queryset = selectors.invoice_list()
    serializer_class = InvoiceSerializer
    pagination_class = KeysetPagination  # `?cursor=`: deep pages as cheap as the first
    filterset_class = InvoiceFilter
    ordering_fields = ["issued_on", "due_on", "total", "id"]
    ordering = ["-id"]

    def paginate_queryset(self, queryset):
        """The list's page: invoices read without their prefetch, lines attached as plain rows
        (`selectors.invoice_page`: the same two queries, no model instances for the lines)."""
        if self.action != "list":
            return super().paginate_queryset(queryset)
        page = super().paginate_queryset(queryset.prefetch_related(None))
        return None if page is None else selectors.invoice_page(list(page))

    @extend_schema(
        summary="Mark an invoice paid",
        description="Records the payment on `paid_on` (default today, UTC; needs "
        "`orders.change_invoice`). Paid before → 409 `already_paid`; a date in the future or "
        "before the invoice was issued → 400.",
        request=InvoiceMarkPaidSerializer,
        responses={200: InvoiceSerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("orders.change_invoice", detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        serializer = InvoiceMarkPaidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invoice = invoicing.invoice_mark_paid(
            invoice=self.get_object(), paid_on=serializer.validated_data.get("paid_on")
        )
        return Response(InvoiceSerializer(selectors.invoice_get(pk=invoice.pk)).data)

    @extend_schema(
        summary="Download an invoice as PDF",
        description="The invoice as the customer receives it: company, customer, number, dates, "
        "lines, subtotal, tax and total, rendered with WeasyPrint.",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The PDF, as an attachment named INV-….pdf."
            )
        },
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[PDFRenderer, JSONRenderer],
        filter_backends=[],
    )
    def pdf(self, request, pk=None):
        invoice = self.get_object()
        response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.filename}"'
        return response
