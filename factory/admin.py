"""Admin pieces shared by every app."""

from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F
from django.http import HttpResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.text import capfirst, smart_split

from factory.api.filters import BoundedSearchFilter as bounds
from factory.csvcells import csv_cell, csv_writer
from factory.errors import ApplicationError


@admin.action(description="Export selected rows as CSV")
def export_as_csv(modeladmin, request, queryset):
    """Download the selected rows with the columns of the change list, headed as the list is."""
    columns = [c for c in modeladmin.get_list_display(request) if c != "action_checkbox"]
    opts = modeladmin.model._meta
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{opts.model_name}-{stamp}.csv"'
    writer = csv_writer(response)
    writer.writerow([_header(modeladmin, column) for column in columns])
    for obj in queryset:
        writer.writerow([_value(modeladmin, obj, column) for column in columns])
    return response


def _header(modeladmin, column):
    """The column's title in the change list (Django's own label, first letter capitalised)."""
    return csv_cell(capfirst(label_for_field(column, modeladmin.model, modeladmin)))


def _value(modeladmin, obj, column):
    if callable(column):
        value = column(obj)
    elif hasattr(modeladmin, column):
        value = getattr(modeladmin, column)(obj)
    else:
        value = getattr(obj, column)
        if callable(value):
            value = value()
    return csv_cell(value)


class BoundedSearchAdminMixin:
    """The admin's search box under the API's `?search=` bounds (factory.api.filters).

    Each word is one `LIKE` per search field in one WHERE clause, so 1,000 words cost a worker
    seconds (or a SQLite refusal). Beyond the bounds the search uses the first words and
    characters only, and says so; a page is still shown, as a search box should.
    """

    def get_search_results(self, request, queryset, search_term):
        words = list(smart_split(search_term[: bounds.MAX_LENGTH]))
        if len(search_term) > bounds.MAX_LENGTH or len(words) > bounds.MAX_TERMS:
            search_term = " ".join(words[: bounds.MAX_TERMS])
            messages.warning(
                request,
                f"Searched for the first {bounds.MAX_TERMS} words and {bounds.MAX_LENGTH} "
                f"characters only: {search_term}",
            )
        return super().get_search_results(request, queryset, search_term)


class PrefetchListMixin:
    """A change list that loads its rows' related objects with one query per relation.

    `list_prefetch` names them. Django's `list_select_related` joins them instead, and on
    the large tables MariaDB drove such a join from the small related table and sorted every
    row for each page: 0.26 s a page of production records, 0.41 s of orders, 2 s of the
    ledger on the `large` data set; prefetched, a few milliseconds (docs/bench.md).
    """

    list_prefetch: tuple[str, ...] = ()
    list_select_related = ()  # not False: with False Django joins every relation shown

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(*self.list_prefetch)


def unique_fields(model) -> set[str]:
    """The fields a uniqueness rule covers: `unique=True` and every field of a UniqueConstraint."""
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            names.update(constraint.fields)
            for expression in constraint.expressions:
                names.update(ref for ref, *_ in _field_refs(expression))
    return names


def _field_refs(expression):
    if isinstance(expression, F):
        yield (expression.name,)
    for source in getattr(expression, "get_source_expressions", list)():
        yield from _field_refs(source)


class ServiceErrorAdminMixin:
    """Show a domain error raised by a service while saving as a form error, with nothing saved.

    The admin's change view runs in a transaction, so when a service raises
    (say, InsufficientStock) everything is rolled back; the view is then shown
    again with the same input and the error attached to the form.

    Uniqueness is the service's rule (one query, one message): the form does not check the
    unique fields and constraints of its model again.
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as exc:
            request.service_error = ValidationError(exc.message, code=exc.code)
        except ValidationError as exc:
            request.service_error = exc
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "service_error", None)
        unique = unique_fields(form_class._meta.model)

        class ServiceForm(form_class):
            def _get_validation_exclusions(self):
                return super()._get_validation_exclusions() | unique

            def validate_unique(self):
                pass  # the service checks it when it saves

            def clean(self):
                cleaned = super().clean()
                if error is not None:
                    raise error
                return cleaned

        ServiceForm.__name__ = form_class.__name__
        return ServiceForm

    def get_deleted_objects(self, objs, request):
        """Django's, but a record that protected rows refer to names them as the reason.

        Django would say the admin lacks the permission to delete those rows (orders cannot be
        deleted by anyone), which hides why: they protect the record.
        """
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set() if protected else perms_needed, protected

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def response_action(self, request, queryset):
        try:
            with transaction.atomic():
                return super().response_action(request, queryset)
        except ApplicationError as exc:
            self.message_user(request, f"Nothing was changed: {exc.message}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
