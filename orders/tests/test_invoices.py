"""SPEC §16: invoices issued from orders, numbered without gaps, paid once, printed as PDF."""

import datetime
import io
from decimal import Decimal

import pytest
from django.db import transaction
from pypdf import PdfReader

from customers.tests.factories import make_customer
from orders.invoicing import invoice_issue, invoice_mark_paid, utc_today
from orders.models import Invoice, InvoiceCounter, InvoiceLine, Order
from orders.services import order_place
from products.models import Product, StockMovement
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
INVOICES = "/api/invoices/"


def invoices_state():
    """Everything invoicing could write: asserted unchanged after a refused request."""
    return (
        sorted(Invoice.objects.values_list("pk", "number", "status", "paid_on")),
        InvoiceLine.objects.count(),
        sorted(InvoiceCounter.objects.values_list("year", "last")),
        sorted(Order.objects.values_list("pk", "status")),
        sorted(Product.objects.values_list("pk", "stock")),
        StockMovement.objects.count(),
    )


@pytest.fixture
def order(user_account):
    customer = make_customer(
        name="Ada Lovelace", email="ada@example.com", address="12 Analytical Row\nLondon"
    )
    gear = make_product(name="Gear", sku="G-1", price=Decimal("12.50"), stock=10)
    bolt = make_product(name="Bolt", sku="", price=Decimal("0.99"), stock=10)
    return order_place(customer=customer, items=[(gear, 3), (bolt, 5)], user=user_account)


def issue(api, order):
    return api.post(f"/api/orders/{order.pk}/invoice/")


def test_invoice_issue_returns_the_snapshot(user_api, order):
    response = issue(user_api, order)
    assert response.status_code == 201, response.content
    body = response.json()
    today = utc_today()
    invoice = Invoice.objects.get()
    assert body == {
        "id": invoice.pk,
        "number": f"INV-{today.year}-000001",
        "order": order.pk,
        "customer": {
            "id": order.customer_id,
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "address": "12 Analytical Row\nLondon",
        },
        "issued_on": today.isoformat(),
        "due_on": (today + datetime.timedelta(days=30)).isoformat(),
        "lines": [
            {
                "description": "Gear (G-1)",
                "quantity": 3,
                "unit_price": "12.50",
                "line_total": "37.50",
            },
            {"description": "Bolt", "quantity": 5, "unit_price": "0.99", "line_total": "4.95"},
        ],
        "subtotal": "42.45",
        "tax_rate": "0.09",
        "tax": "3.82",
        "total": "46.27",
        "status": "unpaid",
        "paid_on": None,
    }
    order_body = user_api.get(f"/api/orders/{order.pk}/").json()
    assert order_body["invoice"] == {"id": invoice.pk, "number": body["number"], "status": "unpaid"}
    assert user_api.get(f"{INVOICES}{invoice.pk}/").json() == body


def test_invoice_is_a_snapshot_later_edits_change_nothing(admin_api, user_api, order):
    body = issue(user_api, order).json()
    product = order.items.first().product
    assert (
        admin_api.patch(
            f"/api/products/{product.pk}/", {"name": "Cog", "price": "99.00"}
        ).status_code
        == 200
    )
    assert (
        admin_api.patch(
            f"/api/customers/{order.customer_id}/", {"name": "Ada King", "address": "Elsewhere"}
        ).status_code
        == 200
    )
    assert user_api.get(f"{INVOICES}{body['id']}/").json() == body


def test_invoice_due_days_come_from_the_setting(settings, user_api, order):
    settings.INVOICE_DUE_DAYS = 14
    body = issue(user_api, order).json()
    assert body["due_on"] == (utc_today() + datetime.timedelta(days=14)).isoformat()


def test_invoice_numbers_are_consecutive_per_year(user_api, user_account):
    customer, product = make_customer(), make_product(stock=100)
    year = utc_today().year
    InvoiceCounter.objects.create(year=year - 1, last=41)  # last year's numbers are not this year's
    numbers = [
        issue(
            user_api, order_place(customer=customer, items=[(product, 1)], user=user_account)
        ).json()["number"]
        for _ in range(3)
    ]
    assert numbers == [f"INV-{year}-{n:06d}" for n in (1, 2, 3)]
    assert InvoiceCounter.objects.get(year=year - 1).last == 41


