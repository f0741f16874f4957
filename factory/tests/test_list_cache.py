"""Cached list pages (factory/api/caching.py): served from the cache, never stale."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.services import SYSTEM, user_update
from customers.services import customer_update
from customers.tests.factories import make_customer
from employees.services import employee_update
from employees.tests.factories import make_employee
from orders.services import order_cancel, order_place
from production.services import production_create
from products.services.catalog import product_create, product_update
from products.services.stock import stock_adjust
from products.tests.factories import make_product

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("_caches_on"),
]
LISTS = ["/api/customers/", "/api/employees/", "/api/products/", "/api/orders/", "/api/production/"]


@pytest.fixture
def _caches_on():
    with override_settings(LIST_CACHE_SECONDS=300, ACCESS_CACHE=True):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a write and its on-commit hooks, as a real commit would."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def world(admin_account, committed):
    customer, product, employee = make_customer(), make_product(stock=50), make_employee()
    order = committed(
        lambda: order_place(customer=customer, items=[(product, 2)], user=admin_account)
    )
    committed(
        lambda: production_create(
            product=product, employee=employee, quantity=3, user=admin_account
        )
    )
    return {"customer": customer, "product": product, "employee": employee, "order": order}


@pytest.mark.parametrize("url", LISTS)
def test_a_page_read_again_comes_from_the_cache(user_api, world, url, django_assert_num_queries):
    first = user_api.get(url).json()
    assert first["count"] == 1
    with django_assert_num_queries(0):  # the user, the count and the page: all cached
        assert user_api.get(url).json() == first


def test_each_url_is_its_own_page(user_api, world):
    make_product(name="Another")
    assert user_api.get("/api/products/").json()["count"] == 2
    assert user_api.get("/api/products/?page_size=1").json()["results"][0]["name"] == "Another"
    assert user_api.get("/api/products/?page_size=1&page=2").json()["results"][0]["name"] != (
        "Another"
    )
    assert user_api.get("/api/products/?search=Another").json()["count"] == 1


def test_products_show_new_rows_edits_and_stock(user_api, admin_account, world, committed):
    product = world["product"]
    user_api.get("/api/products/")
    committed(lambda: product_create(name="Fresh", price="1.00", user=admin_account))
    assert {p["name"] for p in user_api.get("/api/products/").json()["results"]} >= {"Fresh"}
    committed(lambda: product_update(product=product, name="Renamed"))
    assert "Renamed" in {p["name"] for p in user_api.get("/api/products/").json()["results"]}
    committed(lambda: stock_adjust(product=product, delta=5, user=admin_account))
    stocks = {p["id"]: p["stock"] for p in user_api.get("/api/products/").json()["results"]}
    assert stocks[product.pk] == 50 - 2 + 3 + 5


def test_customers_and_employees_show_edits(user_api, world, committed):
    user_api.get("/api/customers/"), user_api.get("/api/employees/")
    committed(lambda: customer_update(customer=world["customer"], name="New Name Ltd"))
    committed(lambda: employee_update(employee=world["employee"], name="Renamed Worker"))
    assert user_api.get("/api/customers/").json()["results"][0]["name"] == "New Name Ltd"
    assert user_api.get("/api/employees/").json()["results"][0]["name"] == "Renamed Worker"


def test_orders_show_every_row_they_are_made_of(user_api, admin_account, world, committed):
    def first_order():
        return user_api.get("/api/orders/").json()["results"][0]

    first_order()
    committed(lambda: customer_update(customer=world["customer"], name="Renamed Customer"))
    assert first_order()["customer"]["name"] == "Renamed Customer"
    committed(lambda: product_update(product=world["product"], name="Renamed Product"))
    assert first_order()["items"][0]["product"]["name"] == "Renamed Product"
    committed(lambda: stock_adjust(product=world["product"], delta=-1, user=admin_account))
    assert first_order()["items"][0]["product"]["stock"] == 50 - 2 + 3 - 1
    committed(lambda: user_update(user=admin_account, actor=SYSTEM, username="boss"))
    assert first_order()["created_by"] == "boss"
    committed(lambda: order_cancel(order=world["order"], user=admin_account))
    assert first_order()["status"] == "cancelled"


def test_production_shows_every_row_it_is_made_of(user_api, admin_account, world, committed):
    def first_record():
        return user_api.get("/api/production/").json()["results"][0]

    first_record()
    committed(lambda: employee_update(employee=world["employee"], name="Renamed Worker"))
    assert first_record()["employee_name"] == "Renamed Worker"
    committed(lambda: product_update(product=world["product"], name="Renamed Product"))
    assert first_record()["product_name"] == "Renamed Product"
    committed(lambda: user_update(user=admin_account, actor=SYSTEM, username="boss"))
    assert first_record()["created_by"] == "boss"


@pytest.mark.parametrize("url", LISTS)
def test_other_pages_of_a_list_share_its_cached_row_count(user_api, world, url):
    """A page not cached yet takes the list's row count from the cache: no COUNT query."""
    first = user_api.get(url).json()
    for other in ("?page_size=5", "?page_size=7", "?page_size=3"):
        with CaptureQueriesContext(connection) as seen:
            page = user_api.get(f"{url}{other}").json()
        assert page["count"] == first["count"]
        assert seen.captured_queries  # the page itself is computed
        assert not [q["sql"] for q in seen.captured_queries if "COUNT(" in q["sql"].upper()]


