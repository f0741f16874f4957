"""Spreadsheet import in a real browser (SPEC §17): a CSV with one bad row is refused whole, the
fixed file imports, and the new rows have their history page."""

import re

from customers.models import Customer
from e2e.conftest import LIVE_DB
from e2e.test_browser import browser, page, shoot, sign_in  # noqa: F401  (fixtures)

pytestmark = [LIVE_DB]
CELLS = ("row", "type", "messages")  # the preview's first three columns

BAD = "name,email,phone\nE2E Ada,ada@e2e.example,+44 1\nE2E Bo,not-an-email,\nE2E Cy,cy@e2e.example,\n"


def upload(tab, live_server, tmp_path, content: str) -> None:
    """From the customers list: Import, choose the file, submit (the dry run)."""
    path = tmp_path / "customers.csv"
    path.write_text(content)
    tab.goto(f"{live_server.url}/admin/customers/customer/")
    tab.click("a.import_link")
    tab.wait_for_url(re.compile(r".*/admin/customers/customer/import/$"))
    tab.set_input_files("#id_import_file", str(path))
    tab.select_option("#id_format", label="csv")
    tab.click("input[type=submit]")


def test_import_a_csv_with_a_bad_row_then_fixed(page, live_server, tmp_path):  # noqa: F811
    sign_in(page, live_server)

    # The dry run: the bad row's error is shown, with no button to confirm; nothing was written.
    upload(page, live_server, tmp_path, BAD)
    page.wait_for_selector("table.import-preview")
    rows = page.locator("table.import-preview tbody tr")
    assert [
        [rows.nth(i).locator(f"td.import-{cell}").inner_text().strip() for cell in CELLS]
        for i in range(rows.count())
    ] == [
        ["1", "New", ""],
        ["2", "Error", "email: Enter a valid email address."],
        ["3", "New", ""],
    ]
    assert page.locator("input[type=submit][value='Confirm import']").count() == 0
    shoot(page, "30-import-bad-row")
    assert not Customer.objects.filter(name__startswith="E2E").exists()

    # Fixed: the preview shows three new rows; confirming imports them.
    upload(page, live_server, tmp_path, BAD.replace("not-an-email", "bo@e2e.example"))
    page.wait_for_selector("table.import-preview")
    kinds = page.locator("table.import-preview td.import-type").all_inner_texts()
    assert [k.strip() for k in kinds] == ["New", "New", "New"]
    shoot(page, "31-import-preview")
    page.click("input[type=submit][value='Confirm import']")
    page.wait_for_selector(".messagelist .success")
    assert "Imported 3 new, 0 changed customers." in page.locator(".messagelist").inner_text()
    assert sorted(Customer.objects.filter(name__startswith="E2E").values_list("name", "email")) == [
        ("E2E Ada", "ada@e2e.example"),
        ("E2E Bo", "bo@e2e.example"),
        ("E2E Cy", "cy@e2e.example"),
    ]

    # The rows are in the list, and each has its history page.
    page.goto(f"{live_server.url}/admin/customers/customer/?q=E2E")
    assert page.locator("#result_list tbody tr").count() == 3
    bo = Customer.objects.get(name="E2E Bo")
    page.goto(f"{live_server.url}/admin/customers/customer/{bo.pk}/history/")
    assert page.locator("#change-history").count() == 1
    entry = page.locator("#change-history tbody tr").inner_text()
    assert "Created" in entry and "Spreadsheet import" in entry and "e2e-admin" in entry
    shoot(page, "32-imported-row-history")
