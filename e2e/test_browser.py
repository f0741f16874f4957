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
    page.click("#add-line")
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


def test_admin_order_form_adds_lines_totals_places_and_cancels(page, live_server, seeded):
    """SPEC §9: lines added as you go, the running total before placing, the order page's Cancel."""
    wheel = make_product(name="E2E Wheel", price=Decimal("19.99"), stock=10)
    axle = make_product(name="E2E Axle", price=Decimal("3.35"), stock=10)
    nut = make_product(name="E2E Nut", price=Decimal("0.10"), stock=20)
    sign_in(page, live_server)
    page.goto(f"{live_server.url}/admin/orders/order/add/")
    assert page.locator("tr.order-line").count() == 1
    pick(page, "id_customer", "Ada", "Ada Buyer")
    pick(page, "id_lines-0-product", "Wheel", "E2E Wheel")
    page.fill("#id_lines-0-quantity", "3")
    for index, (product, quantity) in enumerate([(axle, 7), (nut, 15)], start=1):
        page.click("#add-line")
        assert page.locator("tr.order-line").count() == index + 1
        pick(page, f"id_lines-{index}-product", product.name[4:], product.name)
        page.fill(f"#id_lines-{index}-quantity", str(quantity))
    # 3 * 19.99 + 7 * 3.35 + 15 * 0.10 = 59.97 + 23.45 + 1.50 = 84.92; tax 9 % = 7.6428 → 7.64.
    page.wait_for_function("document.getElementById('order-subtotal').textContent === '84.92'")
    totals = [page.locator(".line-total").nth(i).inner_text() for i in range(3)]
    assert totals == ["59.97", "23.45", "1.50"]
    assert page.locator("#order-tax").inner_text() == "7.64"
    assert page.locator("#order-total").inner_text() == "92.56"
    assert page.locator(".line-stock").first.inner_text() == "10 in stock"
    page.fill("#id_lines-0-quantity", "11")  # more than there is: the line says so
    assert "errornote" in page.locator(".line-stock").first.get_attribute("class")
    page.fill("#id_lines-0-quantity", "3")
    shoot(page, "11-order-form-running-total")

    page.click("input[type=submit][value='Place order']")
    page.wait_for_url(re.compile(r".*/admin/orders/order/\d+/change/$"))
    order = Order.objects.latest("pk")
    assert shown(page, "Total") == "92.56" == str(order.total)  # the server agrees
    wheel.refresh_from_db()
    assert wheel.stock == 7 == ledger_sum(wheel)

    page.click("#cancel-order")
    page.click("#confirm-cancel")
    page.wait_for_selector(".messagelist .success")
    assert f"Order #{order.pk} cancelled" in page.locator(".messagelist").inner_text()
    assert shown(page, "Status") == "Cancelled"
    assert page.locator("#cancel-order").count() == 0
    shoot(page, "12-order-cancelled")
    for product, stock in ((wheel, 10), (axle, 10), (nut, 20)):
        product.refresh_from_db()
        assert product.stock == stock == ledger_sum(product)


def test_order_production_and_ledger_lists_fit_1366_pixels(page, live_server, seeded):
    page.set_viewport_size({"width": 1366, "height": 768})
    sign_in(page, live_server)
    for path, columns in (
        ("/admin/orders/order/", ("Customer", "Status", "Total", "Created at")),
        ("/admin/production/productionrecord/", ("Date", "Product", "Quantity")),
        ("/admin/products/stockmovement/", ("Created at", "Product", "Delta", "Reference")),
    ):
        page.goto(f"{live_server.url}{path}")
        widths = page.evaluate(
            "() => { const r = document.querySelector('#changelist .results');"
            " return [r.scrollWidth, r.clientWidth, document.documentElement.scrollWidth]; }"
        )
        assert widths[0] <= widths[1] and widths[2] <= 1366, (path, widths)
        headers = page.locator("#result_list thead th").all_inner_texts()
        for column in columns:
            assert any(h.strip().lower() == column.lower() for h in headers), (path, headers)
    shoot(page, "13-orders-1366", full_page=False)


def test_redoc_shows_no_broken_image(page, live_server):
    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector(".api-content h1", timeout=30_000)
    broken = page.evaluate(
        "() => Array.from(document.images).filter(i => i.offsetParent !== null"
        " && !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )
    assert broken == []
    # ReDoc drops its Redocly logo when the load fails at once (as here, where the policy refuses
    # it); on a machine with no network the load can hang instead and the browser draws a broken
    # image while it waits. The page's style hides that logo however its load goes:
    hidden = page.evaluate(
        "() => { const logo = document.createElement('img');"
        " logo.alt = 'redocly logo'; logo.src = 'data:,';"
        " logo.setAttribute('src', 'https://cdn.redoc.ly/redoc/logo-mini.svg');"
        " document.querySelector('.menu-content').appendChild(logo);"
        " return getComputedStyle(logo).display; }"
    )
    assert hidden == "none"


def test_a_clerk_signing_in_to_the_admin_is_told_plainly(page, live_server, user_identity):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user_identity.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    note = page.locator(".errornote").inner_text()
    assert "your role has no access to the back office" in note
    assert "correct username and password" not in note
