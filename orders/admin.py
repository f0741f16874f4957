from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from customers.models import Customer
from factory.admin import PrefetchListMixin, export_as_csv
from factory.errors import ApplicationError
from orders import services
from orders.admin_fulfilment import OrderFulfilmentAdminMixin
from orders.models import Order, OrderItem
from orders.serializers import NOTES_MAX_LENGTH, RateField
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


class BaseOrderLineFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return  # each line's own errors first (a line may have no product)
        products = [form.cleaned_data["product"] for form in self.forms if form.cleaned_data]
        if len(products) != len(set(products)):
            raise ValidationError("Each product may appear only once.")


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=BaseOrderLineFormSet, extra=3, min_num=1, validate_min=True
)


@admin.register(Order)
class OrderAdmin(OrderFulfilmentAdminMixin, PrefetchListMixin, admin.ModelAdmin):
    """Orders are placed through `order_place` (as in the API) and never edited afterwards."""

    list_display = [
        "id",
        "customer",
        "status",
        "subtotal",
        "tax",
        "total",
        "created_at",
        "created_by",
    ]
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
                form.add_error(None, exc)
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
            "media": self.media + form.media + lines.media,
        }
        return TemplateResponse(request, "admin/orders/order/place.html", context)

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
        self.message_user(
            request, f"Cancelled {cancelled} order(s); {skipped} were already cancelled."
        )

    def has_cancel_permission(self, request):
        return request.user.has_perm("orders.change_order")
