"""The back office in a real browser: Playwright driving Debian's Chromium against the live server.

Each test signs in to `/admin/` as an admin-role user and works the way a person would: select2
autocomplete boxes are opened, typed into and picked from. Every request that leaves localhost is
blocked and recorded (a test fails if there was any): the pages need no CDN and no network.
A screenshot of each page is saved under `var/screenshots/` (git-ignored) for a human to look at.
"""

import re
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD
from e2e.conftest import LIVE_DB, Identity
from orders.models import Order
from orders.services import order_place
from production.services import production_create
from products.models import Product
from products.tests.factories import ledger_sum, make_product

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps calling home (updates, sync, field trials) on a closed network.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}
TIMEOUT_MS = 15_000

pytestmark = [LIVE_DB]


def _chromium_available() -> bool:
    """Chromium is there, or `scripts/system-deps.sh browser` could install it (as root)."""
    if not CHROMIUM.exists():
        script = Path(settings.BASE_DIR) / "scripts" / "system-deps.sh"
        subprocess.run([str(script), "browser"], check=False, timeout=900)  # noqa: S603
    return CHROMIUM.exists()


@pytest.fixture
def browser(transactional_db):
    if not _chromium_available():
        pytest.skip(
            f"{CHROMIUM} is missing and could not be installed "
            "(run `scripts/system-deps.sh browser` as root; `make test` does)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread while it is started. Django
    # then refuses the ORM calls the test makes between page actions (plain sync code all the
    # same), and hands them a connection of their own: so Playwright lives for one test only, set
    # up after and torn down before the test database's own fixtures.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture
def page(browser, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []

    def only_localhost(route):
        if urlsplit(route.request.url).hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", only_localhost)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A Content-Security-Policy refusal of this host's own script, style or worker is an error too
    # (refusing another host is the policy's job: ReDoc's bundle asks for a logo on cdn.redoc.ly).
    page.on("console", lambda msg: errors.extend(_csp_refusals_of_this_host(msg.text)))
    yield page
    context.close()
    assert blocked == [], f"the pages tried to reach the network: {blocked}"
    assert errors == [], f"JavaScript errors: {errors}"


def _csp_refusals_of_this_host(text: str) -> list[str]:
    if "Content Security Policy" not in text:
        return []
    urls = re.findall(r"'(\w+:[^']*)'", text.split("violates", 1)[0])
    local = [u for u in urls if not u.startswith("http") or urlsplit(u).hostname in LOCAL_HOSTS]
    return [text] if local or not urls else []


def shoot(page, name: str, *, full_page: bool = True) -> None:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000


def sign_in(page, live_server) -> None:
    user = Identity("e2e-admin", ADMIN).restore()
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")


def pick(page, select_id: str, search: str, option: str) -> None:
    """Choose `option` in the admin's select2 autocomplete box for `<select id=select_id>`."""
    page.click(f"#{select_id} + .select2 .select2-selection")
    page.fill(".select2-container--open .select2-search__field", search)
    page.click(f".select2-container--open .select2-results__option >> text={option}")
    assert page.locator(f"#{select_id} + .select2 .select2-selection__rendered").inner_text()


def shown(page, label: str) -> str:
    """The value the admin shows beside a read-only field's label (e.g. "Total")."""
    exact = page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}:\s*$"))
    row = page.locator(".form-row").filter(has=exact)
    return row.locator(".readonly").first.inner_text().strip()


def test_back_office_product_production_order_and_reports(page, live_server, seeded):
    sign_in(page, live_server)
    assert page.locator("#site-name").is_visible()
    shoot(page, "01-admin-index")

    # A product, with its opening stock recorded on the ledger.
    page.goto(f"{live_server.url}/admin/products/product/add/")
    page.fill("#id_name", "E2E Lathe")
    page.fill("#id_sku", "E2E-LATHE")
    page.fill("#id_price", "120.00")
    page.fill("#id_reorder_level", "2")
    page.fill("#id_initial_stock", "12")
    shoot(page, "02-product-add")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert shown(page, "Stock") == "12"
    lathe = Product.objects.get(name="E2E Lathe")
    assert (lathe.stock, ledger_sum(lathe)) == (12, 12)

    # Production, through the autocomplete boxes: stock goes up by the quantity.
    page.goto(f"{live_server.url}/admin/production/productionrecord/add/")
    pick(page, "id_product", "Lathe", "E2E Lathe")
    pick(page, "id_employee", "Bo", "Bo Maker")
    page.fill("#id_quantity", "5")
    shoot(page, "03-production-add")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    lathe.refresh_from_db()
    assert (lathe.stock, ledger_sum(lathe)) == (17, 17)

    # An order with two lines on the "Place order" page.
    gear = seeded["products"][0]
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    pick(page, "id_customer", "Ada", "Ada Buyer")
    pick(page, "id_lines-0-product", "Lathe", "E2E Lathe")
    page.fill("#id_lines-0-quantity", "3")
    pick(page, "id_lines-1-product", "Gear", "Gear")
    page.fill("#id_lines-1-quantity", "2")
    shoot(page, "04-order-place")
    page.click("input[type=submit][value='Place order']")
    page.wait_for_url(re.compile(r".*/admin/orders/order/\d+/change/$"))
    order = Order.objects.latest("pk")
    # 3 * 120.00 + 2 * 12.50 = 385.00; tax 9 % = 34.65; total 419.65.
    assert shown(page, "Subtotal") == "385.00"
    assert shown(page, "Tax rate") == "0.09"
    assert shown(page, "Tax") == "34.65"
    assert shown(page, "Total") == "419.65"
    shoot(page, "05-order-detail")
    lines = [
        " ".join(text.split())
        for text in page.locator(".inline-group tr.has_original").all_inner_texts()
    ]
    assert lines == ["E2E Lathe 3 120.00 360.00", "Gear 2 12.50 25.00"]
    assert order.total == Decimal("419.65")

    # The stock the order took, on the product page and in its ledger.
    page.goto(f"{live_server.url}/admin/products/product/{lathe.pk}/change/")
    assert shown(page, "Stock") == "14"
    assert page.locator(".inline-group").get_by_text(f"order:{order.pk}").count() == 1
    shoot(page, "06-product-stock")
    gear.refresh_from_db()
    assert (gear.stock, ledger_sum(gear)) == (40 - 2 - 2, 36)

    # The Reports dashboard: server-rendered SVG charts, with today's numbers in them.
    page.goto(f"{live_server.url}/admin/reports/report/")
    for chart in ("#top-sellers", "#employee-output", "#daily-production"):
        assert page.locator(f"{chart} svg").count() == 1, chart
    assert page.locator("#top-sellers svg").get_by_text("E2E Lathe").count() >= 1
    assert page.locator("#employee-output svg").get_by_text("Bo Maker").count() >= 1
    shoot(page, "07-reports-dashboard")


def test_swagger_ui_lists_the_operations_offline(page, live_server):
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    for expected in ("/api/products/", "/api/orders/", "/api/orders/{id}/cancel/"):
        assert any(text.replace("\u200b", "") == expected for text in paths), expected
    assert page.locator(".opblock").count() >= 40
    shoot(page, "08-swagger-ui", full_page=False)


def test_redoc_renders_the_schema_offline(page, live_server):
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector(".api-content h1", timeout=30_000)
    assert "Factory Management API" in page.locator(".api-content h1").first.inner_text()
    assert page.get_by_text("/api/orders/{id}/cancel/").count() >= 1
    shoot(page, "08b-redoc", full_page=False)


def test_browsable_api_with_the_admin_session(page, live_server, seeded):
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/api/products/")
    assert page.locator(".page-header h1").inner_text().strip() == "Product List"
    body = page.locator(".response-info").inner_text()
    assert '"count": 3' in body and '"name": "Bolt"' in body
    shoot(page, "09-browsable-api")


def test_markup_in_names_is_shown_as_text(page, live_server, seeded):
    """Stored XSS probe: names full of markup, on every page that shows them, stay inert text."""
    probe = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>'
    product = make_product(name=f"Probe {probe}"[:200], stock=5)
    customer = seeded["customer"]
    customer.name = f"Buyer {probe}"[:100]
    customer.save()
    employee = seeded["employee"]
    clerk = Identity("e2e-clerk", USER).restore()
    order = order_place(customer=customer, items=[(product, 1)], user=clerk)
    production_create(product=product, employee=employee, quantity=2, user=clerk)

    sign_in(page, live_server)
    for path in (
        "/admin/reports/report/",
        "/admin/products/product/",
        f"/admin/products/product/{product.pk}/change/",
        f"/admin/orders/order/{order.pk}/change/",
        "/admin/customers/customer/",
        "/api/products/",
        f"/api/orders/{order.pk}/",
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("window.__xss") is None, path
        assert page.get_by_text("window.__xss=1", exact=False).count() >= 1, path
    shoot(page, "10-markup-probe-order-api")
