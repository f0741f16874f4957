"""Spreadsheet import and export in the admin (SPEC §17), shown on customers, employees and suppliers.

The import's dry run shows each row new / changed / error; confirming imports the whole file in one
transaction through the API's serializer and the services; any bad row imports nothing.
Products' stock columns: products/tests/test_import.py; the command: test_import_command.py.
"""

import io

import openpyxl
import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from import_export.results import RowResult

from accounts.models import Role
from accounts.roles import USER
from conftest import make_user
from customers.models import EMAIL_TAKEN, Customer
from customers.tests.factories import customer_rows, make_customer
from employees.models import Employee
from employees.tests.factories import employee_rows, make_employee
from factory.csvcells import csv_cell, csv_cell_unescape
from products.models import Product
from purchasing.models import Supplier
from purchasing.tests.factories import make_supplier

pytestmark = pytest.mark.django_db
CSV, XLSX = "0", "1"  # the import form's format choices, in get_import_formats() order


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def upload(client, model: str, content: bytes, *, name="file.csv", fmt=CSV):
    """Step one: the dry run. Returns the response (context: result, confirm_form, form)."""
    return client.post(
        reverse(f"admin:{model}_import"),
        {"resource": "0", "format": fmt, "import_file": SimpleUploadedFile(name, content)},
    )


def confirm(client, model: str, response):
    """Step two: the confirmed import of the file the dry run checked."""
    data = response.context["confirm_form"].initial
    return client.post(reverse(f"admin:{model}_process_import"), data)


def types(response) -> list[str]:
    return [row.import_type for row in response.context["result"].rows]


def errors_of(response) -> list[str]:
    """The messages the preview shows: the file's, or each invalid row's."""
    form = response.context["form"]
    if form.errors:
        return [str(e) for e in form.errors.get("import_file", [])]
    result = response.context["result"]
    lines = [str(e.error) for e in result.base_errors]
    for row in result.invalid_rows:
        lines.extend(f"{row.number} {k}: {m}" for k, ms in row.error_dict.items() for m in ms)
    return lines


CUSTOMERS = b"name,email,phone,address\nAda,ada@example.com,+44 1,1 Road\nBo,bo@example.com,,\n"


def test_import_dry_run_previews_new_rows_and_writes_nothing(staff):
    response = upload(staff, "customers_customer", CUSTOMERS)
    assert response.status_code == 200
    assert types(response) == [RowResult.IMPORT_TYPE_NEW] * 2
    assert response.context["confirm_form"] is not None
    assert Customer.objects.count() == 0


def test_import_confirm_creates_every_row_through_the_service(staff, admin_account):
    response = confirm(staff, "customers_customer", upload(staff, "customers_customer", CUSTOMERS))
    assert response.status_code == 302
    assert sorted(Customer.objects.values_list("name", "email", "phone")) == [
        ("Ada", "ada@example.com", "+44 1"),
        ("Bo", "bo@example.com", ""),
    ]
    # The admin's own history of each new row: "Added", by the importing user.
    ada = Customer.objects.get(name="Ada")
    entry = LogEntry.objects.get(object_id=str(ada.pk))
    assert entry.user == admin_account and entry.is_addition()
    assert entry.get_change_message() == "Added by a spreadsheet import."


def test_import_rows_with_an_id_change_that_record(staff):
    ada = make_customer(name="Ada", email="ada@example.com", phone="1")
    content = f"id,phone\n{ada.pk},+44 999\n".encode()
    response = upload(staff, "customers_customer", content)
    assert types(response) == [RowResult.IMPORT_TYPE_UPDATE]
    confirm(staff, "customers_customer", response)
    ada.refresh_from_db()
    assert (ada.name, ada.email, ada.phone) == ("Ada", "ada@example.com", "+44 999")


