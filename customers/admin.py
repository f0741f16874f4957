"""Customers in the Django admin; saves and deletes go through `customers.services` like the API."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers import services
from customers.models import Customer
from customers.resources import CustomerResource
from factory.admin import BoundedSearchAdminMixin, ServiceErrorAdminMixin, export_as_csv
from factory.imports import ServiceImportExportMixin


@admin.register(Customer)
class CustomerAdmin(
    ServiceImportExportMixin, BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin
):
    resource_classes = [CustomerResource]
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]
    list_filter = ["created_at"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at"]
    fields = ["name", "email", "phone", "address", "created_at"]
    actions = [export_as_csv]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        if change:
            services.customer_update(customer=obj, **data)
        else:
            created = services.customer_create(**data)
            obj.pk, obj.created_at = created.pk, created.created_at
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.customer_delete(customer=obj)

    def delete_queryset(self, request, queryset):
        # One transaction (the admin action's): a customer with orders stops the whole batch.
        for customer in queryset:
            services.customer_delete(customer=customer)
