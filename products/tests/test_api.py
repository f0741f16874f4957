from decimal import Decimal

import pytest

from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db
URL = "/api/products/"


def detail(product) -> str:
    return f"{URL}{product.pk}/"


def test_product_create_with_initial_stock_records_it_on_the_ledger(user_api):
    response = user_api.post(
        URL, {"name": "Gear", "sku": "G-1", "price": "9.90", "initial_stock": 7, "stock": 500}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["stock"] == 7 and body["price"] == "9.90" and body["reorder_level"] == 0
    assert "initial_stock" not in body
    product = Product.objects.get(pk=body["id"])
    assert [(m.delta, m.reason) for m in product.movements.all()] == [(7, "initial")]


def test_product_create_without_stock_has_empty_ledger(user_api):
    response = user_api.post(URL, {"name": "Bolt", "price": "0.10"})
    assert response.status_code == 201
    assert response.json()["stock"] == 0 and response.json()["sku"] is None
    assert StockMovement.objects.count() == 0


def test_product_price_negative_zero_is_stored_as_zero(user_api):
    response = user_api.post(URL, {"name": "Free sample", "price": "-0.00"})
    assert response.status_code == 201 and response.json()["price"] == "0.00"
    assert str(Product.objects.get(name="Free sample").price) == "0.00"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": "1.00"}, "name"),
        ({"name": "X"}, "price"),
        ({"name": "X", "price": "-0.01"}, "price"),
        ({"name": "X", "price": "1.234"}, "price"),
        ({"name": "X", "price": "1e20"}, "price"),
        ({"name": "X", "price": "abc"}, "price"),
        ({"name": "X" * 201, "price": "1.00"}, "name"),
        ({"name": "X", "price": "1.00", "sku": "S" * 65}, "sku"),
        ({"name": "X", "price": "1.00", "reorder_level": -1}, "reorder_level"),
        ({"name": "X", "price": "1.00", "reorder_level": 10**30}, "reorder_level"),
        ({"name": "X", "price": "1.00", "initial_stock": -5}, "initial_stock"),
        ({"name": "X", "price": "1.00", "initial_stock": "many"}, "initial_stock"),
        ({"name": "Taken", "price": "1.00"}, "name"),
        ({"name": "X", "price": "1.00", "sku": "TAKEN"}, "sku"),
    ],
)
def test_product_create_bad_input_is_400_naming_the_field(user_api, payload, field):
    make_product(name="Taken", sku="TAKEN", stock=1)
    response = user_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json()
    assert Product.objects.count() == 1 and StockMovement.objects.count() == 1


def test_product_unicode_name_round_trips(user_api):
    response = user_api.post(URL, {"name": "Zahnrad ⚙️ 歯車", "price": "3.00"})
    assert response.status_code == 201
    assert user_api.get(f"{URL}{response.json()['id']}/").json()["name"] == "Zahnrad ⚙️ 歯車"


def test_product_update_ignores_stock_and_initial_stock(admin_api):
    product = make_product(stock=4)
    response = admin_api.patch(
        detail(product), {"price": "20.00", "stock": 99, "initial_stock": 50}
    )
    assert response.status_code == 200
    assert response.json()["stock"] == 4 and response.json()["price"] == "20.00"
    product.refresh_from_db()
    assert product.stock == 4 and ledger_sum(product) == 4


def test_product_user_role_cannot_change_or_delete(user_api):
    product = make_product()
    assert user_api.patch(detail(product), {"price": "1.00"}).status_code == 403
    assert user_api.delete(detail(product)).status_code == 403
    assert user_api.post(f"{detail(product)}adjust/", {"delta": 5}).status_code == 403
    product.refresh_from_db()
    assert product.price == Decimal("12.50") and product.stock == 0


def test_product_anonymous_gets_401(anon_api):
    assert anon_api.get(URL).status_code == 401


def test_product_delete_removes_product_and_its_ledger(admin_api):
    product = make_product(stock=3)
    assert admin_api.delete(detail(product)).status_code == 204
    assert not Product.objects.exists() and not StockMovement.objects.exists()