def test_import_with_one_bad_row_shows_its_error_and_imports_nothing(staff):
    content = CUSTOMERS + b"Cy,not-an-email,,\n"
    response = upload(staff, "customers_customer", content)
    assert response.context.get("confirm_form") is None
    assert errors_of(response) == ["3 email: Enter a valid email address."]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("taken", ["ada@example.com", "ADA@Example.COM"])
def test_import_refuses_an_email_another_customer_has_in_any_case(staff, taken):
    make_customer(email="ada@example.com")
    before = customer_rows()
    response = upload(staff, "customers_customer", f"name,email\nNew,{taken}\n".encode())
    assert errors_of(response) == [f"1 email: {EMAIL_TAKEN}"]
    assert customer_rows() == before


def test_import_refuses_an_email_twice_in_the_file_in_any_case(staff):
    content = b"name,email\nA,dup@example.com\nB,other@example.com\nC,DUP@example.com\n"
    response = upload(staff, "customers_customer", content)
    assert errors_of(response) == [
        "3 email: Row 1 of this file has the same email; each email may appear once."
    ]
    assert Customer.objects.count() == 0


def test_import_refuses_an_unknown_id(staff):
    response = upload(staff, "customers_customer", b"id,name,email\n999,A,a@example.com\n")
    assert errors_of(response) == [
        "1 id: There is no customer with id 999; leave id empty to create one."
    ]


def test_import_headers_in_any_case_and_spacing(staff):
    response = upload(staff, "customers_customer", b" Name ,EMAIL\nA,a@example.com\n")
    assert types(response) == [RowResult.IMPORT_TYPE_NEW]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"name,e-mail\nA,a@example.com\n",
            "Unknown column: e-mail. The columns are: id, name, email, phone, address, "
            "created_at (the first row names them).",
        ),
        (b"name,email,name\nA,a@example.com,B\n", "Repeated columns: name."),
        (b"id,created_at\n1,2020-01-01\n", "No column to import; the columns are:"),
    ],
)
def test_import_refuses_wrong_headers(staff, content, message):
    response = upload(staff, "customers_customer", content)
    assert response.context.get("confirm_form") is None
    [error] = errors_of(response)
    assert error.startswith(message)
    assert Customer.objects.count() == 0


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "fmt", "content", "message"),
    [
        ("empty.csv", CSV, b"", "The submitted file is empty."),  # Django's own FileField
        ("blank.csv", CSV, b"\n \n", "The file is empty."),
        ("header.csv", CSV, b"name,email\n", "The file has a header row but no data rows."),
        ("photo.csv", CSV, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a CSV text"),
        ("latin.csv", CSV, "name,email\nJosé,j@example.com\n".encode("latin-1"), "not UTF-8"),
        ("ragged.csv", CSV, b"name,email\nA,a@example.com,extra\n", "Row 1 has 3 cells"),
        ("book.xlsx", XLSX, b"name,email\nA,a@example.com\n", "The file is not an XLSX workbook"),
        ("broken.xlsx", XLSX, b"PK\x03\x04" + b"\x00" * 40, "The file is not an XLSX workbook"),
    ],
)
def test_import_refuses_files_it_cannot_read(staff, name, fmt, content, message):
    response = upload(staff, "customers_customer", content, name=name, fmt=fmt)
    assert response.status_code == 200
    [error] = errors_of(response)
    assert message in error
    assert Customer.objects.count() == 0


