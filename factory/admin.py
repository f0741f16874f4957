"""Admin pieces shared by every app."""

import csv
from decimal import Decimal

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone


@admin.action(description="Export selected rows as CSV")
def export_as_csv(modeladmin, request, queryset):
    """Download the selected rows with the columns of the change list."""
    columns = [c for c in modeladmin.get_list_display(request) if c != "action_checkbox"]
    opts = modeladmin.model._meta
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opts.model_name}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow([_header(modeladmin, column) for column in columns])
    for obj in queryset:
        writer.writerow([_value(modeladmin, obj, column) for column in columns])
    return response


def _header(modeladmin, column):
    if callable(column):
        return getattr(column, "short_description", column.__name__)
    attr = getattr(modeladmin, column, None)
    if attr is not None and hasattr(attr, "short_description"):
        return attr.short_description
    try:
        return modeladmin.model._meta.get_field(column).verbose_name
    except Exception:
        return column.replace("_", " ")


def _value(modeladmin, obj, column):
    if callable(column):
        value = column(obj)
    elif hasattr(modeladmin, column):
        value = getattr(modeladmin, column)(obj)
    else:
        value = getattr(obj, column)
        if callable(value):
            value = value()
    return csv_safe(value)


def csv_safe(value) -> str:
    """Text for a CSV cell, with spreadsheet formulas neutralised (CSV injection); numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        return str(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
