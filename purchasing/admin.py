"""Suppliers and purchase orders in the back office, through the same services as the API."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from factory.admin import (
    BoundedSearchAdminMixin,
    PrefetchListMixin,
    ServiceErrorAdminMixin,
    export_as_csv,
)
from factory.errors import ApplicationError
from factory.imports import ServiceImportExportMixin
from purchasing import selectors, services
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.resources import SupplierResource
from purchasing.services import LineInput

Status = PurchaseOrder.Status


@admin.register(Supplier)
class SupplierAdmin(
    ServiceImportExportMixin, BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin
):
    resource_classes = [SupplierResource]
    list_display = ["name", "email", "phone", "lead_time_days", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "email"]
    date_hierarchy = "created_at"
    actions = [export_as_csv]

    def save_model(self, request, obj, form, change):
        fields = {name: form.cleaned_data[name] for name in services.SUPPLIER_FIELDS}
        if change:
            services.supplier_update(supplier=obj, **fields)
        else:
            obj.pk = services.supplier_create(**fields).pk

    def delete_model(self, request, obj):
        services.supplier_delete(supplier=obj)

    def delete_queryset(self, request, queryset):
        for supplier in queryset:
            services.supplier_delete(supplier=supplier)


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    fields = ["product", "quantity", "unit_cost", "received_quantity", "outstanding", "line_total"]
    readonly_fields = ["received_quantity", "outstanding", "line_total"]
    autocomplete_fields = ["product"]
    extra = 3

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    @admin.display(description="outstanding")
    def outstanding(self, line):
        return line.outstanding if line.pk else "-"

    @admin.display(description="line total")
    def line_total(self, line):
        return line.line_total if line.pk else "-"


# Each action's button, the statuses it shows for, and (except receive) its permission and service.
BUTTONS = {
    "place": ("Place with supplier", (Status.DRAFT,)),
    "receive": ("Receive goods…", PurchaseOrder.RECEIVABLE),
    "close": ("Close (stop waiting)", (Status.PARTIALLY_RECEIVED,)),
    "cancel": ("Cancel", (Status.DRAFT, Status.ORDERED)),
}
CHANGE = "purchasing.change_purchaseorder"
ACTIONS = {
    "place": (CHANGE, services.purchase_order_place),
    "close": (CHANGE, services.purchase_order_close),
    "cancel": (CHANGE, services.purchase_order_cancel),
}


class ReceiptForm(forms.Form):
    """One quantity per line still outstanding (blank or 0: not in this delivery)."""

    note = forms.CharField(max_length=255, required=False)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = [line for line in lines if line.outstanding > 0]
        for line in self.lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                min_value=0,
                required=False,
                label=f"{line.product} (outstanding {line.outstanding})",
            )

    def rows(self):
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def receipts(self) -> list[tuple[int, int]]:
        return [
            (line.pk, self.cleaned_data[f"line_{line.pk}"])
            for line in self.lines
            if self.cleaned_data.get(f"line_{line.pk}")
        ]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(
    BoundedSearchAdminMixin, ServiceErrorAdminMixin, PrefetchListMixin, SimpleHistoryAdmin
):
    """Drafts are edited with their lines; everything else moves through the action buttons."""

    list_display = [
        "reference",
        "supplier",
        "status",
        "total",
        "expected_on",
        "created_at",
        "created_by",
    ]
    list_filter = ["status", "supplier"]
    list_prefetch = ("supplier", "created_by", "lines")
    search_fields = ["=id", "supplier__name", "notes"]
    autocomplete_fields = ["supplier"]
    date_hierarchy = "created_at"
    fields = [
        "supplier",
        "expected_on",
        "notes",
        "status",
        "actions_shown",
        "total",
        "created_by",
        "ordered_at",
    ]
    readonly_fields = ["status", "actions_shown", "total", "created_by", "ordered_at"]
    inlines = [PurchaseOrderLineInline]
    actions = [export_as_csv]

    @admin.display(description="reference", ordering="id")
    def reference(self, order):
        return order.reference

    @admin.display(description="total")
    def total(self, order):
        return order.total if order.pk else "-"

    @admin.display(description="actions")
    def actions_shown(self, order):
        if order.pk is None:
            return "Save the draft first."
        buttons = [
            (reverse("admin:purchasing_purchaseorder_action", args=[order.pk, name]), label)
            for name, (label, statuses) in BUTTONS.items()
            if order.status in statuses
        ]
        if not buttons:
            return "None: the order is " + order.get_status_display().lower() + "."
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', buttons)

    def has_change_permission(self, request, obj=None):
        # Only a draft is edited; other orders are viewed, and move on through their buttons.
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.status != Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        pass  # written with its lines in save_related, through the service

    def save_related(self, request, form, formsets, change):
        lines = [
            LineInput(
                product=line.cleaned_data["product"],
                quantity=line.cleaned_data["quantity"],
                unit_cost=line.cleaned_data["unit_cost"],
            )
            for formset in formsets
            for line in formset.forms
            if line.cleaned_data and not line.cleaned_data.get("DELETE")
        ]
        for formset in formsets:  # saved by the service: nothing for the admin's change message
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        fields = {name: form.cleaned_data[name] for name in services.ORDER_FIELDS}
        if change:
            services.purchase_order_update(order=form.instance, lines=lines, **fields)
        else:
            order = services.purchase_order_create(lines=lines, user=request.user, **fields)
            form.instance.pk = order.pk

    def delete_model(self, request, obj):
        services.purchase_order_delete(order=obj)

    def delete_queryset(self, request, queryset):
        for order in queryset:
            services.purchase_order_delete(order=order)

    def get_urls(self):
        return [
            path(
                "from-reorder/",
                self.admin_site.admin_view(self.from_reorder_view),
                name="purchasing_purchaseorder_from_reorder",
            ),
            path(
                "<int:pk>/do/<str:action>/",
                self.admin_site.admin_view(self.action_view),
                name="purchasing_purchaseorder_action",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, title, **context):
        return TemplateResponse(
            request,
            "admin/purchasing/purchaseorder/action.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )

    def action_view(self, request, pk, action):
        """Place, receive, close or cancel: a confirmation (or the receiving form), then the service."""
        order = get_object_or_404(selectors.purchase_order_list(), pk=pk)
        if action == "receive":
            return self._receive(request, order)
        if action not in ACTIONS:
            raise PermissionDenied
        permission, service = ACTIONS[action]
        label = BUTTONS[action][0]
        if not request.user.has_perm(permission):
            raise PermissionDenied
        if request.method == "POST":
            try:
                order = service(order=order, user=request.user)
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.log_change(request, order, f"{action}: now {order.status}")
                self.message_user(
                    request,
                    f"{order.reference} is now {order.get_status_display().lower()}.",
                    messages.SUCCESS,
                )
            return redirect("admin:purchasing_purchaseorder_change", order.pk)
        return self._page(request, f"{label}: {order.reference}", order=order, action_label=label)

    def _receive(self, request, order):
        if not request.user.has_perm("purchasing.receive_purchaseorder"):
            raise PermissionDenied
        form = ReceiptForm(request.POST or None, lines=list(order.lines.all()))
        if request.method == "POST" and form.is_valid():
            receipts = form.receipts()
            try:
                if not receipts:
                    raise ValidationError("Enter a quantity for at least one line.")
                order = services.purchase_order_receive(
                    order=order,
                    receipts=receipts,
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                units = sum(quantity for _, quantity in receipts)
                self.log_change(request, order, f"received {units} units")
                self.message_user(
                    request,
                    f"Received {units} units on {order.reference}; it is now "
                    f"{order.get_status_display().lower()}.",
                    messages.SUCCESS,
                )
                return redirect("admin:purchasing_purchaseorder_change", order.pk)
        return self._page(request, f"Receive goods: {order.reference}", order=order, receipt=form)

    def from_reorder_view(self, request):
        """The reorder report, and a button that drafts one purchase order per default supplier."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            created, skipped = services.purchase_orders_from_reorder(user=request.user)
            if created:
                self.message_user(
                    request, f"Created {len(created)} draft purchase order(s).", messages.SUCCESS
                )
            else:
                self.message_user(
                    request, "Nothing to reorder: no draft was created.", messages.WARNING
                )
            if skipped:
                self.message_user(
                    request,
                    f"Skipped products without an active default supplier: {', '.join(map(str, skipped))}.",
                    messages.WARNING,
                )
            return redirect(
                f"{reverse('admin:purchasing_purchaseorder_changelist')}?status__exact=draft"
            )
        rows = list(selectors.reorder_list()[:200])
        return self._page(request, "Create purchase orders from the reorder report", reorder=rows)
