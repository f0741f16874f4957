"""`manage.py import_records <model> <file> [--dry-run] [--user]`: the admin's import from a shell."""

import pytest
from django.core.management import CommandError, call_command

from customers.models import Customer
from customers.tests.factories import customer_rows, make_customer
from products.models import Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def csv_file(tmp_path):
    def write(content: bytes, name="rows.csv"):
        path = tmp_path / name
        path.write_bytes(content)
        return str(path)

    return write


def test_command_imports_a_file(csv_file, capsys):
    call_command("import_records", "customers", csv_file(b"name,email\nAda,ada@example.com\n"))
    assert list(Customer.objects.values_list("name", "email")) == [("Ada", "ada@example.com")]
    assert "rows.csv: imported 1 new, 0 changed customers." in capsys.readouterr().out


def test_command_dry_run_writes_nothing(csv_file, capsys):
    call_command(
        "import_records", "customers", csv_file(b"name,email\nAda,ada@example.com\n"), "--dry-run"
    )
    assert Customer.objects.count() == 0
    assert "would import 1 new, 0 changed customers" in capsys.readouterr().out


def test_command_bad_row_fails_with_every_row_error_and_writes_nothing(csv_file, capsys):
    make_customer(email="taken@example.com")
    before = customer_rows()
    path = csv_file(b"name,email\nA,ok@example.com\nB,TAKEN@example.com\nC,nope\n")
    with pytest.raises(CommandError, match=r"nothing was imported \(2 errors\)"):
        call_command("import_records", "customers", path)
    assert [line for line in capsys.readouterr().err.splitlines() if line.startswith("Row")] == [
        "Row 2: email: A customer with this email already exists.",
        "Row 3: email: Enter a valid email address.",
    ]
    assert customer_rows() == before


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The file is empty."),
        (b"\x00\x01binary", "data.csv", "is not a CSV text file"),
        (b"not a zip", "book.xlsx", "is not an XLSX workbook"),
        (b"name,email\nA,a@example.com\n", "rows.txt", "say --format csv or --format xlsx"),
    ],
)
def test_command_refuses_files_it_cannot_read(csv_file, content, name, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_records", "customers", csv_file(content, name))
    assert Customer.objects.count() == 0


def test_command_refuses_a_10_mb_file(csv_file):
    row = b"Somebody,somebody@example.com\n"
    path = csv_file(b"name,email\n" + row * (10_000_000 // len(row)))
    with pytest.raises(CommandError, match=r"larger than 5\.0 MiB, the limit \(50,000 rows\)"):
        call_command("import_records", "customers", path)
    assert Customer.objects.count() == 0


def test_command_records_the_given_user_as_the_author(csv_file, admin_account):
    path = csv_file(b"name,price,initial_stock\nBolt,1.00,7\n")
    call_command("import_records", "products", path, "--user", admin_account.username)
    product = Product.objects.get(name="Bolt")
    assert product.movements.get().created_by == admin_account
    entry = product.history.get()  # the change history names them too, and the import
    assert (entry.history_type, entry.history_user, entry.history_change_reason) == (
        "+",
        admin_account,
        "Spreadsheet import",
    )


def test_command_without_a_user_acts_as_the_system(csv_file):
    call_command("import_records", "products", csv_file(b"name,price,initial_stock\nBolt,1,7\n"))
    product = Product.objects.get(name="Bolt")
    assert product.movements.get().created_by is None
    assert product.history.get().history_user is None


def test_command_refuses_an_unknown_user(csv_file):
    with pytest.raises(CommandError, match="No active user named 'ghost'"):
        call_command(
            "import_records", "customers", csv_file(b"name,email\nA,a@x.com\n"), "--user", "ghost"
        )
    assert Customer.objects.count() == 0


def test_command_exit_status_is_non_zero_on_a_bad_file(csv_file, capsys, monkeypatch):
    from django.core.management import execute_from_command_line

    # The command line closes the connections when done: the test database must stay open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    path = csv_file(b"name,email\nA,nope\n")
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "import_records", "customers", path])
    assert exit_.value.code == 1
    assert "Row 1: email: Enter a valid email address." in capsys.readouterr().err
    assert Customer.objects.count() == 0
