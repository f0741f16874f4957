"""Spreadsheet import and export of master data (SPEC §17), on django-import-export.

The library reads the file, matches rows to records, runs the dry run and the confirmed import
in a transaction, and draws the admin's preview. The project stays in charge of what is
written: every row goes through the API's serializer (the same field rules: bounded lengths,
decimals, dates) and then the app's service (`customer_create`, `product_update`, …: the same
uniqueness checks and the stock service), so an import can do nothing the API would refuse.

- `ServiceResource`: the base resource each app declares (`customers/resources.py`, …); the admin
  and `manage.py import_records` use the same ones (`RESOURCES`).
- `dataset_read`: the one reader of an uploaded file: size, row and format limits, clear messages.
- `ServiceImportExportMixin`: the admin side (permissions, formats, one transaction, messages).

A file with any bad row imports nothing: the whole import is one transaction, rolled back when a
row fails, in the dry run as in the confirmed import.
"""

import csv
import datetime
import io
import zipfile
from collections.abc import Callable
from copy import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models.functions import Lower
from django.http import HttpResponseRedirect
from django.urls import reverse
from import_export import resources
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import RowResult
from rest_framework import serializers

from factory.csvcells import csv_cell, csv_cell_unescape
from factory.errors import ApplicationError
from factory.history import history_reason

# model name (and plural) → resource class, filled by each app's resources module (`register`).
RESOURCES: dict[str, type["ServiceResource"]] = {}
LOOKUP_CHUNK = 1000  # ids and unique values asked of the database per query


IMPORT_REASON = "Spreadsheet import"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (empty, too large, not CSV/XLSX, bad headers)."""


def register(*names: str):
    """Class decorator: make a resource importable by `manage.py import_records <name>`."""

    def wrap(resource_class):
        for name in names:
            RESOURCES[name] = resource_class
        return resource_class

    return wrap


# --- reading a file ------------------------------------------------------------------------


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB"


def dataset_read(data: bytes, *, kind: str):
    """A tablib Dataset of the file's first sheet; ImportFileError with a clear message if it is
    empty, larger than IMPORT_MAX_BYTES, longer than IMPORT_MAX_ROWS, or not a `kind` file
    ("csv": UTF-8 text; "xlsx": an Excel workbook)."""
    import tablib

    limit = settings.IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportFileError(
            f"The file is larger than {_megabytes(limit)}, the limit "
            f"({settings.IMPORT_MAX_ROWS:,} rows). Split it into smaller files."
        )
    if not data.strip():
        raise ImportFileError("The file is empty.")
    rows = _csv_rows(data) if kind == "csv" else _xlsx_rows(data)
    header = next(rows, None)
    if header is None or not any(cell not in (None, "") for cell in header):
        raise ImportFileError("The file is empty: it has no header row.")
    dataset = tablib.Dataset(headers=["" if cell is None else str(cell) for cell in header])
    width = len(header)
    for number, row in enumerate(rows, 1):
        if number > settings.IMPORT_MAX_ROWS:
            raise ImportFileError(
                f"The file has more than {settings.IMPORT_MAX_ROWS:,} rows; split it into smaller files."
            )
        row = list(row)
        if all(cell in (None, "") for cell in row):
            continue  # blank lines, and the blank rows a spreadsheet leaves at the end
        if len(row) != width:
            raise ImportFileError(
                f"Row {number} has {len(row)} cells but the header has {width}: "
                "every row needs one cell per column."
            )
        dataset.append(row)
    if not dataset.height:
        raise ImportFileError("The file has a header row but no data rows.")
    return dataset


def _csv_rows(data: bytes):
    if b"\x00" in data:
        raise ImportFileError(
            "The file is not a CSV text file (it contains binary data). "
            "Save it from the spreadsheet as CSV (UTF-8), or import it as XLSX."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            "The file is not UTF-8 text, so not a CSV file this import reads. "
            "Save it from the spreadsheet as CSV (UTF-8), or import it as XLSX."
        ) from None
    try:
        yield from csv.reader(io.StringIO(text, newline=""), strict=True)
    except csv.Error as exc:
        raise ImportFileError(f"The CSV file cannot be read: {exc}.") from None


def _xlsx_rows(data: bytes):
    import openpyxl

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(
            "The file is not an XLSX workbook (an XLSX file is a zip archive; this is not one). "
            "Old .xls files: save them as .xlsx or CSV first."
        )
    try:
        # openpyxl parses with defusedxml when installed (requirements.txt): no entity expansion.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        yield from book.active.iter_rows(values_only=True)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            f"The XLSX workbook cannot be read ({type(exc).__name__}); "
            "save it again from the spreadsheet."
        ) from None


class CSV(base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, str):
            in_stream = in_stream.encode(self.encoding or "utf-8")
        return dataset_read(in_stream, kind="csv")

    def get_read_mode(self):
        return "rb"  # dataset_read decodes, so a binary file is refused with a clear message

    def is_binary(self):
        return True


class XLSX(base_formats.XLSX):
    def create_dataset(self, in_stream, **kwargs):
        return dataset_read(in_stream, kind="xlsx")


FORMATS = {"csv": CSV, "xlsx": XLSX}


# --- cells ---------------------------------------------------------------------------------


def cell_value(value):
    """A cell as the API would receive it: text, or the number/bool/date a workbook holds."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float):
        return int(value) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return csv_cell_unescape(value.strip())
    return value


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {text}" for key, value in detail.items() for text in _messages(value)]
    if isinstance(detail, list):
        return [text for item in detail for text in _messages(item)]
    return [str(detail)]


