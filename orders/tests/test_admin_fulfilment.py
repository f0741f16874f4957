"""SPEC §9/§16 in the admin: Ship / Deliver / Invoice on the order page, bulk invoicing, invoice PDFs."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from customers.tests.factories import make_customer
from orders.invoicing import invoice_issue
from orders.models import Invoice, Order
from orders.services import order_cancel, order_place
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


@pytest.fixture
def order(admin_account):
    return order_place(
        customer=make_customer(), items=[(make_product(stock=10), 2)], user=admin_account
    )


def page(client, order):
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200
    return response.content.decode()


def action_url(order, name):
    return reverse(f"admin:orders_order_{name}", args=[order.pk])


def messages_of(response):
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def test_order_page_ships_delivers_and_invoices_through_its_buttons(staff, order):
    html = page(staff, order)
    assert f'formaction="{action_url(order, "ship")}"' in html
    assert f'formaction="{action_url(order, "invoice")}"' in html
    assert action_url(order, "deliver") not in html

    response = staff.post(action_url(order, "ship"), {"carrier": "DHL", "tracking_number": "T-1"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.carrier, order.tracking_number) == ("shipped", "DHL", "T-1")
    html = page(staff, order)
    assert action_url(order, "ship") not in html and action_url(order, "deliver") in html

    staff.post(action_url(order, "deliver"))
    order.refresh_from_db()
    assert order.status == "delivered"

    response = staff.post(action_url(order, "invoice"))
    invoice = Invoice.objects.get(order=order)
    assert ("success", f"Invoice {invoice.number} issued for order #{order.pk}.") in messages_of(
        response
    )
    html = page(staff, order)
    assert invoice.number in html
    assert reverse("admin:orders_invoice_pdf", args=[invoice.pk]) in html
    assert action_url(order, "invoice") not in html


def test_order_page_refusals_are_error_messages_and_change_nothing(staff, admin_account, order):
    order_cancel(order=order, user=admin_account)
    for name in ("ship", "deliver", "invoice"):
        response = staff.post(action_url(order, name), follow=True)
        assert response.redirect_chain == [
            (reverse("admin:orders_order_change", args=[order.pk]), 302)
        ]
        assert [level for level, _ in messages_of(response)] == ["error"], name
    order.refresh_from_db()
    assert order.status == "cancelled" and order.shipped_at is None
    assert not Invoice.objects.exists()
    html = page(staff, order)
    assert "formaction" not in html  # nothing left to press on a cancelled order


def test_order_page_actions_answer_post_only(staff, order):
    assert staff.get(action_url(order, "ship")).status_code == 405
    order.refresh_from_db()
    assert order.status == "placed"


def test_bulk_issue_invoices_skips_what_it_cannot_and_says_why(staff, admin_account):
    customer, product = make_customer(), make_product(stock=20)
    orders = [
        order_place(customer=customer, items=[(product, 1)], user=admin_account) for _ in range(4)
    ]
    order_cancel(order=orders[1], user=admin_account)
    already = invoice_issue(order=orders[2], user=admin_account)
    response = staff.post(
        reverse("admin:orders_order_changelist"),
        {"action": "issue_invoices", "_selected_action": [o.pk for o in orders]},
        follow=True,
    )
    assert response.status_code == 200
    issued = Invoice.objects.exclude(pk=already.pk).order_by("pk")
    assert [i.order_id for i in issued] == [orders[0].pk, orders[3].pk]
    found = messages_of(response)
    assert ("success", f"Issued 2 invoice(s): {issued[0].number}, {issued[1].number}.") in found
    warning = next(text for level, text in found if level == "warning")
    assert "Skipped 2 order(s)" in warning
    assert f"Order #{orders[1].pk} is cancelled" in warning
    assert f"Order #{orders[2].pk} is already invoiced" in warning


def test_invoice_list_links_each_pdf_and_the_pdf_downloads(staff, admin_account, order):
    invoice = invoice_issue(order=order, user=admin_account)
    response = staff.get(reverse("admin:orders_invoice_changelist"))
    assert response.status_code == 200
    html = response.content.decode()
    pdf_url = reverse("admin:orders_invoice_pdf", args=[invoice.pk])
    assert invoice.number in html and pdf_url in html
    detail = staff.get(reverse("admin:orders_invoice_change", args=[invoice.pk])).content.decode()
    assert pdf_url in detail
    pdf = staff.get(pdf_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_invoice_admin_action_marks_paid_once(staff, admin_account, order):
    invoice = invoice_issue(order=order, user=admin_account)
    url = reverse("admin:orders_invoice_changelist")
    body = {"action": "mark_paid", "_selected_action": [invoice.pk]}
    first = staff.post(url, body, follow=True)
    assert [level for level, _ in messages_of(first)] == ["success"]
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    paid_on = invoice.paid_on
    response = staff.post(url, body, follow=True)
    assert [level for level, _ in messages_of(response)] == ["warning"]
    invoice.refresh_from_db()
    assert invoice.paid_on == paid_on


def test_order_admin_without_invoice_permission_has_no_issue_action(client, db):
    from accounts.tests.factories import make_account, make_role

    clerk = make_account(role=make_role("orders.view_order", "orders.change_order"))
    client.force_login(clerk)
    response = client.get(reverse("admin:orders_order_changelist"))
    if response.status_code == 200:
        assert "issue_invoices" not in response.content.decode()
    order = order_place(customer=make_customer(), items=[(make_product(stock=2), 1)], user=clerk)
    assert client.post(action_url(order, "invoice")).status_code in (302, 403)
    assert not Invoice.objects.exists()
    assert Order.objects.get().status == "placed"