def test_a_cached_row_count_is_per_filter_and_follows_writes(user_api, world, committed):
    assert user_api.get("/api/products/?page_size=5").json()["count"] == 1
    make_product(name="Another", stock=0)
    assert user_api.get("/api/products/?ordering=-name").json()["count"] == 2
    assert user_api.get("/api/products/?in_stock=true").json()["count"] == 1
    assert user_api.get("/api/products/?in_stock=true&ordering=-name").json()["count"] == 1
    assert user_api.get("/api/products/?in_stock=false").json()["count"] == 1
    assert user_api.get("/api/products/?search=Another&page_size=1").json()["count"] == 1


@pytest.mark.parametrize(
    "url",
    [
        "/api/users/me/",
        "/api/products/",
        "/api/orders/",
        "/api/reports/low-stock/",
        "/api/reports/low-stock/?format=csv",
    ],
)
@override_settings(REPORT_CACHE_SECONDS=300)
def test_a_signed_in_request_makes_one_cache_round_trip(
    user_api, user_account, world, url, monkeypatch, shared_cache
):
    """The user's access token, its throttle count and the cached page come back together."""
    assert user_api.get(url).status_code == 200  # fills the caches
    calls = []
    fetch = shared_cache.fetch
    monkeypatch.setattr(shared_cache, "fetch", lambda *args: calls.append(args) or fetch(*args))
    assert user_api.get(url).status_code == 200
    assert len(calls) == 1
    keys, counters = calls[0]
    assert "version:access" in keys
    assert [key.split("@")[0] for key in counters] == [f"throttle_user_{user_account.pk}"]


# --- Keys from the parameters a view understands (factory/api/cache_keys.py, issue 24) ----------


@pytest.mark.parametrize("url", LISTS)
def test_unknown_parameters_never_make_a_new_entry(user_api, world, url, django_assert_num_queries):
    first = user_api.get(f"{url}?junk=1").json()
    assert "junk" not in str(first)
    for n in range(2, 5):
        with django_assert_num_queries(0):  # the same entry: nothing computed again
            assert user_api.get(f"{url}?junk={n}&other=x").json() == first
    with django_assert_num_queries(0):
        assert user_api.get(url).json() == first


def test_known_parameters_make_their_own_entry_and_links_keep_only_them(user_api, world):
    make_product(name="Another")
    page = user_api.get("/api/products/?page_size=1&junk=secret&search=e").json()
    assert page["count"] == 2
    assert "junk" not in page["next"] and "secret" not in page["next"]
    assert "search=e" in page["next"] and "page_size=1" in page["next"]
    assert user_api.get("/api/products/?search=Another").json()["count"] == 1


