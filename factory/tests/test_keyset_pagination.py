"""`?cursor=`: keyset iteration of the deep lists (SPEC §11 "Deep reads"), next to page numbers."""

import datetime
from decimal import Decimal

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from orders.models import Order
from orders.services import order_place
from production.models import ProductionRecord
from products.models import StockMovement
from products.services import stock_adjust
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


def walk(api, url, link="next"):
    """Every page's ids following `link` from `url`; asserts each page is a 200 with a count."""
    pages = []
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        assert set(body) == {"count", "next", "previous", "results"}
        pages.append([row["id"] for row in body["results"]])
        url = body[link]
    return pages, body


def flat(pages):
    return [pk for page in pages for pk in page]


@pytest.fixture
def orders(user_account):
    customer = make_customer()
    # Three prices, so `?ordering=total` has long runs of ties that only `id` breaks.
    products = [
        make_product(name=f"P{n}", price=Decimal(p), stock=100) for n, p in enumerate("123")
    ]
    for n in range(23):
        order_place(customer=customer, items=[(products[n % 3], 1)], notes="", user=user_account)
    return list(Order.objects.order_by("-id").values_list("id", flat=True))


def test_cursor_walks_the_orders_newest_first_like_the_pages(user_api, orders):
    pages, last = walk(user_api, "/api/orders/?cursor=&page_size=5")
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    assert flat(pages) == orders
    assert last["count"] == 23
    numbered = user_api.get("/api/orders/?page=2&page_size=5").json()
    assert [row["id"] for row in numbered["results"]] == pages[1]
    assert numbered["next"].endswith("page=3&page_size=5")  # page numbers are unchanged


def test_cursor_ties_are_broken_by_id_and_previous_walks_back(user_api, orders):
    expected = list(Order.objects.order_by("total", "id").values_list("id", flat=True))
    pages, last = walk(user_api, "/api/orders/?cursor=&ordering=total&page_size=4")
    assert flat(pages) == expected
    first = user_api.get("/api/orders/?cursor=&ordering=total&page_size=4").json()
    assert first["previous"] is None
    # From the last page back to the first, through `previous`: the same pages, reversed.
    back, _ = walk(user_api, last["previous"], link="previous")
    assert back == pages[-2::-1]


def test_cursor_pages_are_the_same_body_as_page_numbers(user_api, orders):
    by_cursor = user_api.get("/api/orders/?cursor=&page_size=3").json()
    by_page = user_api.get("/api/orders/?page_size=3").json()
    assert by_cursor["results"] == by_page["results"]
    assert by_cursor["count"] == by_page["count"]
    assert "cursor=" in by_cursor["next"] and "page=" not in by_cursor["next"]


@pytest.mark.parametrize(
    "cursor", ["x", "%%%", "eyJvIjpbIi1pZCJdLCJ2IjpbIngiXSwiYiI6MH0", "eyJvIjpbInRvdGFsIl19"]
)
def test_a_cursor_that_cannot_be_read_is_a_404(user_api, orders, cursor):
    response = user_api.get(f"/api/orders/?cursor={cursor}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid cursor."}
    assert Order.objects.count() == 23


def test_a_repeated_cursor_is_a_404(user_api, orders):
    response = user_api.get("/api/orders/?cursor=&cursor=")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_cursor_walks_production_by_date_with_ties(user_api):
    product, employee = make_product(name="Gear"), make_employee(name="Grace")
    day = datetime.date(2026, 3, 1)
    for n in range(13):
        response = user_api.post(
            "/api/production/",
            {
                "product": product.pk,
                "employee": employee.pk,
                "quantity": 1 + n,
                "date": (day + datetime.timedelta(days=n % 3)).isoformat(),
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    expected = list(ProductionRecord.objects.order_by("-date", "-id").values_list("id", flat=True))
    pages, _ = walk(user_api, "/api/production/?cursor=&page_size=4")
    assert flat(pages) == expected
    by_quantity = list(ProductionRecord.objects.order_by("-quantity").values_list("id", flat=True))
    pages, _ = walk(user_api, "/api/production/?cursor=&ordering=-quantity&page_size=5")
    assert flat(pages) == by_quantity


def test_cursor_walks_a_products_ledger(user_api, admin_account):
    product = make_product(name="Gear", stock=5)
    for n in range(11):
        stock_adjust(product=product, delta=1 + n, note=f"n{n}", user=admin_account)
    expected = list(
        StockMovement.objects.filter(product=product).order_by("-id").values_list("id", flat=True)
    )
    pages, last = walk(user_api, f"/api/products/{product.pk}/movements/?cursor=&page_size=5")
    assert flat(pages) == expected
    assert last["count"] == len(expected)


def test_cursor_walks_the_events_whose_ids_are_uuids(admin_api):
    from django.utils import timezone

    from events.models import Event

    at = timezone.now()  # ties on created_at, broken by the uuid
    for n in range(7):
        Event.objects.create(type="stock.low", data={"n": n}, created_at=at)
    expected = [
        str(pk) for pk in Event.objects.order_by("-created_at", "-id").values_list("id", flat=True)
    ]
    pages, last = walk(admin_api, "/api/events/?cursor=&page_size=3")
    assert [len(p) for p in pages] == [3, 3, 1]
    assert flat(pages) == expected
    back, _ = walk(admin_api, last["previous"], link="previous")
    assert back == [expected[3:6], expected[0:3]]


def test_the_schema_documents_the_cursor(admin_api):
    schema = admin_api.get("/api/schema/?format=json").json()
    for path in (
        "/api/orders/",
        "/api/production/",
        "/api/invoices/",
        "/api/products/{id}/movements/",
        "/api/events/",
    ):
        names = [p["name"] for p in schema["paths"][path]["get"]["parameters"]]
        assert "cursor" in names, path
