from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from customers.models import Customer
from factory.admin import BoundedSearchAdminMixin, PrefetchListMixin, export_as_csv
from factory.errors import ApplicationError
from orders import services
from orders.admin_fulfilment import OrderFulfilmentAdminMixin
from orders.models import Order, OrderItem
from orders.serializers import MAX_ITEMS, NOTES_MAX_LENGTH, RateField
from products.models import Product
from products.serializers import MAX_QUANTITY


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    fields = ["product", "quantity", "unit_price", "line_total"]
    readonly_fields = fields
    classes = ["readonly-rows"]

    class Media:
        css = {"all": ["factory/admin.css"]}

    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class OrderPlaceForm(forms.Form):
    customer = forms.ModelChoiceField(
        Customer.objects.all(),
        widget=AutocompleteSelect(Order._meta.get_field("customer"), admin.site),
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=NOTES_MAX_LENGTH, required=False
    )


class OrderLineForm(forms.Form):
    product = forms.ModelChoiceField(
        Product.objects.all(),
        widget=AutocompleteSelect(OrderItem._meta.get_field("product"), admin.site),
    )
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)


# "Each product at most once" is `order_place`'s rule; its refusal is shown on the form.
# As many lines as the API takes (MAX_ITEMS): one to start, "Add another line" for the next
# (orders/static/orders/place_order.js); more than MAX_ITEMS is a form error, whatever is posted.
OrderLineFormSet = forms.formset_factory(
    OrderLineForm,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_ITEMS,
    validate_max=True,
    absolute_max=MAX_ITEMS,
)


@admin.register(Order)
class OrderAdmin(
    BoundedSearchAdminMixin, OrderFulfilmentAdminMixin, PrefetchListMixin, admin.ModelAdmin
):
    """Orders are placed through `order_place` (as in the API) and never edited afterwards."""

    # Fits 1,366 px beside the filters: subtotal and tax are on the order's page.
    list_display = ["id", "customer_name", "status", "total", "created_at", "created_by"]
    list_filter = ["status", "created_at"]
    list_prefetch = ("customer", "created_by")
    search_fields = ["=id", "customer__name", "customer__email"]
    autocomplete_fields = ["customer"]
    date_hierarchy = "created_at"
    fields = [
        "customer",
        "status",
        "notes",
        "subtotal",
        "tax_rate_shown",
        "tax",
        "total",
        "created_at",
        "created_by",
        "cancelled_at",
    ]
    readonly_fields = fields
    inlines = [OrderItemInline]
    actions = ["cancel_orders", export_as_csv]

    @admin.display(description="customer", ordering="customer__name")
    def customer_name(self, order):
        return order.customer.name

    @admin.display(description="tax rate")
    def tax_rate_shown(self, order):
        return RateField().to_representation(order.tax_rate)

    def has_change_permission(self, request, obj=None):
        # Viewing stays allowed through view permission; nothing on an order is editable.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead: it returns the stock and keeps the history

    def add_view(self, request, form_url="", extra_context=None):
        """Place an order with its lines; a shortage is shown on the form and nothing is saved."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = OrderPlaceForm(request.POST or None)
        lines = OrderLineFormSet(request.POST or None, prefix="lines")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            try:
                order = services.order_place(
                    customer=form.cleaned_data["customer"],
                    items=[
                        (line.cleaned_data["product"], line.cleaned_data["quantity"])
                        for line in lines.forms
                        if line.cleaned_data
                    ],
                    notes=form.cleaned_data["notes"],
                    user=request.user,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            except ValidationError as exc:
                form.add_error(None, exc.messages)  # `items` is the lines, not a field here
            else:
                self.log_addition(request, order, [{"added": {}}])
                messages.success(request, f"{order} placed: total {order.total}.")
                return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Place order",
            "form": form,
            "lines": lines,
            "max_lines": MAX_ITEMS,
            "tax_rate": settings.TAX_RATE,
            "media": self.media
            + form.media
            + lines.media
            + forms.Media(js=["orders/place_order.js"]),
        }
        return TemplateResponse(request, "admin/orders/order/place.html", context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("add/prices/", view(self.prices_view), name="orders_order_prices"),
            path("<int:pk>/cancel/", view(self.cancel_view), name="orders_order_cancel"),
            *super().get_urls(),
        ]

    def prices_view(self, request):
        """`?product=1&product=2` → `{"1": {"price": "12.50", "stock": 7}, …}`.

        What the place-order page needs for its running total; the order itself reads prices
        under the lock when it is placed (`order_place`).
        """
        if not self.has_add_permission(request):
            raise PermissionDenied
        ids = [pk for pk in request.GET.getlist("product")[:MAX_ITEMS] if pk.isdigit()]
        rows = Product.objects.filter(pk__in=ids).values("pk", "price", "stock")
        return JsonResponse(
            {str(row["pk"]): {"price": str(row["price"]), "stock": row["stock"]} for row in rows}
        )

    def cancel_view(self, request, pk):
        """The order page's Cancel button: a confirmation page, then `order_cancel` on POST."""
        if not self.has_cancel_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order, pk=pk)
        if request.method == "POST":
            try:
                services.order_cancel(order=order, user=request.user)
            except ApplicationError as exc:
                self.message_user(
                    request, f"Nothing was cancelled: {exc.message}", messages.WARNING
                )
            else:
                self.log_change(request, order, "Cancelled; stock returned.")
                self.message_user(
                    request, f"{order} cancelled: its stock is back on hand.", messages.SUCCESS
                )
            return redirect("admin:orders_order_change", order.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Cancel {order}?",
            "order": order,
            "items": order.items.select_related("product"),
        }
        return TemplateResponse(request, "admin/orders/order/cancel.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_cancel": self.has_cancel_permission(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(
        description="Cancel selected orders (returns their stock)", permissions=["cancel"]
    )
    def cancel_orders(self, request, queryset):
        cancelled = skipped = 0
        for order in queryset.order_by("pk"):
            try:
                services.order_cancel(order=order, user=request.user)
                cancelled += 1
            except ApplicationError:
                skipped += 1
        if not cancelled:
            self.message_user(
                request,
                f"Nothing was cancelled: the {skipped} selected order(s) were already cancelled.",
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            f"Cancelled {cancelled} order(s); their stock is back on hand.",
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request, f"{skipped} selected order(s) were already cancelled.", messages.WARNING
            )

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.change_order")