def test_invoice_rolled_back_issue_leaves_no_gap(user_account):
    customer, product = make_customer(), make_product(stock=100)
    orders = [
        order_place(customer=customer, items=[(product, 1)], user=user_account) for _ in range(3)
    ]
    invoice_issue(order=orders[0], user=user_account)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(order=orders[1], user=user_account)
        raise RuntimeError("the caller's transaction fails after issuing")
    assert not Invoice.objects.filter(order=orders[1]).exists()
    second = invoice_issue(order=orders[2], user=user_account)
    assert second.sequence == 2 and second.number.endswith("-000002")


def test_invoice_twice_is_409_already_invoiced_with_its_id(user_api, order):
    first = issue(user_api, order).json()
    before = invoices_state()
    response = issue(user_api, order)
    assert response.status_code == 409
    assert response.json()["code"] == "already_invoiced"
    assert response.json()["invoice"] == first["id"]
    assert invoices_state() == before


def test_invoice_a_cancelled_order_is_409_and_writes_nothing(admin_api, order):
    assert admin_api.post(f"/api/orders/{order.pk}/cancel/").status_code == 200
    before = invoices_state()
    response = issue(admin_api, order)
    assert response.status_code == 409 and response.json()["code"] == "already_cancelled"
    assert invoices_state() == before


def test_invoice_shipped_and_delivered_orders(user_api, order):
    assert user_api.post(f"/api/orders/{order.pk}/ship/").status_code == 200
    assert user_api.post(f"/api/orders/{order.pk}/deliver/").status_code == 200
    assert issue(user_api, order).status_code == 201


def test_invoice_unknown_order_is_404(user_api):
    assert user_api.post("/api/orders/999999/invoice/").status_code == 404


# --- mark-paid ---------------------------------------------------------------------


def mark_paid(api, invoice_id, body=None):
    return api.post(f"{INVOICES}{invoice_id}/mark-paid/", body or {})


def test_mark_paid_defaults_to_today(admin_api, user_api, order):
    invoice = issue(user_api, order).json()
    response = mark_paid(admin_api, invoice["id"])
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "paid"
    assert response.json()["paid_on"] == utc_today().isoformat()
    assert user_api.get(f"/api/orders/{order.pk}/").json()["invoice"]["status"] == "paid"


