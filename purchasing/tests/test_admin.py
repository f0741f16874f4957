"""The back office runs purchasing through the same services: drafts with lines, buttons, receipts, reorder."""

from decimal import Decimal

import pytest
from django.urls import reverse

from products.tests.factories import ledger_sum, make_product
from purchasing.models import PurchaseOrder, Supplier
from purchasing.tests.factories import make_purchase_order, make_supplier, purchasing_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def draft_form(supplier, lines, initial=0):
    data = {
        "supplier": supplier.pk,
        "expected_on": "",
        "notes": "by phone",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": str(initial),
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, (product, quantity, cost) in enumerate(lines):
        data[f"lines-{i}-product"] = product.pk
        data[f"lines-{i}-quantity"] = quantity
        data[f"lines-{i}-unit_cost"] = cost
    return data


def action(order, name):
    return reverse("admin:purchasing_purchaseorder_action", args=[order.pk, name])


def test_admin_creates_a_draft_with_lines_through_the_service(staff, admin_account):
    supplier = make_supplier()
    gear, bolt = make_product(), make_product()
    add = reverse("admin:purchasing_purchaseorder_add")
    assert staff.get(add).status_code == 200
    response = staff.post(add, draft_form(supplier, [(gear, 3, "2.5000"), (bolt, 7, "0.1000")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    order = PurchaseOrder.objects.get()
    assert (order.status, order.created_by, order.notes) == ("draft", admin_account, "by phone")
    assert [(li.product_id, li.quantity) for li in order.lines.all()] == [
        (gear.pk, 3),
        (bolt.pk, 7),
    ]
    page = staff.get(reverse("admin:purchasing_purchaseorder_change", args=[order.pk])).content
    assert b"Place with supplier" in page and b"8.20" in page


def test_admin_draft_with_a_product_twice_is_a_form_error_and_nothing_is_saved(staff):
    supplier = make_supplier()
    gear = make_product()
    before = purchasing_state()
    response = staff.post(
        reverse("admin:purchasing_purchaseorder_add"),
        draft_form(supplier, [(gear, 3, "2.5000"), (gear, 1, "2.5000")]),
    )
    assert response.status_code == 200
    assert purchasing_state() == before


def test_admin_place_receive_partially_and_close(staff, admin_account):
    gear = make_product(stock=1)
    order = make_purchase_order(user=admin_account, lines=[(gear, 10, "2.0000")])
    assert staff.get(action(order, "place")).status_code == 200
    assert staff.post(action(order, "place")).status_code == 302
    order.refresh_from_db()
    assert order.status == "ordered"
    # The receiving form shows what is outstanding.
    line = order.lines.get()
    page = staff.get(action(order, "receive")).content.decode()
    assert 'class="outstanding">10<' in page
    # Over-receipt: a form error, nothing changed.
    before = purchasing_state()
    response = staff.post(action(order, "receive"), {f"line_{line.pk}": 11, "note": ""})
    assert response.status_code == 200 and "outstanding" in response.content.decode()
    assert purchasing_state() == before
    # A part of it.
    response = staff.post(action(order, "receive"), {f"line_{line.pk}": 4, "note": "truck"})
    assert response.status_code == 302
    gear.refresh_from_db()
    assert gear.stock == 5 == ledger_sum(gear)
    assert gear.movements.order_by("-id").first().unit_cost == Decimal("2.0000")
    page = staff.get(action(order, "receive")).content.decode()
    assert 'class="outstanding">6<' in page
    assert staff.post(action(order, "close")).status_code == 302
    order.refresh_from_db()
    assert order.status == "closed"
    # A refused action is an error message; nothing changes.
    before = purchasing_state()
    response = staff.post(action(order, "cancel"), follow=True)
    assert b"cannot be cancelled" in response.content
    assert purchasing_state() == before


def test_admin_placed_order_is_read_only(staff, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    change = reverse("admin:purchasing_purchaseorder_change", args=[order.pk])
    assert staff.get(change).status_code == 200
    before = purchasing_state()
    response = staff.post(change, draft_form(order.supplier, []))
    assert response.status_code == 403
    assert purchasing_state() == before


def test_admin_from_reorder_creates_drafts_and_is_linked(staff):
    supplier = make_supplier()
    gear = make_product(stock=1, reorder_level=5, default_supplier=supplier)
    view = reverse("admin:purchasing_purchaseorder_from_reorder")
    for page in (
        reverse("admin:reports_report_changelist"),
        reverse("admin:products_product_changelist"),
    ):
        assert view in staff.get(page).content.decode()
    assert gear.name in staff.get(view).content.decode()
    assert staff.post(view).status_code == 302
    order = PurchaseOrder.objects.get()
    assert order.status == "draft" and order.lines.get().quantity == 5


def test_admin_supplier_in_use_is_not_deleted(staff, admin_account):
    supplier = make_purchase_order(user=admin_account).supplier
    response = staff.post(
        reverse("admin:purchasing_supplier_delete", args=[supplier.pk]),
        {"post": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert Supplier.objects.filter(pk=supplier.pk).exists()


def test_admin_ledger_links_a_receipt_to_its_purchase_order(staff, admin_account):
    from purchasing.services import purchase_order_receive

    product = make_product()
    order = make_purchase_order(user=admin_account, lines=[(product, 10, "2.0000")], place=True)
    purchase_order_receive(order=order, receipts=[(order.lines.get().pk, 4)], user=admin_account)
    ledger = staff.get(reverse("admin:products_stockmovement_changelist")).content.decode()
    url = reverse("admin:purchasing_purchaseorder_change", args=[order.pk])
    assert f'<a href="{url}">po:{order.pk}</a>' in ledger