def test_product_filters_search_and_ordering(user_api):
    make_product(name="Alpha gear", sku="A1", price=Decimal("5.00"), stock=0, reorder_level=0)
    make_product(name="Beta gear", sku="B1", price=Decimal("15.00"), stock=3, reorder_level=5)
    make_product(name="Gamma bolt", sku="C1", price=Decimal("25.00"), stock=9, reorder_level=2)

    def names(query):
        response = user_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names("search=gear") == ["Alpha gear", "Beta gear"]
    assert names("search=C1") == ["Gamma bolt"]
    assert names("min_price=10&max_price=20") == ["Beta gear"]
    assert names("in_stock=true") == ["Beta gear", "Gamma bolt"]
    assert names("in_stock=false") == ["Alpha gear"]
    # Alpha is out of stock but has no reorder level: not low, as in the low-stock report.
    assert names("low_stock=true") == ["Beta gear"]
    assert names("low_stock=false") == ["Alpha gear", "Gamma bolt"]
    assert names("ordering=-price") == ["Gamma bolt", "Beta gear", "Alpha gear"]
    assert names("ordering=stock") == ["Alpha gear", "Beta gear", "Gamma bolt"]
    assert user_api.get(f"{URL}?min_price=cheap").status_code == 400


def test_product_list_is_paginated_and_clamped(user_api, django_assert_max_num_queries):
    for _ in range(105):
        make_product()
    with django_assert_max_num_queries(6):
        body = user_api.get(f"{URL}?page_size=500").json()
    assert body["count"] == 105 and len(body["results"]) == 100 and body["next"]
    assert len(user_api.get(URL).json()["results"]) == 10


def test_product_adjust_changes_stock_and_writes_ledger(admin_api, admin_account):
    product = make_product(stock=2)
    response = admin_api.post(f"{detail(product)}adjust/", {"delta": 5, "note": "found a crate"})
    assert response.status_code == 200
    assert response.json()["stock"] == 7
    movement = product.movements.first()
    assert (movement.delta, movement.reason, movement.note, movement.created_by) == (
        5,
        "adjustment",
        "found a crate",
        admin_account,
    )


def test_product_adjust_below_zero_is_409_and_changes_nothing(admin_api):
    product = make_product(stock=2)
    response = admin_api.post(f"{detail(product)}adjust/", {"delta": -3})
    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Not enough stock for {product.name} (id {product.pk}): 3 requested, 2 available.",
        "code": "insufficient_stock",
        "items": [{"product": product.pk, "requested": 3, "available": 2}],
    }
    product.refresh_from_db()
    assert product.stock == 2 and product.movements.count() == 1


@pytest.mark.parametrize("delta", [0, "x", None, 10**12, 1.5])
def test_product_adjust_bad_delta_is_400(admin_api, delta):
    product = make_product(stock=2)
    response = admin_api.post(f"{detail(product)}adjust/", {"delta": delta}, format="json")
    assert response.status_code == 400 and "delta" in response.json()
    product.refresh_from_db()
    assert product.stock == 2


def test_product_movements_newest_first_paginated(user_api, django_assert_max_num_queries):
    from products.services import stock_adjust

    product = make_product(stock=1)
    for delta in range(1, 13):
        stock_adjust(product=product, delta=delta)
    with django_assert_max_num_queries(6):
        response = user_api.get(f"{detail(product)}movements/?page_size=5")
    body = response.json()
    assert response.status_code == 200 and body["count"] == 13
    assert [row["delta"] for row in body["results"]] == [12, 11, 10, 9, 8]
    assert set(body["results"][0]) == {
        "id",
        "product",
        "delta",
        "reason",
        "reference",
        "note",
        "unit_cost",
        "created_at",
        "created_by",
    }


def test_product_movements_unknown_product_is_404(user_api):
    assert user_api.get(f"{URL}999/movements/").status_code == 404


def test_product_boolean_filters_refuse_unknown_values(user_api):
    response = user_api.get(f"{URL}?in_stock=maybe")
    assert response.status_code == 400 and "in_stock" in response.json()


def test_product_ordering_ties_break_by_id(user_api):
    made = [make_product(price=Decimal("5.00")) for _ in range(4)]
    rows = user_api.get(f"{URL}?ordering=-price&page_size=2").json()["results"]
    rows += user_api.get(f"{URL}?ordering=-price&page_size=2&page=2").json()["results"]
    assert [row["id"] for row in rows] == [p.pk for p in made]


def test_low_stock_filter_is_the_low_stock_report(user_api):
    """`?low_stock=true` lists the very products of `GET /api/reports/low-stock/` (SPEC §5)."""
    make_product(name="Unwatched", stock=0, reorder_level=0)
    make_product(name="At level", stock=5, reorder_level=5)
    make_product(name="Below", stock=1, reorder_level=4)
    make_product(name="Above", stock=9, reorder_level=2)
    listed = {row["name"] for row in user_api.get(f"{URL}?low_stock=true").json()["results"]}
    report = user_api.get("/api/reports/low-stock/").json()
    reported = {row["product_name"] for row in report.get("results", report)}
    assert listed == reported == {"At level", "Below"}