def test_import_refuses_a_10_mb_file(staff):
    row = b"Somebody,somebody@example.com,+1 555 0100,1 Long Road\n"
    content = b"name,email,phone,address\n" + row * (10_000_000 // len(row))
    response = upload(staff, "customers_customer", content)
    assert response.status_code == 200
    [error] = errors_of(response)
    # The upload form knows the size; the reader (the command's too) refuses the same.
    assert error.startswith("The file is 9.5 MiB; the limit is 5.0 MiB.")
    from factory.imports import ImportFileError, dataset_read

    with pytest.raises(ImportFileError, match=r"larger than 5\.0 MiB, the limit"):
        dataset_read(content, kind="csv")
    assert Customer.objects.count() == 0


@override_settings(IMPORT_MAX_ROWS=2)
def test_import_refuses_more_rows_than_the_limit(staff):
    response = upload(staff, "customers_customer", CUSTOMERS + b"Cy,cy@example.com,,\n")
    assert errors_of(response) == ["The file has more than 2 rows; split it into smaller files."]


def test_import_xlsx_with_typed_cells(staff):
    import datetime

    content = _workbook(
        [
            ["name", "email", "hired_on", "is_active"],
            ["Grace", "grace@example.com", datetime.datetime(2024, 3, 1), True],
            ["Alan", None, datetime.date(2023, 1, 2), False],
        ]
    )
    response = upload(staff, "employees_employee", content, name="staff.xlsx", fmt=XLSX)
    assert types(response) == [RowResult.IMPORT_TYPE_NEW] * 2
    confirm(staff, "employees_employee", response)
    assert sorted(Employee.objects.values_list("name", "email", "hired_on", "is_active")) == [
        ("Alan", None, datetime.date(2023, 1, 2), False),
        ("Grace", "grace@example.com", datetime.date(2024, 3, 1), True),
    ]


def test_import_employee_email_taken_in_any_case(staff):
    make_employee(email="grace@example.com")
    before = employee_rows()
    response = upload(
        staff, "employees_employee", b"name,email\nG,Grace@Example.com\n,x@example.com\n"
    )
    assert errors_of(response) == [
        "1 email: An employee with this email already exists.",
        "2 name: This field may not be blank.",
    ]
    assert employee_rows() == before


def test_import_supplier_name_taken_in_any_case(staff):
    make_supplier(name="Northwind Metals")
    response = upload(staff, "purchasing_supplier", b"name,lead_time_days\nNORTHWIND metals,3\n")
    assert errors_of(response) == ["1 name: A supplier with this name already exists."]
    response = upload(staff, "purchasing_supplier", b"name,lead_time_days\nSouthwind,-1\n")
    assert errors_of(response) == [
        "1 lead_time_days: Ensure this value is greater than or equal to 0."
    ]
    assert Supplier.objects.count() == 1


def test_confirm_that_fails_on_a_row_imports_nothing(staff):
    """A row valid in the dry run that is not any more (another clerk took its email since)."""
    response = upload(staff, "customers_customer", CUSTOMERS)
    make_customer(email="BO@example.com")
    before = customer_rows()
    response = confirm(staff, "customers_customer", response)
    assert response.status_code == 302
    assert customer_rows() == before
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [f"Nothing was imported: Row 2: email: {EMAIL_TAKEN}"]


@pytest.mark.parametrize("model", [Customer, Employee, Product, Supplier])
def test_import_needs_add_and_change_export_needs_view(rf, admin_account, model):
    """The admin's doors (only admin-role users reach /admin/, so a custom role is checked here)."""
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = make_user(f"clerk-{model._meta.model_name}", USER)  # view + add, no change
    assert not model_admin.has_import_permission(request)
    assert model_admin.has_export_permission(request)
    request.user = admin_account
    assert model_admin.has_import_permission(request)
    role = Role.objects.create(name=f"reader-{model._meta.model_name}")
    request.user = make_user(f"reader-{model._meta.model_name}", role.name)
    assert not model_admin.has_export_permission(request)


def _export(client, model: str, fmt: str) -> bytes:
    response = client.post(
        reverse(f"admin:{model}_export"),
        {"format": fmt, "resource": "0", **_all_fields(client, model)},
    )
    assert response.status_code == 200, response.content[:500]
    return response.content


def _all_fields(client, model):
    form = client.get(reverse(f"admin:{model}_export")).context["form"]
    return {
        name: "on" for name in form.fields if name not in ("format", "resource", "export_items")
    }


def test_export_csv_escapes_formulas_and_imports_back(staff):
    evil = make_customer(name='=HYPERLINK("http://x")', email="evil@example.com", phone="+44 1")
    content = _export(staff, "customers_customer", CSV)
    text = content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+44 1" in text
    # The exported file, edited and imported again, changes the row it names.
    edited = text.replace("evil@example.com", "good@example.com").encode()
    response = upload(staff, "customers_customer", edited)
    assert types(response) == [RowResult.IMPORT_TYPE_UPDATE]
    confirm(staff, "customers_customer", response)
    evil.refresh_from_db()
    assert (evil.name, evil.email, evil.phone) == (
        '=HYPERLINK("http://x")',
        "good@example.com",
        "+44 1",
    )


def test_export_xlsx_holds_no_formula(staff):
    make_customer(name="@SUM(A1)", email="sum@example.com", address="-1+2")
    book = openpyxl.load_workbook(io.BytesIO(_export(staff, "customers_customer", XLSX)))
    values = [cell.value for row in book.active.iter_rows() for cell in row]
    assert "'@SUM(A1)" in values and "'-1+2" in values
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


@pytest.mark.parametrize(
    "text", ["=1+1", "+44 20", "-5 apples", "@cmd", "\tx", "\rx", "a,=b", "plain", "it's"]
)
def test_csv_cell_unescape_undoes_csv_cell(text):
    assert csv_cell_unescape(csv_cell(text)) == text


def _selects(content: bytes) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import SYSTEM
    from customers.resources import CustomerResource
    from factory.imports import CSV as CSVFormat

    with CaptureQueriesContext(connection) as queries:
        result = CustomerResource(actor=SYSTEM).import_data(
            CSVFormat().create_dataset(content), dry_run=True
        )
    assert not result.has_validation_errors() and not result.has_errors()
    return sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries.captured_queries)


