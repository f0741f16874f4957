from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from factory.admin import (
    BoundedSearchAdminMixin,
    PrefetchListMixin,
    ServiceErrorAdminMixin,
    export_as_csv,
)
from factory.errors import ApplicationError
from factory.imports import ServiceImportExportMixin
from products import selectors, services
from products.models import COST_PLACES, LOW_STOCK, MAX_COST_DIGITS, Product, StockMovement
from products.resources import ProductResource
from products.serializers import MAX_QUANTITY
from products.services.catalog import EDITABLE_FIELDS

LEDGER_ROWS_SHOWN = 50

# A ledger row's `reference` ("order:401") → the admin page of that record (SPEC §9). By URL name,
# not by import: the ledger's owner knows no caller (STYLE: imports flow one way).
REFERENCE_PAGES = {
    "order": "admin:orders_order_change",
    "production": "admin:production_productionrecord_change",
    "product": "admin:products_product_change",
    "po": "admin:purchasing_purchaseorder_change",
}


@admin.display(description="reference", ordering="reference")
def reference_link(movement):
    """The reference as a link to its record's admin page; plain text when it has none."""
    kind, _, pk = movement.reference.partition(":")
    if kind in REFERENCE_PAGES and pk.isdigit():
        try:
            return format_html(
                '<a href="{}">{}</a>', reverse(REFERENCE_PAGES[kind], args=[pk]), movement.reference
            )
        except NoReverseMatch:
            pass
    return movement.reference


@admin.display(description="created at", ordering="created_at")
def moved_at(movement):
    """To the minute: the ledger's six columns fit 1,366 px (SPEC §9); the second is on the row's page."""
    return timezone.localtime(movement.created_at).strftime("%Y-%m-%d %H:%M")


class LowStockFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request, model_admin):
        return [("low", "At or below reorder level"), ("out", "Out of stock")]

    def queryset(self, request, queryset):
        if self.value() == "low":
            return queryset.filter(LOW_STOCK)
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


class RecentMovementsFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # One query for the rows shown: the formset asks for its queryset once per form.
        if not hasattr(self, "_recent"):
            recent = super().get_queryset().select_related("created_by")
            self._recent = recent[:LEDGER_ROWS_SHOWN]
        return self._recent


class StockMovementInline(admin.TabularInline):
    """The newest ledger rows, read-only: stock changes only through the services."""

    model = StockMovement
    formset = RecentMovementsFormSet
    fields = ["created_at", "delta", "unit_cost", "reason", reference_link, "note", "created_by"]
    readonly_fields = fields
    classes = ["readonly-rows"]

    class Media:
        css = {"all": ["factory/admin.css"]}

    extra = 0
    can_delete = False
    verbose_name_plural = f"Stock ledger (newest {LEDGER_ROWS_SHOWN})"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProductForm(forms.ModelForm):
    unit = forms.CharField(
        max_length=16, required=False, initial="pcs", help_text="pcs, kg, m, … (empty: pcs)"
    )
    reorder_quantity = forms.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        required=False,
        initial=0,
        help_text="How many to order at least when the product is reordered (blank: 0).",
    )

    class Meta:
        model = Product
        fields = list(EDITABLE_FIELDS)  # what the service lets a caller change

    def clean_unit(self):
        return self.cleaned_data["unit"] or "pcs"

    def clean_reorder_quantity(self):
        return self.cleaned_data["reorder_quantity"] or 0


def _cost_field(help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        min_value=0,
        max_digits=MAX_COST_DIGITS,
        decimal_places=COST_PLACES,
        required=False,
        help_text=help_text,
    )


class ProductAddForm(ProductForm):
    initial_stock = forms.IntegerField(
        min_value=0, max_value=MAX_QUANTITY, initial=0, help_text="Recorded on the ledger."
    )
    unit_cost = _cost_field("What one unit of the initial stock cost (blank: 0).")


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        min_value=-MAX_QUANTITY,
        max_value=MAX_QUANTITY,
        help_text="Positive adds stock, negative removes it.",
    )
    note = forms.CharField(max_length=255, required=False)
    unit_cost = _cost_field(
        "What one added unit cost: moves the average cost. Only for a positive change."
    )

    def clean_delta(self):
        if self.cleaned_data["delta"] == 0:
            raise forms.ValidationError("A stock adjustment cannot be zero.")
        return self.cleaned_data["delta"]


