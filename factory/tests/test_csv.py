"""CSV downloads (admin "Export selected rows as CSV" and the reports' `?format=csv`): quoted, formula-safe,
headed as the change list, timestamps as ISO 8601 to the second (SPEC §9, §12)."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import format_html

from customers.tests.factories import make_customer
from factory.csvcells import csv_cell
from orders.models import Order
from orders.services import order_place
from products.tests.factories import make_product


@pytest.mark.parametrize(
    "value, cell",
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("  =1", "  '=1"),
        ("\tplain", "'\tplain"),
        ('Acme;=HYPERLINK("x")', 'Acme;\'=HYPERLINK("x")'),
        ("a\t+b", "a\t'+b"),
        ("a, -b", "a, '-b"),
        ("a|@b", "a|'@b"),
        ("line\n=2", "line\n'=2"),
        ("Gear 3-4 mm, e-mail a@b", "Gear 3-4 mm, e-mail a@b"),  # triggers inside words stay
        (-5, "-5"),
        (Decimal("-12.50"), "-12.50"),
        (True, "True"),
        (None, ""),
        (datetime.date(2026, 1, 2), "2026-01-02"),
        (
            datetime.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=datetime.UTC),
            "2026-01-02T03:04:05+00:00",
        ),
        (format_html('<a href="/x">{}</a>', "order:4 & co"), "order:4 & co"),
    ],
)
def test_csv_cell_neutralises_formulas_and_keeps_numbers_and_dates(value, cell):
    assert csv_cell(value) == cell


def change_list_headers(page: str) -> list[str]:
    heads = re.findall(r'<th scope="col"[^>]*>.*?<div class="text">(.*?)</div>', page, re.S)
    texts = [re.sub(r"<[^>]+>", "", head).strip() for head in heads]
    return [text for text in texts if text]  # the select-all checkbox column has no text


@pytest.mark.django_db
def test_admin_order_export_is_headed_as_the_list_with_iso_timestamps(client, admin_account):
    client.force_login(admin_account)
    customer = make_customer(name='Acme;=HYPERLINK("http://x")')
    order = order_place(customer=customer, items=[(make_product(stock=3), 2)], user=admin_account)
    url = reverse("admin:orders_order_changelist")
    response = client.post(url, {"action": "export_as_csv", "_selected_action": [order.pk]})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == change_list_headers(client.get(url).content.decode())
    values = dict(zip(header, row, strict=True))
    created = Order.objects.get().created_at.replace(microsecond=0)
    assert values["Created at"] == created.isoformat() and "." not in values["Created at"]
    assert ";'=HYPERLINK" in values["Customer"]


@pytest.mark.django_db
def test_report_csv_quotes_every_cell_and_escapes_after_separators(user_api, admin_account):
    customer = make_customer(name="Acme;=1+1\t@x")
    order_place(customer=customer, items=[(make_product(stock=3), 1)], user=admin_account)
    response = user_api.get("/api/reports/customer-lifetime-value/?format=csv")
    assert response.status_code == 200
    text = response.content.decode()
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())
    rows = list(csv.reader(io.StringIO(text)))
    assert "Acme;'=1+1\t'@x" in rows[1]
    # Split as a semicolon locale would, ignoring the quotes: no part starts a formula.
    assert not any(part.strip('"')[:1] in "=+-@" for part in re.split(r"[;,\t]", text) if part)