def test_mark_paid_on_a_given_day(admin_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    Invoice.objects.filter(pk=invoice.pk).update(issued_on=utc_today() - datetime.timedelta(days=5))
    day = (utc_today() - datetime.timedelta(days=5)).isoformat()
    response = mark_paid(admin_api, invoice.pk, {"paid_on": day})
    assert response.status_code == 200 and response.json()["paid_on"] == day


def test_mark_paid_twice_is_409_and_keeps_the_first_date(admin_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    invoice_mark_paid(invoice=invoice)
    before = invoices_state()
    response = mark_paid(admin_api, invoice.pk)
    assert response.status_code == 409 and response.json()["code"] == "already_paid"
    assert invoices_state() == before


@pytest.mark.parametrize(
    ("days", "message"), [(1, "future"), (-1, "before the invoice was issued")]
)
def test_mark_paid_future_or_before_issue_is_400(admin_api, user_account, order, days, message):
    invoice = invoice_issue(order=order, user=user_account)
    before = invoices_state()
    response = mark_paid(
        admin_api,
        invoice.pk,
        {"paid_on": (utc_today() + datetime.timedelta(days=days)).isoformat()},
    )
    assert response.status_code == 400
    assert message in response.json()["paid_on"][0]
    assert invoices_state() == before


@pytest.mark.parametrize("paid_on", ["yesterday", "2026-02-30", 20260101])
def test_mark_paid_bad_date_is_400(admin_api, user_account, order, paid_on):
    invoice = invoice_issue(order=order, user=user_account)
    before = invoices_state()
    response = mark_paid(admin_api, invoice.pk, {"paid_on": paid_on})
    assert response.status_code == 400 and "paid_on" in response.json()
    assert invoices_state() == before


def test_mark_paid_needs_change_invoice(user_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    assert mark_paid(user_api, invoice.pk).status_code == 403
    assert Invoice.objects.get().status == "unpaid"


# --- the list ----------------------------------------------------------------------


def test_invoice_list_filters(user_api, user_account):
    today = utc_today()
    ada, bob = make_customer(), make_customer()
    product = make_product(stock=100)

    def invoiced(customer, issued_days_ago=0):
        order = order_place(customer=customer, items=[(product, 1)], user=user_account)
        invoice = invoice_issue(order=order, user=user_account)
        issued = today - datetime.timedelta(days=issued_days_ago)
        Invoice.objects.filter(pk=invoice.pk).update(
            issued_on=issued, due_on=issued + datetime.timedelta(days=30)
        )
        return invoice.pk

    overdue = invoiced(ada, issued_days_ago=31)  # due yesterday
    due_today = invoiced(ada, issued_days_ago=30)
    paid_late = invoiced(bob, issued_days_ago=40)
    invoice_mark_paid(invoice=Invoice.objects.get(pk=paid_late))

    def ids(query):
        response = user_api.get(f"{INVOICES}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [paid_late, due_today, overdue]
    assert ids("overdue=true") == [overdue]
    assert ids("overdue=false") == [paid_late, due_today]
    assert ids("status=paid") == [paid_late]
    assert ids("status=unpaid") == [due_today, overdue]
    assert ids(f"customer={ada.pk}") == [due_today, overdue]
    assert ids(f"customer={bob.pk}&status=unpaid") == []
    for bad in ("status=open", "overdue=maybe", "customer=x"):
        assert user_api.get(f"{INVOICES}?{bad}").status_code == 400, bad


def test_invoices_are_read_only(admin_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    assert admin_api.post(INVOICES, {"order": order.pk}).status_code == 405
    assert admin_api.patch(f"{INVOICES}{invoice.pk}/", {"status": "paid"}).status_code == 405
    assert admin_api.delete(f"{INVOICES}{invoice.pk}/").status_code == 405
    assert Invoice.objects.get().status == "unpaid"


# --- the PDF -----------------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_invoice_pdf_shows_company_customer_number_lines_and_totals(settings, user_api, order):
    settings.COMPANY_NAME = "Acme Gears Ltd"
    settings.COMPANY_ADDRESS = "7 Foundry Lane\\nSheffield S1 2AB"
    settings.COMPANY_TAX_ID = "GB123456789"
    invoice = issue(user_api, order).json()
    response = user_api.get(f"{INVOICES}{invoice['id']}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice["number"]}.pdf"'
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for expected in (
        "Acme Gears Ltd",
        "7 Foundry Lane",
        "Sheffield S1 2AB",
        "GB123456789",
        invoice["number"],
        "Ada Lovelace",
        "12 Analytical Row",
        "ada@example.com",
        invoice["issued_on"],
        invoice["due_on"],
        "Gear (G-1)",
        "12.50",
        "37.50",
        "Bolt",
        "0.99",
        "4.95",
        "42.45",
        "Tax (9%)",
        "3.82",
        "46.27",
    ):
        assert expected in text, expected


def test_invoice_pdf_with_many_lines_runs_over_pages(user_api, user_account):
    customer = make_customer()
    items = [(make_product(name=f"Part {n:03d}", stock=5), 1) for n in range(60)]
    order = order_place(customer=customer, items=items, user=user_account)
    invoice = issue(user_api, order).json()
    response = user_api.get(f"{INVOICES}{invoice['id']}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2
    text = pdf_text(response.content)
    assert all(f"Part {n:03d}" in text for n in range(60))
    assert invoice["total"] in text


def test_invoice_pdf_of_an_unknown_invoice_is_a_json_404(user_api):
    response = user_api.get(f"{INVOICES}999999/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


def test_invoice_pdf_needs_view_invoice(anon_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    assert anon_api.get(f"{INVOICES}{invoice.pk}/pdf/").status_code == 401


def test_cached_order_list_shows_the_invoice_and_its_payment_at_once(
    settings, user_api, user_account, order, django_capture_on_commit_callbacks
):
    settings.LIST_CACHE_SECONDS = 300
    first = user_api.get("/api/orders/").json()
    assert first["results"][0]["invoice"] is None
    assert user_api.get("/api/orders/").json() == first  # served from the cache
    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(order=order, user=user_account)
    shown = user_api.get("/api/orders/").json()["results"][0]["invoice"]
    assert shown == {"id": invoice.pk, "number": invoice.number, "status": "unpaid"}
    with django_capture_on_commit_callbacks(execute=True):
        invoice_mark_paid(invoice=invoice)
    assert user_api.get("/api/orders/").json()["results"][0]["invoice"]["status"] == "paid"
