"""Purchasing in a real browser: a purchase order from the reorder view, placed, received in part."""

import re

from e2e.conftest import LIVE_DB
from e2e.test_browser import browser, page, shoot, shown, sign_in  # noqa: F401  (fixtures)
from products.tests.factories import ledger_sum, make_product
from purchasing.models import PurchaseOrder
from purchasing.tests.factories import make_supplier

pytestmark = [LIVE_DB]


def test_purchase_order_from_reorder_placed_and_partly_received(page, live_server):  # noqa: F811
    supplier = make_supplier(name="Acme Metals")
    lathe = make_product(
        name="E2E Spindle", stock=1, reorder_level=5, reorder_quantity=10, default_supplier=supplier
    )
    sign_in(page, live_server)

    # The low-stock view (the products list) links to the reorder page.
    page.goto(f"{live_server.url}/admin/products/product/?stock_level=low")
    page.click("text=Create purchase orders (reorder)")
    page.wait_for_url(re.compile(r".*/admin/purchasing/purchaseorder/from-reorder/$"))
    row = " ".join(page.locator("#reorder-rows tbody tr").first.inner_text().split())
    assert row == "E2E Spindle Acme Metals 1 0 5 10"
    shoot(page, "20-reorder")
    page.click("input[type=submit][value='Create purchase orders']")
    page.wait_for_selector(".messagelist .success")
    order = PurchaseOrder.objects.get()
    assert order.status == "draft"

    # Open the draft and place it.
    page.click(f"text={order.reference}")
    page.wait_for_url(re.compile(rf".*/purchaseorder/{order.pk}/change/"))
    shoot(page, "21-po-draft")
    page.click("a.button:has-text('Place with supplier')")
    page.click("input[type=submit][value='Place with supplier']")
    page.wait_for_selector(".messagelist .success")
    assert shown(page, "Status") == "Ordered"

    page.goto(f"{live_server.url}/admin/products/product/{lathe.pk}/change/")
    assert (shown(page, "Stock"), shown(page, "On order")) == ("1", "10")

    # Receive 4 of the 10: the form shows what is outstanding.
    page.goto(f"{live_server.url}/admin/purchasing/purchaseorder/{order.pk}/change/")
    page.click("a.button:has-text('Receive goods')")
    assert page.locator("tr.receipt-line td.outstanding").inner_text() == "10"
    page.fill("tr.receipt-line input", "4")
    page.fill("#id_note", "first truck")
    shoot(page, "22-po-receive")
    page.click("input[type=submit][value='Receive']")
    page.wait_for_selector(".messagelist .success")
    assert shown(page, "Status") == "Partially Received"

    page.goto(f"{live_server.url}/admin/products/product/{lathe.pk}/change/")
    assert (shown(page, "Stock"), shown(page, "On order")) == ("5", "6")
    assert page.locator(".inline-group").get_by_text(f"po:{order.pk}").count() == 1
    shoot(page, "23-product-after-receipt")
    lathe.refresh_from_db()
    assert (lathe.stock, ledger_sum(lathe)) == (5, 5)
