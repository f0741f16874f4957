"""SPEC §16: placed → shipped → delivered, cancelled from placed only, through the API."""

from decimal import Decimal

import pytest

from accounts.tests.factories import bearer, make_account, make_role, token_pair
from customers.tests.factories import make_customer
from orders.invoicing import invoice_issue
from orders.models import Invoice, Order
from orders.services import order_deliver, order_place, order_ship
from products.models import Product, StockMovement
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


def orders_state():
    """Everything fulfilment could write: asserted unchanged after a refused request."""
    return (
        sorted(
            Order.objects.values_list(
                "pk", "status", "shipped_at", "delivered_at", "carrier", "tracking_number"
            )
        ),
        sorted(Product.objects.values_list("pk", "stock")),
        StockMovement.objects.count(),
        Invoice.objects.count(),
    )


@pytest.fixture
def api_with_permissions(db):
    def api(*permissions):
        return bearer(token_pair(make_account(role=make_role(*permissions)))[0])

    return api


@pytest.fixture
def order(user_account):
    return order_place(
        customer=make_customer(),
        items=[(make_product(stock=10, price=Decimal("5.00")), 2)],
        user=user_account,
    )


def url(order, action):
    return f"/api/orders/{order.pk}/{action}/"


def test_ship_then_deliver_moves_the_status_and_shows_it(user_api, order):
    response = user_api.post(url(order, "ship"), {"carrier": "DHL", "tracking_number": "JD0142"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "shipped"
    assert body["carrier"] == "DHL" and body["tracking_number"] == "JD0142"
    assert body["shipped_at"] is not None and body["delivered_at"] is None

    response = user_api.post(url(order, "deliver"))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "delivered" and body["delivered_at"] is not None
    detail = user_api.get(f"/api/orders/{order.pk}/").json()
    assert detail["status"] == "delivered" and detail["carrier"] == "DHL"
    assert detail["shipped_at"] <= detail["delivered_at"]


def test_ship_without_a_body_leaves_carrier_and_tracking_blank(user_api, order):
    response = user_api.post(url(order, "ship"))
    assert response.status_code == 200
    assert response.json()["carrier"] == "" and response.json()["tracking_number"] == ""


def test_ship_a_too_long_carrier_is_400_and_changes_nothing(user_api, order):
    before = orders_state()
    response = user_api.post(url(order, "ship"), {"carrier": "x" * 101})
    assert response.status_code == 400 and "carrier" in response.json()
    assert orders_state() == before


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
def test_ship_anything_but_placed_is_409_invalid_status(admin_api, admin_account, order, status):
    if status == "cancelled":
        assert admin_api.post(url(order, "cancel")).status_code == 200
    else:
        order_ship(order=order)
        if status == "delivered":
            order_deliver(order=order)
    before = orders_state()
    response = admin_api.post(url(order, "ship"), {"carrier": "UPS"})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_status"
    assert status in response.json()["detail"]
    assert orders_state() == before


@pytest.mark.parametrize("status", ["placed", "delivered", "cancelled"])
def test_deliver_anything_but_shipped_is_409_invalid_status(admin_api, order, status):
    if status == "cancelled":
        assert admin_api.post(url(order, "cancel")).status_code == 200
    elif status == "delivered":
        order_ship(order=order)
        order_deliver(order=order)
    before = orders_state()
    response = admin_api.post(url(order, "deliver"))
    assert response.status_code == 409 and response.json()["code"] == "invalid_status"
    assert orders_state() == before


@pytest.mark.parametrize("status", ["shipped", "delivered"])
def test_cancel_a_shipped_or_delivered_order_is_409_already_shipped(admin_api, order, status):
    order_ship(order=order)
    if status == "delivered":
        order_deliver(order=order)
    before = orders_state()
    response = admin_api.post(url(order, "cancel"))
    assert response.status_code == 409 and response.json()["code"] == "already_shipped"
    assert orders_state() == before


def test_cancel_an_invoiced_order_is_409_invoiced_and_keeps_its_stock(
    admin_api, admin_account, order
):
    invoice_issue(order=order, user=admin_account)
    before = orders_state()
    response = admin_api.post(url(order, "cancel"))
    assert response.status_code == 409 and response.json()["code"] == "invoiced"
    assert orders_state() == before


def test_ship_and_deliver_need_ship_order(api_with_permissions, order):
    api = api_with_permissions("orders.view_order", "orders.change_order")
    assert api.post(url(order, "ship")).status_code == 403
    api = api_with_permissions("orders.view_order", "orders.ship_order")
    assert api.post(url(order, "ship")).status_code == 200
    assert api.post(url(order, "deliver")).status_code == 200


def test_ship_unknown_order_is_404(user_api):
    assert user_api.post("/api/orders/999999/ship/").status_code == 404


def test_status_filter_accepts_every_status(admin_api, admin_account, order):
    customer, product = make_customer(), make_product(stock=10)
    orders = {
        status: order_place(customer=customer, items=[(product, 1)], user=admin_account)
        for status in ("shipped", "delivered", "cancelled")
    }
    order_ship(order=orders["shipped"])
    order_ship(order=orders["delivered"])
    order_deliver(order=orders["delivered"])
    assert admin_api.post(url(orders["cancelled"], "cancel")).status_code == 200
    orders["placed"] = order
    for status, expected in orders.items():
        response = admin_api.get(f"/api/orders/?status={status}")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [expected.pk], status
    assert admin_api.get("/api/orders/?status=lost").status_code == 400


def test_shipped_and_delivered_orders_still_count_as_sales(admin_api, admin_account):
    customer = make_customer()
    product = make_product(stock=10, price=Decimal("10.00"))
    _placed, shipped, delivered, cancelled = (
        order_place(customer=customer, items=[(product, 1)], user=admin_account) for _ in range(4)
    )
    order_ship(order=shipped)
    order_ship(order=delivered)
    order_deliver(order=delivered)
    admin_api.post(url(cancelled, "cancel"))
    top = admin_api.get("/api/reports/top-selling-products/").json()["results"]
    assert top == [
        {
            "product_id": product.pk,
            "product_name": product.name,
            "total_quantity": 3,
            "revenue": "30.00",
        }
    ]
    clv = admin_api.get("/api/reports/customer-lifetime-value/").json()["results"]
    assert clv[0]["orders_count"] == 3 and clv[0]["lifetime_value"] == "32.70"


@pytest.mark.parametrize(
    "body",
    [
        ["not", "an", "object"],
        {"carrier": ["a list"]},
        {"tracking_number": {"an": "object"}},
        {"carrier": "x" * 101},
        {"tracking_number": "x" * 101},
    ],
)
def test_ship_bad_bodies_are_400_json_and_change_nothing(user_api, order, body):
    before = orders_state()
    response = user_api.post(url(order, "ship"), body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert orders_state() == before


def test_mark_paid_bad_bodies_are_400_json_and_change_nothing(admin_api, user_account, order):
    invoice = invoice_issue(order=order, user=user_account)
    before = orders_state(), list(Invoice.objects.values_list("status", "paid_on"))
    for body in (["x"], {"paid_on": ["2026-01-01"]}, {"paid_on": "9999-99-99"}, {"paid_on": None}):
        response = admin_api.post(f"/api/invoices/{invoice.pk}/mark-paid/", body, format="json")
        assert response.status_code == 400, body
        assert response["Content-Type"].startswith("application/json")
    assert (orders_state(), list(Invoice.objects.values_list("status", "paid_on"))) == before
