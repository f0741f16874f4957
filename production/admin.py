from django import forms
from django.contrib import admin

from factory.admin import PrefetchListMixin, ServiceErrorAdminMixin, export_as_csv
from production import services
from production.models import ProductionRecord
from products.serializers import MAX_QUANTITY


class ProductionRecordForm(forms.ModelForm):
    # The API's bounds, as a field error before the database's check constraint is reached.
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    class Meta:
        model = ProductionRecord
        fields = ["product", "employee", "quantity", "date"]


@admin.register(ProductionRecord)
class ProductionRecordAdmin(PrefetchListMixin, ServiceErrorAdminMixin, admin.ModelAdmin):
    """Production through the same services as the API: stock moves, the ledger records it."""

    # Fits 1,366 px beside the filters; when it was entered (created_at) is on the record's page.
    list_display = ["date", "product", "employee", "quantity", "created_by"]
    list_filter = ["date"]
    list_prefetch = ("product", "employee", "created_by")
    search_fields = ["product__name", "product__sku", "employee__name"]
    autocomplete_fields = ["product", "employee"]
    date_hierarchy = "date"
    form = ProductionRecordForm
    fields = ProductionRecordForm.Meta.fields
    actions = [export_as_csv]

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
