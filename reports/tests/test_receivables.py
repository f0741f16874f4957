"""SPEC §16's `receivables` report: unpaid invoices, most overdue first, cached but never stale."""

import csv
import datetime
import io

import pytest
from django.test import override_settings

from customers.tests.factories import make_customer
from orders.invoicing import invoice_issue, invoice_mark_paid, utc_today
from orders.models import Invoice
from orders.services import order_place
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/reports/receivables/"


@pytest.fixture
def invoices(admin_account):
    """Five invoices: due 10 and 3 days ago, due today, due in 5 days, and one paid."""
    product = make_product(stock=100)
    today = utc_today()
    made = {}
    for label, due_in in [("late10", -10), ("late3", -3), ("today", 0), ("soon", 5), ("paid", -20)]:
        customer = make_customer(name=f"Customer {label}")
        order = order_place(customer=customer, items=[(product, 2)], user=admin_account)
        invoice = invoice_issue(order=order, user=admin_account)
        due = today + datetime.timedelta(days=due_in)
        Invoice.objects.filter(pk=invoice.pk).update(
            issued_on=due - datetime.timedelta(days=30), due_on=due
        )
        invoice.refresh_from_db()
        made[label] = invoice
    invoice_mark_paid(invoice=made["paid"])
    return made


def row(invoice, days_overdue):
    return {
        "invoice_id": invoice.pk,
        "number": invoice.number,
        "customer_id": invoice.customer_id,
        "customer_name": invoice.customer_name,
        "total": str(invoice.total),
        "due_on": invoice.due_on.isoformat(),
        "days_overdue": days_overdue,
    }


def test_receivables_lists_unpaid_invoices_most_overdue_first(user_api, invoices):
    response = user_api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 4
    # Not yet due (0 days) ties break by invoice id.
    assert body["results"] == [
        row(invoices["late10"], 10),
        row(invoices["late3"], 3),
        row(invoices["today"], 0),
        row(invoices["soon"], 0),
    ]


def test_receivables_paginates_and_downloads_csv(user_api, invoices):
    page = user_api.get(f"{URL}?page_size=2&page=2").json()
    assert [r["invoice_id"] for r in page["results"]] == [
        invoices["today"].pk,
        invoices["soon"].pk,
    ]
    response = user_api.get(f"{URL}?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["number"] for r in rows] == [
        invoices[k].number for k in ("late10", "late3", "today", "soon")
    ]
    assert rows[0]["days_overdue"] == "10"


def test_receivables_page_is_one_query(user_api, invoices, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # sign-in (2) and the page with its count
        assert user_api.get(f"{URL}?page_size=100").status_code == 200


@override_settings(REPORT_CACHE_SECONDS=300)
def test_cached_receivables_are_fresh_after_issue_and_payment(
    user_api, admin_account, invoices, django_capture_on_commit_callbacks
):
    first = user_api.get(URL).json()
    assert user_api.get(URL).json() == first

    with django_capture_on_commit_callbacks(execute=True):
        invoice_mark_paid(invoice=invoices["late3"])
    after_payment = user_api.get(URL).json()
    assert invoices["late3"].pk not in {r["invoice_id"] for r in after_payment["results"]}

    order = order_place(
        customer=make_customer(), items=[(make_product(stock=1), 1)], user=admin_account
    )
    with django_capture_on_commit_callbacks(execute=True):
        issued = invoice_issue(order=order, user=admin_account)
    assert issued.pk in {r["invoice_id"] for r in user_api.get(URL).json()["results"]}


@override_settings(REPORT_CACHE_SECONDS=300)
def test_cached_receivables_count_days_from_the_day_they_are_read(user_api, invoices, monkeypatch):
    assert user_api.get(URL).json()["results"][0]["days_overdue"] == 10
    tomorrow = utc_today() + datetime.timedelta(days=1)
    monkeypatch.setattr("reports.views.utc_today", lambda: tomorrow)
    results = user_api.get(URL).json()["results"]
    assert results[0]["days_overdue"] == 11
    assert {r["invoice_id"]: r["days_overdue"] for r in results}[invoices["today"].pk] == 1
