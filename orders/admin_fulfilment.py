"""The admin's fulfilment and invoicing (SPEC §9, §16): Ship / Deliver / Invoice on the order page,
the bulk "issue invoices" action, the invoice list and its PDFs.

A mixin for OrderAdmin, so that the order page's own buttons and actions stay in orders/admin.py;
everything here calls the same services as the API.
"""

from contextvars import ContextVar

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from factory.admin import BoundedSearchAdminMixin, PrefetchListMixin, export_as_csv
from factory.errors import ApplicationError
from orders import invoicing, services
from orders.models import CARRIER_MAX_LENGTH, TRACKING_MAX_LENGTH, Invoice, InvoiceLine, Order
from orders.pdf import invoice_pdf

SHIP, INVOICE = "orders.ship_order", "orders.add_invoice"
CSS = "orders/admin-fulfilment.css"

# The user whose order page is being drawn: the panel shows only the buttons they may press.
# A context variable, not an attribute of the (shared) ModelAdmin: one per request and thread.
_viewer: ContextVar = ContextVar("order_page_viewer", default=None)


def _pdf_link(invoice: Invoice):
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:orders_invoice_pdf", args=[invoice.pk]), "PDF"
    )


class OrderFulfilmentAdminMixin:
    """Adds the `fulfilment` panel (status, buttons, invoice) and the issue-invoices action."""

    @property
    def media(self):
        return super().media + forms.Media(css={"all": [CSS]})

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and "fulfilment" not in fields:
            fields.insert(fields.index("status") + 1 if "status" in fields else 0, "fulfilment")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "fulfilment"]

    def get_urls(self):
        def route(suffix, view, name):
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(require_POST(view)),
                name=f"orders_order_{name}",
            )

        return [
            route("ship", self.ship_view, "ship"),
            route("deliver", self.deliver_view, "deliver"),
            route("invoice", self.invoice_view, "invoice"),
            *super().get_urls(),
        ]

    @admin.display(description="fulfilment")
    def fulfilment(self, order):
        """Shipping facts, the invoice with its PDF, and the buttons the status allows.

        The buttons submit the change page's own form (its CSRF token) to their own URL.
        """
        user = _viewer.get()
        facts = []
        if order.shipped_at:
            carrier = " ".join(filter(None, [order.carrier, order.tracking_number]))
            facts.append(("Shipped", f"{order.shipped_at:%Y-%m-%d %H:%M} {carrier}".strip()))
        if order.delivered_at:
            facts.append(("Delivered", f"{order.delivered_at:%Y-%m-%d %H:%M}"))
        invoice = Invoice.objects.filter(order=order).first()
        html = format_html_join("", "<div><strong>{}:</strong> {}</div>", facts)
        if invoice is not None:
            html += format_html(
                '<div><strong>Invoice:</strong> <a href="{}">{}</a> ({}) · {}</div>',
                reverse("admin:orders_invoice_change", args=[invoice.pk]),
                invoice.number,
                invoice.status,
                _pdf_link(invoice),
            )
        buttons = []
        if user is not None and user.has_perm(SHIP) and order.status == Order.Status.PLACED:
            html += format_html(
                '<div class="fulfilment-ship">'
                '<input type="text" name="carrier" maxlength="{}" placeholder="Carrier"> '
                '<input type="text" name="tracking_number" maxlength="{}" '
                'placeholder="Tracking number"></div>',
                CARRIER_MAX_LENGTH,
                TRACKING_MAX_LENGTH,
            )
            buttons.append(("ship", "Ship"))
        if user is not None and user.has_perm(SHIP) and order.status == Order.Status.SHIPPED:
            buttons.append(("deliver", "Deliver"))
        if (
            user is not None
            and user.has_perm(INVOICE)
            and invoice is None
            and order.status != Order.Status.CANCELLED
        ):
            buttons.append(("invoice", "Invoice"))
        if buttons:
            html += format_html(
                '<div class="fulfilment-actions">{}</div>',
                format_html_join(
                    "",
                    '<button type="submit" class="button" formmethod="post" formnovalidate '
                    'formaction="{}" name="_{}">{}</button>',
                    (
                        (reverse(f"admin:orders_order_{name}", args=[order.pk]), name, label)
                        for name, label in buttons
                    ),
                ),
            )
        return html or "—"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        token = _viewer.set(request.user)
        try:
            response = super().change_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()  # the panel is drawn while the viewer is known
            return response
        finally:
            _viewer.reset(token)

    def _act(self, request, object_id, permission, act, done):
        if not request.user.has_perm(permission):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=object_id)
        try:
            result = act(order)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
        else:
            self.message_user(request, done(result), messages.SUCCESS)
        return redirect("admin:orders_order_change", order.pk)

    def ship_view(self, request, object_id):
        carrier = request.POST.get("carrier", "").strip()[:CARRIER_MAX_LENGTH]
        tracking = request.POST.get("tracking_number", "").strip()[:TRACKING_MAX_LENGTH]
        return self._act(
            request,
            object_id,
            SHIP,
            lambda order: services.order_ship(
                order=order, carrier=carrier, tracking_number=tracking
            ),
            lambda order: f"{order} shipped.",
        )

    def deliver_view(self, request, object_id):
        return self._act(
            request,
            object_id,
            SHIP,
            lambda order: services.order_deliver(order=order),
            lambda order: f"{order} delivered.",
        )

    def invoice_view(self, request, object_id):
        return self._act(
            request,
            object_id,
            INVOICE,
            lambda order: invoicing.invoice_issue(order=order, user=request.user),
            lambda invoice: f"Invoice {invoice.number} issued for order #{invoice.order_id}.",
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm(INVOICE):
            actions["issue_invoices"] = self.get_action(OrderFulfilmentAdminMixin.issue_invoices)
        return actions

    @admin.action(description="Issue invoices for selected orders")
    def issue_invoices(self, request, queryset):
        """Each order in its own transaction: one refusal does not undo the others."""
        issued, skipped = [], []
        for order in queryset.order_by("pk"):
            try:
                issued.append(invoicing.invoice_issue(order=order, user=request.user))
            except ApplicationError as exc:
                skipped.append(exc.message)
        if issued:
            numbers = ", ".join(invoice.number for invoice in issued)
            self.message_user(
                request, f"Issued {len(issued)} invoice(s): {numbers}.", messages.SUCCESS
            )
        if skipped:
            self.message_user(
                request,
                f"Skipped {len(skipped)} order(s): " + " ".join(skipped),
                messages.WARNING,
            )


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["description", "quantity", "unit_price", "line_total"]
    readonly_fields = fields
    classes = ["readonly-rows"]
    extra = 0
    can_delete = False

    class Media:
        css = {"all": ["factory/admin.css"]}

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(BoundedSearchAdminMixin, PrefetchListMixin, admin.ModelAdmin):
    """Invoices are issued from orders and never edited; payment is recorded by an action."""

    # Fits 1366 px beside the filters: the issue date is the date hierarchy above the list.
    list_display = ["number", "order_link", "customer_name", "due", "total", "state", "pdf"]
    list_filter = ["status", "issued_on", "due_on"]
    search_fields = ["=number", "customer_name", "customer_email", "=order__id"]
    date_hierarchy = "issued_on"
    fields = [
        "number",
        "order_link",
        "customer",
        "customer_name",
        "customer_email",
        "customer_address",
        "issued_on",
        "due_on",
        "subtotal",
        "tax_rate",
        "tax",
        "total",
        "status",
        "paid_on",
        "pdf",
        "created_at",
        "created_by",
    ]
    readonly_fields = fields
    list_prefetch = ("customer",)
    inlines = [InvoiceLineInline]
    actions = ["mark_paid", export_as_csv]

    @admin.display(description="order", ordering="order_id")
    def order_link(self, invoice):
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:orders_order_change", args=[invoice.order_id]),
            invoice.order_id,
        )

    class Media:
        css = {"all": [CSS]}

    @admin.display(description="issued", ordering="issued_on")
    def issued(self, invoice):
        return invoice.issued_on.isoformat()

    @admin.display(description="due", ordering="due_on")
    def due(self, invoice):
        return invoice.due_on.isoformat()

    @admin.display(description="status", ordering="status")
    def state(self, invoice):
        if invoice.status == Invoice.Status.PAID:
            return f"paid {invoice.paid_on.isoformat()}"
        return "overdue" if invoice.due_on < invoicing.utc_today() else "unpaid"

    @admin.display(description="PDF")
    def pdf(self, invoice):
        return _pdf_link(invoice)

    def has_add_permission(self, request):
        return False  # issued from an order

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="orders_invoice_pdf",
            ),
            *super().get_urls(),
        ]

    def pdf_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = get_object_or_404(Invoice, pk=object_id)
        response = HttpResponse(invoice_pdf(invoice=invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{invoice.filename}"'
        return response

    @admin.action(description="Mark selected invoices paid today", permissions=["mark_paid"])
    def mark_paid(self, request, queryset):
        paid, skipped = 0, []
        for invoice in queryset.order_by("pk"):
            try:
                invoicing.invoice_mark_paid(invoice=invoice)
                paid += 1
            except ApplicationError as exc:
                skipped.append(exc.message)
        if paid:
            self.message_user(request, f"Marked {paid} invoice(s) paid.", messages.SUCCESS)
        if skipped:
            self.message_user(request, "Skipped: " + " ".join(skipped), messages.WARNING)

    def has_mark_paid_permission(self, request):
        return request.user.has_perm("orders.change_invoice")