@admin.register(Product)
class ProductAdmin(
    ServiceImportExportMixin, BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin
):
    resource_classes = [ProductResource]
    # Named, so that the import/export buttons extend it instead of the plain change list.
    change_list_template = "admin/products/product/change_list.html"
    list_display = ["name", "sku", "price", "stock", "on_order", "reorder_level", "updated_at"]
    autocomplete_fields = ["default_supplier"]
    search_fields = ["name", "sku"]
    list_filter = [LowStockFilter]
    date_hierarchy = "created_at"
    readonly_fields = [
        "stock",
        "average_cost",
        "on_order",
        "adjust_link",
        "created_at",
        "updated_at",
    ]
    inlines = [StockMovementInline]
    actions = [export_as_csv]
    form = ProductForm
    extra_change_fields: list[str] = []  # read-only fields other apps add (production: active BOM)

    def get_form(self, request, obj=None, **kwargs):
        kwargs["form"] = ProductAddForm if obj is None else ProductForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return [*ProductForm.Meta.fields, "initial_stock", "unit_cost"]
        return [
            *ProductForm.Meta.fields,
            "stock",
            "average_cost",
            "on_order",
            "adjust_link",
            *self.extra_change_fields,
        ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(on_order=selectors.product_on_order())

    @admin.display(description="on order", ordering="on_order")
    def on_order(self, product):
        return getattr(product, "on_order", 0)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    @admin.display(description="adjust")
    def adjust_link(self, product):
        if product.pk is None:
            return "-"
        url = reverse("admin:products_product_adjust", args=[product.pk])
        return format_html('<a class="button" href="{}">Adjust stock…</a>', url)

    def save_model(self, request, obj, form, change):
        fields = {
            name: form.cleaned_data[name] for name in EDITABLE_FIELDS if name in form.cleaned_data
        }
        if change:
            services.product_update(product=obj, **fields)
        else:
            created = services.product_create(
                initial_stock=form.cleaned_data.get("initial_stock") or 0,
                unit_cost=form.cleaned_data.get("unit_cost"),
                user=request.user,
                **fields,
            )
            obj.pk = created.pk
            obj.stock = created.stock

    def get_deleted_objects(self, objs, request):
        """As `product_delete` does, take the ledger along: its rows need no delete permission.

        The ledger admin refuses deletes of single movements; a product on orders or
        production is still refused, since those foreign keys protect it.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        perms_needed.discard(StockMovement._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def delete_model(self, request, obj):
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            services.product_delete(product=product)

    def get_urls(self):
        return [
            path(
                "<int:pk>/adjust/",
                self.admin_site.admin_view(self.adjust_view),
                name="products_product_adjust",
            ),
            *super().get_urls(),
        ]

    def adjust_view(self, request, pk):
        """A stock correction through the same service as `POST /api/products/{id}/adjust/`."""
        if not request.user.has_perm("products.change_product"):
            raise PermissionDenied
        product = get_object_or_404(Product, pk=pk)
        form = StockAdjustForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                product = services.stock_adjust(
                    product=product, user=request.user, **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error("delta", exc.message)
            except ValidationError as exc:  # a cost with a negative change
                form.add_error(None, exc)
            else:
                messages.success(request, f"Stock of {product} is now {product.stock}.")
                return redirect("admin:products_product_change", product.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Adjust stock: {product}",
            "product": product,
            "form": form,
        }
        return TemplateResponse(request, "admin/products/product/adjust.html", context)


@admin.register(StockMovement)
class StockMovementAdmin(BoundedSearchAdminMixin, PrefetchListMixin, admin.ModelAdmin):
    """The ledger, read-only."""

    list_display = [
        moved_at,
        "product",
        "delta",
        "unit_cost",
        "reason",
        reference_link,
        "created_by",
    ]
    list_filter = ["reason"]
    list_prefetch = ("product", "created_by")
    search_fields = ["product__name", "product__sku", "reference", "note"]
    autocomplete_fields = ["product"]
    date_hierarchy = "created_at"
    actions = [export_as_csv]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