def drf_errors(exc: serializers.ValidationError) -> ValidationError:
    """A DRF serializer's errors as Django's field errors (the row's message in the preview)."""
    detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD_ERRORS: exc.detail}
    return ValidationError(
        {
            NON_FIELD_ERRORS if key == "non_field_errors" else key: _messages(value)
            for key, value in detail.items()
        }
    )


# --- resources -----------------------------------------------------------------------------


class ChunkedInstanceLoader(BaseInstanceLoader):
    """The existing records a file names by `id`, fetched LOOKUP_CHUNK ids a query (not one a row)."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        ids = sorted({pk for pk in (resource.row_id(row) for row in dataset.dict) if pk})
        queryset = resource.get_queryset()
        self.found = {}
        for start in range(0, len(ids), LOOKUP_CHUNK):
            self.found.update(queryset.in_bulk(ids[start : start + LOOKUP_CHUNK]))

    def get_instance(self, row):
        return self.found.get(self.resource.row_id(row))


def values_held(queryset, column: str, values) -> dict[str, int]:
    """`{lower(value): pk}` of the records holding any of `values` in `column`, in any letter
    case: LOOKUP_CHUNK values a query, where the services ask one query a record."""
    values = sorted({str(value).lower() for value in values if value not in (None, "")})
    held = {}
    for start in range(0, len(values), LOOKUP_CHUNK):
        held.update(
            queryset.annotate(import_key=Lower(column))
            .filter(import_key__in=values[start : start + LOOKUP_CHUNK])
            .values_list("import_key", "pk")
        )
    return held


class ServiceResource(resources.ModelResource):
    """A model's columns, read through its API serializer and written through its services.

    Subclasses set `Meta.model` and `Meta.fields` (the columns, `id` first), `serializer_class`
    (the API's), `unique_columns` (the columns no two records may share in any letter case, with
    the service's message) and the services: `create_with` (`customer_create`) and `update_with`
    (`customer_update`, whose record keyword is `model_name`), or override `create(data,
    conflicts)` and `update(instance, data, conflicts)`. `actor` is who imports: the admin's
    user, or SYSTEM / `--user` on the command line.

    Uniqueness against the database is asked once for the whole file (`values_held`, one query
    per LOOKUP_CHUNK values) and handed to the service as its `conflicts` answer for the row, so
    a 20,000-row file does not cost 20,000 look-ups; the service's message is the row's error,
    and the unique constraints stay the last line.
    """

    serializer_class: type[serializers.Serializer]
    unique_columns: dict[str, str] = {}
    read_only_columns: tuple[str, ...] = ("id", "created_at", "updated_at")

    class Meta:
        import_id_fields = ["id"]
        instance_loader_class = ChunkedInstanceLoader
        skip_unchanged = False
        clean_model_instances = False  # the service validates (full_clean), once
        use_transactions = True

    def __init__(
        self, *, actor=None, diff: bool = True, progress: Callable[[], None] | None = None
    ):
        super().__init__()
        self.actor = actor
        self.progress = progress
        if not diff:  # the command: 20,000 HTML diffs would cost more than the import
            self._meta = copy(self._meta)
            self._meta.skip_diff = True
        self._create_serializer = self.serializer_class()
        self._update_serializer = self.serializer_class(partial=True)
        self._file_errors: dict[int, dict[str, list[str]]] = {}

    # The service's work ------------------------------------------------------------------

    create_with: Callable = None
    update_with: Callable = None

    def create(self, data: dict, conflicts):
        return type(self).create_with(conflicts=conflicts, **data)

    def update(self, instance, data: dict, conflicts):
        keyword = self._meta.model._meta.model_name
        return type(self).update_with(**{keyword: instance}, conflicts=conflicts, **data)

    def check_row(self, instance, row: dict, new: bool) -> dict[str, list[str]]:
        """Errors of the columns the serializer does not know (products' stock columns)."""
        return {}

    # Columns -----------------------------------------------------------------------------

    def columns(self) -> list[str]:
        return [field.column_name for field in self.get_user_visible_fields()]

    def writable_columns(self) -> list[str]:
        return [name for name in self.columns() if name not in self.read_only_columns]

    @staticmethod
    def row_id(row: dict) -> int | None:
        value = cell_value(row.get("id"))
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return int(value) if isinstance(value, str) and value.isdigit() else None

    def headers_check(self, dataset) -> None:
        """Header names in any letter case; ImportFileError for unknown or repeated columns,
        and each row that repeats a unique value of an earlier row gets that as its error."""
        known = {name.lower(): name for name in self.columns()}
        headers = [str(header or "").strip() for header in dataset.headers]
        unknown = [header or "(blank)" for header in headers if header.lower() not in known]
        if unknown:
            raise ImportFileError(
                f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                f"The columns are: {', '.join(self.columns())} (the first row names them)."
            )
        names = [known[header.lower()] for header in headers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ImportFileError(f"Repeated columns: {', '.join(repeated)}.")
        if not set(names) & set(self.writable_columns()):
            raise ImportFileError(
                f"No column to import; the columns are: {', '.join(self.columns())}."
            )
        dataset.headers = names
        self._file_errors = self._repeats(dataset)
        queryset = self.get_queryset()
        self._held = {
            column: values_held(queryset, column, (cell_value(v) for v in dataset[column]))
            for column in self.unique_columns
            if column in names
        }

    def _repeats(self, dataset) -> dict[int, dict[str, list[str]]]:
        errors: dict[int, dict[str, list[str]]] = {}
        for column in (*self.unique_columns, "id"):  # within the file
            if column not in dataset.headers:
                continue
            first: dict[str, int] = {}
            for number, value in enumerate(dataset[column], 1):
                key = str(cell_value(value)).lower()
                if not key:
                    continue
                if key in first:
                    errors.setdefault(number, {})[column] = [
                        f"Row {first[key]} of this file has the same {column}; "
                        f"each {column} may appear once."
                    ]
                else:
                    first[key] = number
        return errors

    # The library's hooks -----------------------------------------------------------------

    def import_data(self, dataset, **kwargs):
        """One transaction for the whole file, rolled back when any row fails (also when a row
        fails only in the confirmed import, say because another clerk took an email since)."""
        if self.actor is None:  # the library builds resources without one to list columns
            raise TypeError("An import needs an actor: a user, or SYSTEM for trusted code.")
        kwargs.update(use_transactions=True, rollback_on_validation_errors=True)
        try:
            self.headers_check(dataset)
        except ImportFileError as exc:  # the file's error alone, not one per row as well
            result = self.get_result_class()()
            result.append_base_error(self.get_error_result_class()(exc))
            return result
        with history_reason(IMPORT_REASON):  # each row's history says where the change came from
            return super().import_data(dataset, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Validate the row with the API's serializer; the values wait on the instance for save."""
        new = instance._state.adding
        errors = dict(self._file_errors.get(kwargs.get("row_number"), {}))
        if new and self.row_id(row) is None and str(cell_value(row.get("id"))):
            errors["id"] = ["Not a record id (a whole number); leave it empty to create a record."]
        elif new and self.row_id(row) is not None:
            errors["id"] = [
                f"There is no {self._meta.model._meta.verbose_name} with id {self.row_id(row)}; "
                "leave id empty to create one."
            ]
        errors.update(self.check_row(instance, row, new))
        serializer = self._create_serializer if new else self._update_serializer
        fields = serializer.fields
        data = {}
        for column in self.writable_columns():
            if column not in row or column not in fields:
                continue
            value = cell_value(row[column])
            if value == "" and not isinstance(fields[column], serializers.CharField):
                continue  # a blank number, date or flag: not given (its default, or unchanged)
            data[column] = value
        try:
            instance._import_data = serializer.run_validation(data)
        except serializers.ValidationError as exc:
            errors.update(drf_errors(exc).message_dict)
        else:
            for column, message in self._conflicts(instance, instance._import_data).items():
                errors.setdefault(column, [message])
        if errors:
            raise ValidationError(errors)

    def _conflicts(self, instance, data: dict) -> dict[str, str]:
        """The unique values of the row that another record holds (asked for the whole file)."""
        taken = {}
        for column, message in self.unique_columns.items():
            value = data.get(column)
            holder = self._held.get(column, {}).get(str(value).lower()) if value else None
            if holder is not None and holder != instance.pk:
                taken[column] = message
        return taken

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)

    def do_instance_save(self, instance, is_create):
        try:
            checked = lambda: {}  # noqa: E731 -- import_instance asked (values_held)
            if is_create:
                created = self.create(instance._import_data, checked)
                instance.__dict__.update(
                    {k: v for k, v in created.__dict__.items() if k != "_state"}
                )
                instance._state.adding = False
            else:
                self.update(instance, instance._import_data, checked)
        except ApplicationError as exc:
            raise ValidationError(exc.message, code=exc.code) from exc

    def import_row(self, row, instance_loader, **kwargs):
        row_result = super().import_row(row, instance_loader, **kwargs)
        if self.progress is not None:
            self.progress()
        return row_result

    def export_field(self, field, instance, **kwargs):
        """Text that a spreadsheet shows as text: formulas escaped as in every CSV export."""
        value = super().export_field(field, instance, **kwargs)
        return csv_cell(value) if isinstance(value, str) else value


def result_errors(result) -> list[str]:
    """The file's and the rows' errors, one line each: `Row 3: email: …`."""
    lines = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        lines.extend(f"Row {number}: {error.error}" for error in errors)
    for invalid in result.invalid_rows:
        for field, texts in invalid.error_dict.items():
            name = "" if field == NON_FIELD_ERRORS else f"{field}: "
            lines.extend(f"Row {invalid.number}: {name}{text}" for text in texts)
    return lines


def lines_shown(lines: list[str], *, limit: int) -> list[str]:
    return lines if len(lines) <= limit else [*lines[:limit], f"… and {len(lines) - limit} more."]


ROWS_SHOWN = 1000  # rows without errors the admin's preview lists (every row with errors is shown)
LABELS = {
    RowResult.IMPORT_TYPE_NEW: ("new", "New"),
    RowResult.IMPORT_TYPE_UPDATE: ("changed", "Changed"),
    RowResult.IMPORT_TYPE_INVALID: ("error", "Error"),
    RowResult.IMPORT_TYPE_ERROR: ("error", "Error"),
}


def preview_rows(result) -> tuple[list[dict], int]:
    """Each row of the dry run as the admin shows it: new / changed / error, its messages and cells.

    Returns the rows shown and how many rows without errors were left out (beyond ROWS_SHOWN)."""
    invalid = {row.number: row for row in result.invalid_rows}
    shown, hidden = [], 0
    for number, row in enumerate(result.rows, 1):
        kind, label = LABELS.get(row.import_type, ("skip", row.import_type))
        messages_ = []
        cells = row.diff or []
        if number in invalid:
            bad = invalid[number]
            messages_ = [
                text if field == NON_FIELD_ERRORS else f"{field}: {text}"
                for field, texts in bad.error_dict.items()
                for text in texts
            ]
            cells = bad.values
        messages_ += [str(error.error) for error in row.errors]
        if kind != "error" and len(shown) >= ROWS_SHOWN:
            hidden += 1
            continue
        shown.append(
            {"number": number, "kind": kind, "label": label, "messages": messages_, "cells": cells}
        )
    return shown, hidden


def result_totals(result) -> str:
    totals = result.totals
    return (
        f"{totals[RowResult.IMPORT_TYPE_NEW]} new, {totals[RowResult.IMPORT_TYPE_UPDATE]} changed"
    )


# --- the admin -----------------------------------------------------------------------------


class BoundedImportForm(ImportForm):
    """The upload, refused above IMPORT_MAX_BYTES before anything reads it."""

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                f"The file is {_megabytes(upload.size)}; the limit is "
                f"{_megabytes(settings.IMPORT_MAX_BYTES)}. Split it into smaller files."
            )
        return upload


class ServiceImportExportMixin(ImportExportMixin):
    """Import (CSV, XLSX) and export from a change list, through the app's `ServiceResource`.

    Importing needs the model's add and change permissions (rows may create or change records),
    exporting its view permission. The import's user is the request's.
    """

    import_form_class = BoundedImportForm
    import_template_name = "admin/import_export/service_import.html"

    def get_import_formats(self):
        return [CSV, XLSX]

    def get_export_formats(self):
        return [base_formats.CSV, base_formats.XLSX]

    def _perm(self, request, action: str) -> bool:
        opts = self.model._meta
        return request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")

    def has_import_permission(self, request):
        return self._perm(request, "add") and self._perm(request, "change")

    def has_export_permission(self, request):
        return self._perm(request, "view")

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None)
        if context is not None:
            context["import_limits"] = (
                f"{_megabytes(settings.IMPORT_MAX_BYTES)} and "
                f"{settings.IMPORT_MAX_ROWS:,} rows, CSV (UTF-8) or XLSX"
            )
            result = context.get("result")
            if result is not None:
                rows, hidden = preview_rows(result)
                context.update(
                    import_rows=rows,
                    import_rows_hidden=hidden,
                    import_error_rows=sum(row["kind"] == "error" for row in rows),
                    import_totals=result_totals(result)
                    + f", {len(result.invalid_rows) + len(result.row_errors())} with errors",
                )
        return response

    def add_data_read_fail_error_to_form(self, form, e):
        if isinstance(e, ImportFileError):
            form.add_error("import_file", str(e))
        else:
            super().add_data_read_fail_error_to_form(form, e)

    def process_result(self, result, request):
        """After the confirmed import: the totals, or (a row that failed only now) every error
        with nothing imported."""
        if result.has_errors() or result.has_validation_errors():
            self.message_user(
                request,
                "Nothing was imported: " + "; ".join(lines_shown(result_errors(result), limit=20)),
                messages.ERROR,
            )
            opts = self.model._meta
            return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_import"))
        return super().process_result(result, request)

    def generate_log_entries(self, result, request):
        """Each imported row in the admin's history of its record (one insert per kind of row)."""
        for import_type, flag, text in (
            (RowResult.IMPORT_TYPE_NEW, ADDITION, "Added by a spreadsheet import."),
            (RowResult.IMPORT_TYPE_UPDATE, CHANGE, "Changed by a spreadsheet import."),
        ):
            rows = [row.instance for row in result if row.import_type == import_type]
            if rows:
                LogEntry.objects.log_actions(
                    request.user.pk, rows, flag, change_message=text, single_object=len(rows) == 1
                )

    def add_success_message(self, result, request):
        self.message_user(
            request,
            f"Imported {result_totals(result)} {self.model._meta.verbose_name_plural}.",
            messages.SUCCESS,
        )
