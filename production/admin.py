from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from factory.admin import (
    BoundedSearchAdminMixin,
    PrefetchListMixin,
    ServiceErrorAdminMixin,
    export_as_csv,
)
from production import services
from production.models import BOM, BOMLine, ProductionRecord
from products.admin import ProductAdmin
from products.serializers import MAX_QUANTITY


class ProductionRecordForm(forms.ModelForm):
    # The API's bounds, as a field error before the database's check constraint is reached.
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    class Meta:
        model = ProductionRecord
        fields = ["product", "employee", "quantity", "date"]


@admin.register(ProductionRecord)
class ProductionRecordAdmin(
    BoundedSearchAdminMixin, PrefetchListMixin, ServiceErrorAdminMixin, admin.ModelAdmin
):
    """Production through the same services as the API: stock moves, components are consumed."""

    # Fits 1,366 px beside the filters; when it was entered (created_at) is on the record's page.
    list_display = ["date", "product", "employee", "quantity", "bom", "created_by"]
    list_filter = ["date"]
    list_prefetch = ("product", "employee", "created_by", "bom")
    search_fields = ["product__name", "product__sku", "employee__name"]
    autocomplete_fields = ["product", "employee"]
    date_hierarchy = "date"
    form = ProductionRecordForm
    fields = ProductionRecordForm.Meta.fields
    readonly_fields = ["bom", "consumed"]
    actions = [export_as_csv]

    def get_fields(self, request, obj=None):
        return [*self.fields, "bom", "consumed"] if obj is not None else self.fields

    @admin.display(description="consumed")
    def consumed(self, record):
        lines = record.bom.lines.select_related("component") if record.bom_id else []
        return (
            ", ".join(f"{line.quantity * record.quantity} x {line.component}" for line in lines)
            or "-"
        )

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.fields}
        if change:
            services.production_update(record=obj, user=request.user, **data)
        else:
            obj.pk = services.production_create(user=request.user, **data).pk

    def delete_model(self, request, obj):
        services.production_delete(record=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for record in queryset:
            services.production_delete(record=record, user=request.user)


class BOMLineInline(admin.TabularInline):
    model = BOMLine
    fields = ["component", "quantity"]
    autocomplete_fields = ["component"]
    extra = 3

    def _editable(self, obj) -> bool:
        """A BOM that production used keeps its lines: they show read-only."""
        return obj is None or not obj.production_records.exists()

    def has_add_permission(self, request, obj=None):
        return self._editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._editable(obj) and super().has_delete_permission(request, obj)


@admin.action(description="Activate selected BOMs", permissions=["change"])
def activate(modeladmin, request, queryset):
    """Activate each (the API's rules); a refusal rolls back the whole action and says why."""
    try:
        done = [services.bom_activate(bom=bom) for bom in queryset]
    except ValidationError as exc:
        transaction.set_rollback(True)
        modeladmin.message_user(
            request, f"Nothing was changed: {' '.join(exc.messages)}", messages.ERROR
        )
        return
    for bom in done:
        modeladmin.message_user(
            request, f"{bom} is now the active BOM of {bom.product}.", messages.SUCCESS
        )


@admin.action(description="Copy selected BOMs as new drafts", permissions=["add"])
def copy(modeladmin, request, queryset):
    for bom in queryset:
        new = services.bom_copy(bom=bom, user=request.user)
        modeladmin.message_user(request, f"Copied {bom} as draft v{new.version}.", messages.SUCCESS)


@admin.register(BOM)
class BOMAdmin(BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin):
    """BOMs and their lines, saved through `production.services` like the API."""

    list_display = ["product", "version", "status", "line_count", "locked", "created_at"]
    list_filter = ["status"]
    list_select_related = ["product"]
    search_fields = ["product__name", "product__sku"]
    autocomplete_fields = ["product"]
    date_hierarchy = "created_at"
    fields = ["product", "version", "status", "notes", "locked"]
    readonly_fields = ["version", "status", "locked"]
    inlines = [BOMLineInline]
    actions = [activate, copy, export_as_csv]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                used=Exists(ProductionRecord.objects.filter(bom=OuterRef("pk"))),
            )
            .prefetch_related("lines")
        )

    @admin.display(description="lines")
    def line_count(self, bom):
        return len(bom.lines.all())

    @admin.display(description="locked", boolean=True)
    def locked(self, bom):
        if bom.pk is None:
            return False
        used = getattr(bom, "used", None)
        return used if used is not None else bom.production_records.exists()

    def save_model(self, request, obj, form, change):
        """Nothing here: `save_related` saves the BOM with its lines in one service call."""

    def save_related(self, request, form, formsets, change):
        lines_formset = next(f for f in formsets if f.model is BOMLine)
        lines = [
            (f.cleaned_data["component"], f.cleaned_data["quantity"])
            for f in lines_formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        data = form.cleaned_data
        try:
            if change:
                services.bom_update(
                    bom=form.instance,
                    product=data["product"],
                    notes=data["notes"],
                    lines=lines if lines_formset.has_changed() else None,
                )
            else:
                bom = services.bom_create(
                    product=data["product"], lines=lines, notes=data["notes"], user=request.user
                )
                form.instance.pk, form.instance.version = bom.pk, bom.version
        except ValidationError as exc:
            # The service names `lines`, which is the inline, not a field of this form.
            raise ValidationError(exc.messages) from exc
        # What the admin's change message reads (formset.save() would have set these).
        lines_formset.new_objects, lines_formset.changed_objects = [], []
        lines_formset.deleted_objects = []

    def delete_model(self, request, obj):
        services.bom_delete(bom=obj)

    def delete_queryset(self, request, queryset):
        for bom in queryset:
            services.bom_delete(bom=bom)


def active_bom(self, product):
    """The product's active BOM as a link with its lines, for the product's admin page."""
    if product.pk is None:
        return "-"
    bom = (
        BOM.objects.filter(product=product, status=BOM.Status.ACTIVE)
        .prefetch_related("lines__component")
        .first()
    )
    if bom is None:
        return "none (production consumes nothing)"
    url = reverse("admin:production_bom_change", args=[bom.pk])
    lines = ", ".join(
        f"{line.quantity} {line.component.unit} {line.component}" for line in bom.lines.all()
    )
    return format_html('<a href="{}">v{}</a>: {}', url, bom.version, lines)


active_bom.short_description = "active bill of materials"


def where_used(self, product):
    """Every BOM that lists the product as a component, as links, for the product's page."""
    if product.pk is None:
        return "-"
    lines = BOMLine.objects.filter(component=product).select_related("bom__product")
    links = [
        format_html(
            '<a href="{}">{}</a> ({} per unit)',
            reverse("admin:production_bom_change", args=[line.bom_id]),
            line.bom,
            line.quantity,
        )
        for line in lines.order_by("bom__product__name", "-bom__version")
    ]
    return format_html_join("", "{}<br>", ((link,) for link in links)) if links else "nowhere"


where_used.short_description = "where used (BOMs listing it)"

# The product's page shows its active BOM and where it is used. Registered from here, since
# production depends on products and not the other way round.
ProductAdmin.active_bom, ProductAdmin.where_used = active_bom, where_used
ProductAdmin.readonly_fields = [*ProductAdmin.readonly_fields, "active_bom", "where_used"]
ProductAdmin.extra_change_fields = [*ProductAdmin.extra_change_fields, "active_bom", "where_used"]
