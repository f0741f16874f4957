"""SPEC §15 over the API: `average_cost` read-only, `unit_cost` on initial stock and on adjust."""

from decimal import Decimal

import pytest

from products.models import Product, StockMovement
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/products/"

BAD_COSTS = [
    "-0.0001",  # below zero
    "1.00001",  # five places
    "100000000.0000",  # more digits than a cost holds (12)
    "cheap",
    1.5,  # a float, not a decimal string (factory/api/strict.py)
    True,
    [],
]


def state():
    return (
        sorted(Product.objects.values_list("pk", "name", "stock", "average_cost")),
        sorted(StockMovement.objects.values_list("pk", "delta", "unit_cost")),
    )


def test_create_with_initial_stock_and_unit_cost_sets_the_average(user_api):
    response = user_api.post(
        URL,
        {"name": "Gear", "price": "9.90", "initial_stock": 8, "unit_cost": "1.2345"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["average_cost"] == "1.2345" and "unit_cost" not in body
    movement = StockMovement.objects.get(product_id=body["id"])
    assert (movement.reason, movement.delta, movement.unit_cost) == (
        "initial",
        8,
        Decimal("1.2345"),
    )


def test_create_without_a_cost_has_average_zero(user_api):
    response = user_api.post(URL, {"name": "Gear", "price": "9.90", "initial_stock": 2})
    assert response.status_code == 201 and response.json()["average_cost"] == "0.0000"


def test_create_with_a_cost_but_no_initial_stock_is_400_and_creates_nothing(user_api):
    for body in (
        {"name": "Gear", "price": "1.00", "unit_cost": "2.0000"},
        {"name": "Gear", "price": "1.00", "unit_cost": "2.0000", "initial_stock": 0},
    ):
        response = user_api.post(URL, body, format="json")
        assert response.status_code == 400 and "unit_cost" in response.json(), response.json()
    assert not Product.objects.exists() and not StockMovement.objects.exists()


@pytest.mark.parametrize("cost", BAD_COSTS)
def test_create_with_a_bad_cost_is_400_and_creates_nothing(user_api, cost):
    response = user_api.post(
        URL,
        {"name": "Gear", "price": "1.00", "initial_stock": 3, "unit_cost": cost},
        format="json",
    )
    assert response.status_code == 400 and "unit_cost" in response.json(), response.json()
    assert not Product.objects.exists() and not StockMovement.objects.exists()


def test_average_cost_is_read_only_on_create_and_update(admin_api):
    user_api = admin_api  # updating a product is the admin's
    response = user_api.post(
        URL, {"name": "Gear", "price": "1.00", "average_cost": "5.0000"}, format="json"
    )
    assert response.status_code == 201 and response.json()["average_cost"] == "0.0000"
    pk = response.json()["id"]
    for method in (user_api.patch, user_api.put):
        response = method(
            f"{URL}{pk}/",
            {"name": "Gear", "price": "1.00", "average_cost": "5.0000", "unit_cost": "3.0000"},
            format="json",
        )
        assert response.status_code == 200 and response.json()["average_cost"] == "0.0000"
    assert Product.objects.get(pk=pk).average_cost == 0 and not StockMovement.objects.exists()


def test_adjust_with_a_cost_moves_the_average(admin_api):
    product = make_product(stock=4, unit_cost=Decimal("1.0000"))
    response = admin_api.post(
        f"{URL}{product.pk}/adjust/", {"delta": 6, "unit_cost": "2.0000"}, format="json"
    )
    assert response.status_code == 200, response.json()
    # (4 x 1 + 6 x 2) / 10 = 1.6
    assert response.json()["average_cost"] == "1.6000" and response.json()["stock"] == 10
    ledger = admin_api.get(f"{URL}{product.pk}/movements/").json()["results"]
    assert [(row["delta"], row["unit_cost"]) for row in ledger] == [(6, "2.0000"), (4, "1.0000")]


def test_adjust_without_a_cost_is_at_the_average(admin_api):
    product = make_product(stock=4, unit_cost=Decimal("1.5000"))
    for delta in (3, -2):
        response = admin_api.post(f"{URL}{product.pk}/adjust/", {"delta": delta}, format="json")
        assert response.status_code == 200 and response.json()["average_cost"] == "1.5000"
    assert StockMovement.objects.filter(product=product).first().unit_cost == Decimal("1.5000")


def test_adjust_negative_delta_with_a_cost_is_400_and_writes_nothing(admin_api):
    product = make_product(stock=4, unit_cost=Decimal("1.0000"))
    before = state()
    response = admin_api.post(
        f"{URL}{product.pk}/adjust/", {"delta": -1, "unit_cost": "2.0000"}, format="json"
    )
    assert response.status_code == 400 and "unit_cost" in response.json(), response.json()
    assert state() == before


@pytest.mark.parametrize("cost", BAD_COSTS)
def test_adjust_with_a_bad_cost_is_400_and_writes_nothing(admin_api, cost):
    product = make_product(stock=4, unit_cost=Decimal("1.0000"))
    before = state()
    response = admin_api.post(
        f"{URL}{product.pk}/adjust/", {"delta": 1, "unit_cost": cost}, format="json"
    )
    assert response.status_code == 400 and "unit_cost" in response.json(), response.json()
    assert state() == before


def test_adjust_with_a_null_cost_is_at_the_average(admin_api):
    product = make_product(stock=4, unit_cost=Decimal("1.0000"))
    response = admin_api.post(
        f"{URL}{product.pk}/adjust/", {"delta": 1, "unit_cost": None}, format="json"
    )
    assert response.status_code == 200 and response.json()["average_cost"] == "1.0000"


def test_products_read_shape_has_average_cost(user_api):
    make_product(stock=2, unit_cost=Decimal("0.3333"))
    row = user_api.get(URL).json()["results"][0]
    assert row["average_cost"] == "0.3333"
