"""Employees in the Django admin; saves and deletes go through `employees.services` like the API."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from employees import services
from employees.models import Employee
from employees.resources import EmployeeResource
from factory.admin import BoundedSearchAdminMixin, ServiceErrorAdminMixin, export_as_csv
from factory.imports import ServiceImportExportMixin


@admin.register(Employee)
class EmployeeAdmin(
    ServiceImportExportMixin, BoundedSearchAdminMixin, ServiceErrorAdminMixin, SimpleHistoryAdmin
):
    resource_classes = [EmployeeResource]
    list_display = ["name", "position", "email", "hired_on", "is_active"]
    search_fields = ["name", "email", "position"]
    list_filter = ["is_active", "hired_on"]
    date_hierarchy = "hired_on"
    fields = ["name", "position", "email", "hired_on", "is_active"]
    actions = [export_as_csv]

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # The autocomplete of a production record's employee (its request names the field)
        # offers active employees only: inactive ones cannot record production (SPEC §6).
        # A record keeps showing its current employee, active or not.
        source = [request.GET.get(key) for key in ("app_label", "model_name", "field_name")]
        if source == ["production", "productionrecord", "employee"]:
            queryset = queryset.filter(is_active=True)
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.EDITABLE_FIELDS}
        if change:
            services.employee_update(employee=obj, **data)
        else:
            obj.pk = services.employee_create(**data).pk
            obj._state.adding = False

    def delete_model(self, request, obj):
        services.employee_delete(employee=obj)

    def delete_queryset(self, request, queryset):
        # One transaction (the admin action's): an employee with production records stops the whole batch.
        for employee in queryset:
            services.employee_delete(employee=employee)