def test_import_asks_the_database_a_constant_number_of_selects_whatever_the_rows():
    """Records by id and the emails in use: one query per 1,000 values, not one per row.

    The one SELECT a changed row costs is its history: a partial save records the row as
    stored (factory/history.py), read back once.
    """
    existing = [make_customer() for _ in range(30)]

    def rows(changed, new):
        updates = "".join(f"{c.pk},{c.name} v2,{c.email}\n" for c in existing[:changed])
        news = "".join(f",New {i},new{i}@example.com\n" for i in range(new))
        return f"id,name,email\n{updates}{news}".encode()

    assert _selects(rows(0, 3)) == _selects(rows(0, 30))
    assert _selects(rows(30, 3)) - _selects(rows(3, 3)) == 27


@pytest.mark.parametrize(
    "model", ["customers_customer", "employees_employee", "products_product", "purchasing_supplier"]
)
def test_change_lists_offer_import_and_export(staff, model):
    page = staff.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert reverse(f"admin:{model}_import") in page and reverse(f"admin:{model}_export") in page
    if model == "products_product":  # its own change list template keeps its reorder link
        assert "Create purchase orders (reorder)" in page


@pytest.mark.parametrize("fmt", [CSV, XLSX])
def test_products_export_imports_back_unchanged(staff, fmt):
    """An exported product file (stock, supplier and all) imports back as changes, stock untouched."""
    from products.tests.factories import make_product

    supplier = make_supplier(name="Acme")
    make_product(name="Gear", stock=7, default_supplier=supplier)
    make_product(name="-Spacer", sku=None, stock=0)
    before = list(Product.objects.order_by("id").values_list("name", "sku", "price", "stock"))
    content = _export(staff, "products_product", fmt)
    name = "products.xlsx" if fmt == XLSX else "products.csv"
    response = upload(staff, "products_product", content, name=name, fmt=fmt)
    assert errors_of(response) == []
    assert types(response) == [RowResult.IMPORT_TYPE_UPDATE] * 2
    confirm(staff, "products_product", response)
    after = list(Product.objects.order_by("id").values_list("name", "sku", "price", "stock"))
    assert after == before
    assert Product.objects.get(name="Gear").default_supplier == supplier
