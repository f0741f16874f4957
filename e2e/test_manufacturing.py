"""SPEC §13 in a real browser: make a BOM with its lines, activate it, record production, and see
the components' stock fall. Uses the browser fixtures and helpers of e2e/test_browser.py."""

from e2e.conftest import LIVE_DB
from e2e.test_browser import browser, page, pick, shoot, shown, sign_in  # noqa: F401 (fixtures)
from production.models import BOM, ProductionRecord
from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = [LIVE_DB]


def test_bom_activate_and_consuming_production_in_the_admin(page, live_server, seeded):  # noqa: F811
    frame = make_product(name="E2E Frame", stock=30, unit="pcs")
    wheel = make_product(name="E2E Wheel", stock=50)
    make_product(name="E2E Bicycle")
    sign_in(page, live_server)

    # A BOM of two lines, entered in the inline with the autocomplete boxes.
    page.goto(f"{live_server.url}/admin/production/bom/add/")
    pick(page, "id_product", "Bicycle", "E2E Bicycle")
    pick(page, "id_lines-0-component", "Frame", "E2E Frame")
    page.fill("#id_lines-0-quantity", "1")
    pick(page, "id_lines-1-component", "Wheel", "E2E Wheel")
    page.fill("#id_lines-1-quantity", "2")
    shoot(page, "20-bom-add")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    bom = BOM.objects.get(product__name="E2E Bicycle")
    assert (bom.version, bom.status, bom.lines.count()) == (1, "draft", 2)

    # Activated with the change list's action.
    page.locator(f"input[name=_selected_action][value='{bom.pk}']").check()
    page.select_option("select[name=action]", "activate")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    shoot(page, "21-bom-activated")
    bom.refresh_from_db()
    assert bom.status == "active"

    def record_bicycles(quantity):
        page.goto(f"{live_server.url}/admin/production/productionrecord/add/")
        pick(page, "id_product", "Bicycle", "E2E Bicycle")
        pick(page, "id_employee", "Bo", "Bo Maker")
        page.fill("#id_quantity", str(quantity))
        page.click("input[name=_save]")

    # Production of 4 bicycles takes 4 frames and 8 wheels.
    record_bicycles(4)
    page.wait_for_selector(".messagelist .success")
    record = ProductionRecord.objects.get(product__name="E2E Bicycle")
    assert record.bom_id == bom.pk

    # A shortage is a form error, and nothing is saved: 27 frames (26 left) and 54 wheels (42 left).
    record_bicycles(27)
    page.wait_for_selector(".errornote")
    assert "Not enough stock for E2E Frame" in page.locator(".errorlist").first.inner_text()
    assert ProductionRecord.objects.filter(product__name="E2E Bicycle").count() == 1

    # The components' pages show their stock fallen, with the consumption on their ledger.
    page.goto(f"{live_server.url}/admin/products/product/{wheel.pk}/change/")
    assert shown(page, "Stock") == "42"
    assert page.locator(".inline-group").get_by_text(f"production:{record.pk}").count() == 1
    shoot(page, "22-component-stock")
    page.goto(f"{live_server.url}/admin/products/product/{frame.pk}/change/")
    assert shown(page, "Stock") == "26"
    for product in (frame, wheel, Product.objects.get(name="E2E Bicycle")):
        product.refresh_from_db()
        assert product.stock == ledger_sum(product)
    assert StockMovement.objects.filter(reason="consumption").count() == 2
