import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import Customer
from customers.tests.factories import make_customer
from events.models import Event
from factory.models import IdempotencyRecord
from orders.invoicing import invoice_issue
from orders.models import Order, OrderItem
from orders.services import order_place
from products.models import Product, StockMovement
from products.services import stock_adjust
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/orders/"


def snapshot():
    """Everything an order could write: asserted unchanged after a failed request."""
    return (
        Order.objects.count(),
        OrderItem.objects.count(),
        StockMovement.objects.count(),
        sorted(Product.objects.values_list("pk", "stock")),
    )


@pytest.fixture
def stocked():
    customer = make_customer(name="Ada", email="ada@example.com", phone="555-1234")
    gear = make_product(name="Gear", sku="G-1", price=Decimal("12.50"), stock=10)
    bolt = make_product(name="Bolt", sku="B-1", price=Decimal("0.99"), stock=5)
    return customer, gear, bolt


def test_order_create_returns_the_full_read_shape(user_api, user_account, stocked):
    customer, gear, bolt = stocked
    response = user_api.post(
        URL,
        {
            "customer": customer.pk,
            "items": [{"product": gear.pk, "quantity": 3}, {"product": bolt.pk, "quantity": 5}],
            "notes": "rush",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    order = Order.objects.get()
    assert body == {
        "id": order.pk,
        "status": "placed",
        "created_at": body["created_at"],
        "created_by": user_account.username,
        "notes": "rush",
        "customer": {
            "id": customer.pk,
            "name": "Ada",
            "email": "ada@example.com",
            "phone": "555-1234",
        },
        "items": [
            {
                "product": {"id": gear.pk, "name": "Gear", "sku": "G-1", "stock": 7},
                "quantity": 3,
                "unit_price": "12.50",
                "line_total": "37.50",
            },
            {
                "product": {"id": bolt.pk, "name": "Bolt", "sku": "B-1", "stock": 0},
                "quantity": 5,
                "unit_price": "0.99",
                "line_total": "4.95",
            },
        ],
        "subtotal": "42.45",
        "tax_rate": "0.09",
        "tax": "3.82",
        "total": "46.27",
        "shipped_at": None,
        "delivered_at": None,
        "carrier": "",
        "tracking_number": "",
        "invoice": None,
    }
    assert datetime.datetime.fromisoformat(body["created_at"]).tzinfo is not None


def test_order_create_answers_and_records_what_the_order_reads_back_as(user_api, stocked):
    """The response and the `order.placed` event are rendered from the order as placing it left
    it in memory (orders.services._as_read), not read back: byte for byte what GET answers, with
    the new stock, a product without SKU, a customer's fields and notes as stored."""
    customer, gear, bolt = stocked
    nut = make_product(name="Nut", sku=None, price=Decimal("0.10"), stock=50, reorder_level=45)
    response = user_api.post(
        URL,
        {
            "customer": customer.pk,
            "items": [
                {"product": nut.pk, "quantity": 6},
                {"product": bolt.pk, "quantity": 2},
                {"product": gear.pk, "quantity": 1},
            ],
            "notes": "  to the loading dock ",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    read = user_api.get(f"{URL}{response.json()['id']}/")
    assert response.content == read.content
    assert [item["product"]["stock"] for item in read.json()["items"]] == [44, 3, 9]
    assert Event.objects.get(type="order.placed").data == read.json()
    assert Event.objects.get(type="stock.low").data["id"] == nut.pk  # 50 -> 44, level 45


def test_order_create_query_count(user_api, stocked, django_assert_max_num_queries):
    """Placing an order reads nothing back (31 before docs/bench.md's write-path round).
    Sign-in (2); the customer and each product (4); three savepoints made and released (6: in a
    test the view's transaction is one too); the order; the products locked, one UPDATE for all
    three, the ledger; the items and the totals; the event and the webhooks subscribed."""
    customer, gear, bolt = stocked
    nut = make_product(stock=50)
    items = [{"product": p.pk, "quantity": 1} for p in (gear, bolt, nut)]
    with django_assert_max_num_queries(20):
        response = user_api.post(URL, {"customer": customer.pk, "items": items}, format="json")
    assert response.status_code == 201, response.json()


def test_order_create_shortage_is_409_listing_every_item_and_changes_nothing(user_api, stocked):
    customer, gear, bolt = stocked
    before = snapshot()
    response = user_api.post(
        URL,
        {
            "customer": customer.pk,
            "items": [{"product": gear.pk, "quantity": 11}, {"product": bolt.pk, "quantity": 6}],
        },
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock" and body["detail"]
    assert body["items"] == [
        {"product": gear.pk, "requested": 11, "available": 10},
        {"product": bolt.pk, "requested": 6, "available": 5},
    ]
    assert snapshot() == before


def test_order_create_total_too_large_to_record_is_400_and_changes_nothing(user_api, stocked):
    customer, _, _ = stocked
    dear = make_product(name="Turbine", price=Decimal("9999999999.99"), stock=1000)
    before = snapshot()
    response = user_api.post(
        URL, {"customer": customer.pk, "items": [{"product": dear.pk, "quantity": 100}]}
    )
    assert response.status_code == 400
    assert "999999999999.99" in response.json()["items"][0]
    assert snapshot() == before
    # A total just under the largest is recorded exactly: 917,431,192.66 times 1,000 plus 9% tax.
    fits = make_product(name="Press", price=Decimal("917431192.66"), stock=1000)
    response = user_api.post(
        URL, {"customer": customer.pk, "items": [{"product": fits.pk, "quantity": 1000}]}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["total"] == "999999999999.40"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": 999999, "items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": "abc", "items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": "CUST.9", "items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": "'CUST'", "items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": True, "items": [{"product": "GEAR", "quantity": 1}]}, "customer"),
        ({"customer": "CUST"}, "items"),
        ({"customer": "CUST", "items": []}, "items"),
        ({"customer": "CUST", "items": "lots"}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR", "quantity": 0}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR", "quantity": -2}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR", "quantity": 10**30}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR", "quantity": "two"}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR", "quantity": 1.5}]}, "items"),
        ({"customer": "CUST", "items": [{"product": 999999, "quantity": 1}]}, "items"),
        ({"customer": "CUST", "items": [{"product": 10**30, "quantity": 1}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "GEAR.9", "quantity": 1}]}, "items"),
        ({"customer": "CUST", "items": [{"product": "'GEAR'", "quantity": 1}]}, "items"),
        ({"customer": "CUST", "items": [{"quantity": 1}]}, "items"),
        (
            {
                "customer": "CUST",
                "items": [{"product": "GEAR", "quantity": 1}, {"product": "GEAR", "quantity": 2}],
            },
            "items",
        ),
        (
            {
                "customer": "CUST",
                "items": [{"product": "GEAR", "quantity": 1}],
                "notes": "x" * 2001,
            },
            "notes",
        ),
    ],
)
def test_order_create_bad_input_is_400_and_changes_nothing(user_api, stocked, payload, field):
    customer, gear, _ = stocked

    ids = {"CUST": customer.pk, "GEAR": gear.pk}

    def resolve(value):  # "CUST" → its id, "CUST.9" → the id as 12.9, "'CUST'" → "12"
        if not isinstance(value, str):
            return value
        if value.endswith(".9") and value[:-2] in ids:
            return ids[value[:-2]] + 0.9
        if value.strip("'") in ids and value.startswith("'"):
            return str(ids[value.strip("'")])
        return ids.get(value, value)

    payload = {k: resolve(v) for k, v in payload.items()}
    if isinstance(payload.get("items"), list):
        payload["items"] = [{k: resolve(v) for k, v in item.items()} for item in payload["items"]]
    before = snapshot()
    response = user_api.post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert snapshot() == before


@pytest.mark.parametrize(
    "items",
    [
        lambda gear: [],
        lambda gear: "lots",
        lambda gear: [{"product": gear.pk, "quantity": 1}] * 101,
        lambda gear: [{"product": gear.pk, "quantity": 1}, {"product": gear.pk, "quantity": 2}],
    ],
    ids=["empty", "not-a-list", "too-many", "repeated"],
)
def test_order_create_items_refused_as_a_whole_read_as_a_list_of_messages(user_api, stocked, items):
    customer, gear, _ = stocked
    before = snapshot()
    response = user_api.post(URL, {"customer": customer.pk, "items": items(gear)}, format="json")
    assert response.status_code == 400
    errors = response.json()["items"]
    assert isinstance(errors, list) and all(isinstance(e, str) for e in errors), errors
    assert snapshot() == before


def test_order_create_malformed_json_is_400(user_api, stocked):
    before = snapshot()
    response = user_api.post(
        URL, data='{"customer": 1, "items": [', content_type="application/json"
    )
    assert response.status_code == 400 and "detail" in response.json()
    assert snapshot() == before


def test_orders_options_describe_the_order_body(user_api):
    response = user_api.options(URL)
    assert response.status_code == 200
    post = response.json()["actions"]["POST"]
    assert set(post) == {"customer", "items", "notes"}
    assert post["items"]["child"]["children"].keys() == {"product", "quantity"}


@pytest.mark.parametrize("caller", ["admin_api", "user_api"])
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_orders_are_immutable(request, admin_account, stocked, method, caller):
    customer, gear, _ = stocked
    order = order_place(customer=customer, items=[(gear, 1)], user=admin_account)
    api = request.getfixturevalue(caller)
    response = getattr(api, method)(f"{URL}{order.pk}/", {"notes": "changed"})
    assert response.status_code == 405  # for every role: no one may, so it is not a 403
    assert "detail" in response.json()
    assert Order.objects.get().notes == ""


def test_order_cancel_needs_change_permission(user_api, admin_api, user_account, stocked):
    customer, gear, _ = stocked
    order = order_place(customer=customer, items=[(gear, 4)], user=user_account)
    assert user_api.post(f"{URL}{order.pk}/cancel/").status_code == 403
    gear.refresh_from_db()
    assert gear.stock == 6

    response = admin_api.post(f"{URL}{order.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["items"][0]["product"]["stock"] == 10

    again = admin_api.post(f"{URL}{order.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "already_cancelled"
    gear.refresh_from_db()
    assert gear.stock == 10


def test_order_list_newest_first_with_filters(user_api, user_account, stocked):
    customer, gear, bolt = stocked
    other = make_customer()
    first = order_place(customer=customer, items=[(gear, 1)], user=user_account)
    second = order_place(customer=other, items=[(bolt, 1)], user=user_account)
    third = order_place(customer=customer, items=[(gear, 1), (bolt, 1)], user=user_account)
    Order.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    Order.objects.filter(pk=second.pk).update(status="cancelled")

    def ids(query=""):
        response = user_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    today = timezone.localdate(second.created_at)  # the orders' day, even if midnight passed since
    assert ids() == [third.pk, second.pk, first.pk]
    assert ids(f"customer={customer.pk}") == [third.pk, first.pk]
    assert ids("status=cancelled") == [second.pk]
    assert ids(f"product={bolt.pk}") == [third.pk, second.pk]
    assert ids(f"date_from={today}") == [third.pk, second.pk]
    assert ids(f"date_to={today - datetime.timedelta(days=1)}") == [first.pk]
    assert user_api.get(f"{URL}?date_from=yesterday").status_code == 400
    assert user_api.get(f"{URL}?status=lost").status_code == 400


def test_order_list_date_to_the_last_representable_day_is_unbounded(
    user_api, user_account, stocked
):
    """`date_to=9999-12-31` (the day after it has no datetime) filters nothing out."""
    customer, gear, bolt = stocked
    first = order_place(customer=customer, items=[(gear, 1)], user=user_account)
    second = order_place(customer=customer, items=[(bolt, 1)], user=user_account)
    Order.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    today = timezone.localdate()

    def ids(query):
        response = user_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("date_to=9999-12-31") == [second.pk, first.pk]
    assert ids(f"date_from={today}&date_to=9999-12-31") == [second.pk]


@pytest.mark.parametrize("page_size", [5, 50])
def test_order_list_query_count_is_constant(
    user_api, user_account, django_assert_max_num_queries, page_size
):
    customer = make_customer()
    products = [make_product(stock=1000) for _ in range(4)]
    for i in range(page_size):
        order = order_place(
            customer=customer,
            items=[(p, 1 + i % 3) for p in products[: 1 + i % 4]],
            user=user_account,
        )
        if i % 2:
            invoice_issue(order=order, user=user_account)
    # Sign-in (2), count, page, customers, items with products, invoices.
    with django_assert_max_num_queries(7):
        response = user_api.get(f"{URL}?page_size={page_size}")
    results = response.json()["results"]
    assert len(results) == page_size
    assert sum(row["invoice"] is not None for row in results) == page_size // 2


def test_order_anonymous_is_401(anon_api):
    assert anon_api.get(URL).status_code == 401
    assert anon_api.post(URL, {}).status_code == 401


# --- Idempotency-Key -----------------------------------------------------------


def order_body(customer, product, quantity=2):
    return {"customer": customer.pk, "items": [{"product": product.pk, "quantity": quantity}]}


def test_idempotent_replay_returns_first_response_without_acting(user_api, stocked):
    customer, gear, _ = stocked
    first = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    gear.refresh_from_db()
    stock_after_first = gear.stock
    replay = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert first.status_code == replay.status_code == 201
    assert replay.json() == first.json()
    assert Order.objects.count() == 1
    gear.refresh_from_db()
    assert gear.stock == stock_after_first == 8


def test_idempotent_same_key_different_body_is_422(user_api, stocked):
    customer, gear, _ = stocked
    user_api.post(URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    before = snapshot()
    response = user_api.post(
        URL, order_body(customer, gear, 3), format="json", HTTP_IDEMPOTENCY_KEY="k-2"
    )
    assert response.status_code == 422 and "detail" in response.json()
    assert snapshot() == before


def test_idempotent_repeat_while_first_runs_is_409(user_api, user_account, stocked):
    customer, gear, _ = stocked
    first = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    IdempotencyRecord.objects.filter(key="k-3").update(
        status_code=None, response_body=None
    )  # as if still running
    before = snapshot()
    response = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-3"
    )
    assert first.status_code == 201
    assert response.status_code == 409 and response.json()["code"] == "idempotency_in_progress"
    assert snapshot() == before


def test_idempotent_keys_are_per_user_and_expire(user_api, admin_api, stocked):
    customer, gear, _ = stocked
    assert (
        user_api.post(
            URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-4"
        ).status_code
        == 201
    )
    assert (
        admin_api.post(
            URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-4"
        ).status_code
        == 201
    )
    assert Order.objects.count() == 2
    IdempotencyRecord.objects.update(created_at=timezone.now() - datetime.timedelta(hours=25))
    assert (
        user_api.post(
            URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-4"
        ).status_code
        == 201
    )
    assert Order.objects.count() == 3


def test_idempotent_refusal_is_replayed_even_after_stock_arrives(user_api, stocked):
    customer, gear, _ = stocked
    short = user_api.post(
        URL, order_body(customer, gear, 99), format="json", HTTP_IDEMPOTENCY_KEY="k-5"
    )
    assert short.status_code == 409 and short.json()["code"] == "insufficient_stock"
    stock_adjust(product=gear, delta=100)
    before = snapshot()
    replay = user_api.post(
        URL, order_body(customer, gear, 99), format="json", HTTP_IDEMPOTENCY_KEY="k-5"
    )
    assert replay.status_code == 409 and replay.json() == short.json()
    assert snapshot() == before
    # A new attempt takes a new key.
    fresh = user_api.post(
        URL, order_body(customer, gear, 99), format="json", HTTP_IDEMPOTENCY_KEY="k-5b"
    )
    assert fresh.status_code == 201


def test_idempotent_invalid_request_is_replayed(user_api, stocked):
    customer, _, _ = stocked
    body = {"customer": customer.pk, "items": []}
    first = user_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    replay = user_api.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-6")
    assert first.status_code == replay.status_code == 400
    assert replay.json() == first.json()
    assert IdempotencyRecord.objects.get(key="k-6").status_code == 400


def test_idempotent_server_failure_releases_the_key(user_api, stocked, monkeypatch):
    from django.db import OperationalError

    from orders import services

    customer, gear, _ = stocked

    def database_gone(**kwargs):
        raise OperationalError(2006, "MySQL server has gone away")

    with monkeypatch.context() as patched:
        patched.setattr(services, "order_place", database_gone)
        failed = user_api.post(
            URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-7"
        )
    assert failed.status_code == 503
    assert not IdempotencyRecord.objects.exists()
    # Same key again once the database is back: it acts, since the failure wrote nothing.
    retried = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k-7"
    )
    assert retried.status_code == 201 and Order.objects.count() == 1


def test_idempotency_key_too_long_is_400(user_api, stocked):
    customer, gear, _ = stocked
    before = snapshot()
    response = user_api.post(
        URL, order_body(customer, gear), format="json", HTTP_IDEMPOTENCY_KEY="k" * 256
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert snapshot() == before


def test_without_idempotency_key_every_post_acts(user_api, stocked):
    customer, gear, _ = stocked
    user_api.post(URL, order_body(customer, gear), format="json")
    user_api.post(URL, order_body(customer, gear), format="json")
    assert Order.objects.count() == 2


def test_customer_with_orders_cannot_be_deleted(admin_api, admin_account, client, stocked):
    customer, gear, _ = stocked
    order_place(customer=customer, items=[(gear, 1)], user=admin_account)
    response = admin_api.delete(f"/api/customers/{customer.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "in_use" and "has orders" in response.json()["detail"]
    client.force_login(admin_account)
    client.post(
        "/admin/customers/customer/",
        {"action": "delete_selected", "_selected_action": [customer.pk], "post": "yes"},
    )
    client.post(f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"})
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_product_on_orders_cannot_be_deleted(admin_api, admin_account, stocked):
    customer, gear, _ = stocked
    order_place(customer=customer, items=[(gear, 1)], user=admin_account)
    response = admin_api.delete(f"/api/products/{gear.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert Product.objects.filter(pk=gear.pk).exists() and gear.movements.count() == 2