@pytest.mark.parametrize(
    ("variant", "same_as"),
    [
        ("page=01", "page=1"),
        ("page_size=1000", "page_size=100"),
        ("ordering=junk", ""),
        ("ordering=name,junk", "ordering=name"),
    ],
)
def test_spellings_of_the_same_page_share_an_entry(
    user_api, world, variant, same_as, django_assert_num_queries
):
    first = user_api.get(f"/api/products/?{same_as}").json()
    with django_assert_num_queries(0):
        assert user_api.get(f"/api/products/?{variant}").json() == first


def test_a_refused_value_is_a_400_and_never_stored(user_api, world):
    for _ in range(2):
        response = user_api.get("/api/orders/?date_from=not-a-date&junk=1")
        assert response.status_code == 400
        assert "date_from" in response.json()


@override_settings(REPORT_CACHE_SECONDS=300)
def test_reports_are_keyed_on_their_validated_parameters_only(
    user_api, world, django_assert_num_queries
):
    url = "/api/reports/top-selling-products/"
    first = user_api.get(f"{url}?junk=1").json()
    assert first["count"] == 1
    for query in ["junk=2", "other=x&junk=3", "date_from=&junk=4", ""]:
        with django_assert_num_queries(0):
            assert user_api.get(f"{url}?{query}").json() == first, query
    dated = user_api.get(f"{url}?date_from=2000-01-01&junk=5").json()
    with django_assert_num_queries(0):
        assert user_api.get(f"{url}?date_from=2000-01-01&junk=6").json() == dated
    assert user_api.get(f"{url}?date_from=bad&junk=7").status_code == 400


@override_settings(REPORT_CACHE_SECONDS=300)
def test_only_make_bench_keys_on_its_cold_read_parameter(user_api, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = "/api/reports/low-stock/?_bench="
    user_api.get(f"{url}1")
    with CaptureQueriesContext(connection) as production:
        user_api.get(f"{url}2")
    assert len(production) == 0  # an unknown parameter like any other
    with override_settings(BENCH_BASELINE=True), CaptureQueriesContext(connection) as bench:
        user_api.get(f"{url}3")
    assert len(bench) > 0  # a cold read, as the bench wants


def test_the_admin_lists_show_every_write(admin_api, admin_account, committed):
    """Users, roles and webhooks are cached like the rest: every write shows at once."""

    def api(method, url, data=None):
        response = committed(lambda: getattr(admin_api, method)(url, data, format="json"))
        assert response.status_code < 300, response.content
        return response.json() if response.content else None

    def users():
        return {u["username"]: u["role"] for u in admin_api.get("/api/users/").json()["results"]}

    before = users()
    new = api("post", "/api/users/", {"username": "newbie", "password": "A-long-pass-phrase-1"})
    assert users() == {**before, "newbie": "user"}
    api("patch", f"/api/users/{new['id']}/", {"role": "admin"})
    assert users()["newbie"] == "admin"
    api("delete", f"/api/users/{new['id']}/")
    assert users() == before

    role = api("post", "/api/roles/", {"name": "clerks", "permissions": ["products.view_product"]})
    listed = {r["name"]: r for r in admin_api.get("/api/roles/?page_size=100").json()["results"]}
    assert listed["clerks"]["permissions"] == ["products.view_product"]
    api("patch", f"/api/roles/{role['id']}/", {"permissions": ["orders.view_order"]})
    listed = {r["name"]: r for r in admin_api.get("/api/roles/?page_size=100").json()["results"]}
    assert listed["clerks"]["permissions"] == ["orders.view_order"]

    assert admin_api.get("/api/webhooks/").json()["count"] == 0
    hook = {"url": "https://hooks.example.com/x", "events": ["stock.low"]}
    created = api("post", "/api/webhooks/", hook)
    assert admin_api.get("/api/webhooks/").json()["results"][0]["is_active"] is True
    api("patch", f"/api/webhooks/{created['id']}/", {"is_active": False})
    assert admin_api.get("/api/webhooks/").json()["results"][0]["is_active"] is False
    api("delete", f"/api/webhooks/{created['id']}/")
    assert admin_api.get("/api/webhooks/").json()["count"] == 0
