"""SPEC §13 over the API on any database: BOMs, consuming production, requirements, bad input."""

import pytest

from employees.tests.factories import make_employee
from production.models import BOM, BOMLine, ProductionRecord
from production.services import bom_activate, bom_create, production_create
from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db
BOMS = "/api/boms/"
PRODUCTION = "/api/production/"


def state():
    """Everything a refused request must leave as it was."""
    return (
        sorted(BOM.objects.values_list("pk", "product_id", "version", "status", "notes")),
        sorted(BOMLine.objects.values_list("pk", "bom_id", "component_id", "quantity")),
        sorted(ProductionRecord.objects.values_list("pk", "product_id", "quantity", "bom_id")),
        sorted(Product.objects.values_list("pk", "stock")),
        StockMovement.objects.count(),
    )


@pytest.fixture
def kit(admin_account):
    """A table made of 4 legs and 1 top, with 40 legs and 10 tops in stock."""
    table = make_product(name="Table")
    leg = make_product(name="Leg", stock=40, unit="pcs")
    top = make_product(name="Top", stock=10)
    bom = bom_create(product=table, lines=[(leg, 4), (top, 1)], user=admin_account)
    return table, leg, top, bom


def lines(*pairs):
    return [{"component": c.pk, "quantity": q} for c, q in pairs]


def produce(api, product, quantity, employee=None):
    employee = employee or make_employee()
    return api.post(
        PRODUCTION,
        {"product": product.pk, "employee": employee.pk, "quantity": quantity},
        format="json",
    )


def assert_ledgers_hold(*products):
    for product in products:
        product.refresh_from_db()
        assert product.stock == ledger_sum(product)


def stocks(*products):
    return [Product.objects.get(pk=p.pk).stock for p in products]


# BOMs


def test_bom_create_assigns_versions_per_product(user_api):
    table, leg = make_product(name="Table"), make_product(name="Leg")
    first = user_api.post(BOMS, {"product": table.pk, "lines": lines((leg, 4))}, format="json")
    second = user_api.post(BOMS, {"product": table.pk, "notes": "v2"}, format="json")
    other = user_api.post(BOMS, {"product": leg.pk}, format="json")
    assert first.status_code == second.status_code == other.status_code == 201, first.json()
    body = first.json()
    assert body["version"] == 1 and body["status"] == "draft" and body["locked"] is False
    assert body["lines"] == [
        {"id": body["lines"][0]["id"], "component": leg.pk, "component_name": "Leg", "quantity": 4}
    ]
    assert body["created_by"] == "clerk" and body["product_name"] == "Table"
    assert second.json()["version"] == 2 and other.json()["version"] == 1


def test_bom_activate_archives_the_previous_one(admin_api, kit, admin_account):
    _table, leg, top, bom = kit
    response = admin_api.post(f"{BOMS}{bom.pk}/activate/")
    assert response.status_code == 200 and response.json()["status"] == "active"
    newer = admin_api.post(f"{BOMS}{bom.pk}/copy/").json()
    assert newer["version"] == 2 and newer["status"] == "draft"
    assert [line["component"] for line in newer["lines"]] == [leg.pk, top.pk]
    assert admin_api.post(f"{BOMS}{newer['id']}/activate/").json()["status"] == "active"
    assert dict(BOM.objects.values_list("version", "status")) == {1: "archived", 2: "active"}
    # Activating the active one again changes nothing; an archived one can come back.
    assert admin_api.post(f"{BOMS}{newer['id']}/activate/").status_code == 200
    assert admin_api.post(f"{BOMS}{bom.pk}/activate/").status_code == 200
    assert dict(BOM.objects.values_list("version", "status")) == {1: "active", 2: "archived"}


def test_bom_activate_needs_change_bom(user_api, kit):
    *_, bom = kit
    before = state()
    assert user_api.post(f"{BOMS}{bom.pk}/activate/").status_code == 403
    assert state() == before


def test_bom_filters_product_status_and_where_used(user_api, kit, admin_account):
    _table, leg, top, bom = kit
    chair = make_product(name="Chair")
    chair_bom = bom_create(product=chair, lines=[(leg, 4)], user=admin_account)
    bom_activate(bom=chair_bom)

    def ids(query):
        response = user_api.get(f"{BOMS}?{query}")
        assert response.status_code == 200, response.json()
        return sorted(row["id"] for row in response.json()["results"])

    assert ids(f"component={leg.pk}") == sorted([bom.pk, chair_bom.pk])
    assert ids(f"component={top.pk}") == [bom.pk]
    assert ids(f"product={chair.pk}") == [chair_bom.pk]
    assert ids("status=active") == [chair_bom.pk]
    assert user_api.get(f"{BOMS}?component=999999").status_code == 400
    assert user_api.get(f"{BOMS}?status=bogus").status_code == 400


def test_bom_cycle_at_any_depth_is_refused_naming_its_products(admin_api, admin_account):
    a, b, c = (make_product(name=n) for n in ("Alpha", "Bravo", "Charlie"))
    bom_activate(bom=bom_create(product=a, lines=[(b, 1)], user=admin_account))
    bom_activate(bom=bom_create(product=b, lines=[(c, 2)], user=admin_account))
    closing = bom_create(product=c, lines=[(a, 1)], user=admin_account)
    before = state()
    response = admin_api.post(f"{BOMS}{closing.pk}/activate/")
    assert response.status_code == 400
    message = response.json()["lines"][0]
    assert "cycle" in message
    for product in (a, b, c):
        assert f"{product.name} (id {product.pk})" in message
    assert state() == before
    # A draft that would close the cycle is fine as long as it is not active.
    assert BOM.objects.get(pk=closing.pk).status == "draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (lambda t, c: {"product": t.pk, "lines": [{"component": t.pk, "quantity": 1}]}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": lines((c, 1), (c, 2))}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": lines((c, 0))}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": lines((c, -3))}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": lines((c, 10**12))}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": [{"component": c.pk, "quantity": 1.5}]}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": [{"component": c.pk, "quantity": "2"}]}, "lines"),
        (lambda t, c: {"product": t.pk, "lines": [{"component": 999999, "quantity": 1}]}, "lines"),
        (lambda t, c: {"product": 999999, "lines": lines((c, 1))}, "product"),
        (lambda t, c: {"product": t.pk, "lines": "nope"}, "lines"),
        (lambda t, c: {"lines": lines((c, 1))}, "product"),
    ],
)
def test_bom_bad_input_is_a_400_writing_nothing(user_api, body, field):
    table, component = make_product(name="T"), make_product(name="C")
    before = state()
    response = user_api.post(BOMS, body(table, component), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert state() == before


def test_bom_activate_empty_is_a_400(admin_api, admin_account):
    bom = bom_create(product=make_product(), lines=[], user=admin_account)
    before = state()
    response = admin_api.post(f"{BOMS}{bom.pk}/activate/")
    assert response.status_code == 400 and "empty" in response.json()["lines"][0]
    assert state() == before


def test_bom_draft_is_editable_and_deletable(admin_api, kit):
    _table, leg, _top, bom = kit
    response = admin_api.patch(
        f"{BOMS}{bom.pk}/", {"lines": lines((leg, 3)), "notes": "lighter"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert [(r["component"], r["quantity"]) for r in response.json()["lines"]] == [(leg.pk, 3)]
    assert response.json()["notes"] == "lighter"
    assert admin_api.delete(f"{BOMS}{bom.pk}/").status_code == 204
    assert not BOM.objects.exists() and not BOMLine.objects.exists()


def test_bom_used_by_production_is_locked(admin_api, kit, admin_account):
    table, leg, _top, bom = kit
    bom_activate(bom=bom)
    assert produce(admin_api, table, 1).status_code == 201
    assert admin_api.get(f"{BOMS}{bom.pk}/").json()["locked"] is True
    before = state()
    for response in (
        admin_api.patch(f"{BOMS}{bom.pk}/", {"lines": lines((leg, 1))}, format="json"),
        admin_api.patch(f"{BOMS}{bom.pk}/", {"product": make_product().pk}, format="json"),
        admin_api.delete(f"{BOMS}{bom.pk}/"),
    ):
        assert response.status_code == 409, response.json()
        assert response.json()["code"] == "bom_locked"
    assert state()[:3] == before[:3]
    # Notes may still change; a copy is the way to change the lines.
    assert admin_api.patch(f"{BOMS}{bom.pk}/", {"notes": "n"}, format="json").status_code == 200
    assert admin_api.post(f"{BOMS}{bom.pk}/copy/").status_code == 201


def test_product_that_is_a_component_cannot_be_deleted(admin_api, kit):
    _table, leg, _top, _bom = kit
    before = state()
    response = admin_api.delete(f"/api/products/{leg.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert state() == before


# Production that consumes


def test_production_consumes_the_active_bom(admin_api, kit):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    response = produce(admin_api, table, 3)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["bom"] == bom.pk
    assert body["consumed"] == [
        {"component": leg.pk, "quantity": 12},
        {"component": top.pk, "quantity": 3},
    ]
    assert stocks(table, leg, top) == [3, 28, 7]
    reference = f"production:{body['id']}"
    rows = StockMovement.objects.filter(reference=reference)
    assert sorted(rows.values_list("product_id", "delta", "reason")) == sorted(
        [(table.pk, 3, "production"), (leg.pk, -12, "consumption"), (top.pk, -3, "consumption")]
    )
    assert_ledgers_hold(table, leg, top)


def test_production_shortage_lists_every_short_component(admin_api, kit):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    before = state()
    response = produce(admin_api, table, 11)  # needs 44 legs (40) and 11 tops (10)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "insufficient_stock"
    assert body["items"] == [
        {"product": leg.pk, "requested": 44, "available": 40},
        {"product": top.pk, "requested": 11, "available": 10},
    ]
    assert state() == before


def test_production_without_active_bom_consumes_nothing(admin_api, kit):
    table, leg, top, _bom = kit  # a draft only
    body = produce(admin_api, table, 2).json()
    assert body["bom"] is None and body["consumed"] == []
    assert stocks(table, leg, top) == [2, 40, 10]


def test_production_change_and_delete_use_the_records_own_version(admin_api, kit, admin_account):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    record = produce(admin_api, table, 2).json()  # 8 legs, 2 tops
    # A newer version takes 1 leg only; the record keeps using version 1.
    bom_activate(bom=bom_create(product=table, lines=[(leg, 1)], user=admin_account))
    response = admin_api.patch(f"{PRODUCTION}{record['id']}/", {"quantity": 5}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["consumed"] == [
        {"component": leg.pk, "quantity": 20},
        {"component": top.pk, "quantity": 5},
    ]
    assert stocks(table, leg, top) == [5, 20, 5]
    assert admin_api.patch(f"{PRODUCTION}{record['id']}/", {"quantity": 1}).status_code == 200
    assert stocks(table, leg, top) == [1, 36, 9]
    assert admin_api.delete(f"{PRODUCTION}{record['id']}/").status_code == 204
    assert stocks(table, leg, top) == [0, 40, 10]
    reasons = StockMovement.objects.filter(reference=f"production:{record['id']}")
    assert set(reasons.filter(product=leg).values_list("reason", flat=True)) == {"consumption"}
    assert set(reasons.filter(product=table).values_list("reason", flat=True)) == {
        "production",
        "production_change",
        "production_delete",
    }
    assert_ledgers_hold(table, leg, top)


def test_production_change_that_needs_more_than_stock_is_a_409(admin_api, kit):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    record = produce(admin_api, table, 5).json()  # 20 legs left, 5 tops
    before = state()
    response = admin_api.patch(f"{PRODUCTION}{record['id']}/", {"quantity": 11}, format="json")
    assert response.status_code == 409 and response.json()["items"] == [
        {"product": leg.pk, "requested": 24, "available": 20},
        {"product": top.pk, "requested": 6, "available": 5},
    ]
    assert state() == before


def test_production_delete_after_the_product_was_sold_is_a_409(admin_api, kit):
    table, _leg, _top, bom = kit
    bom_activate(bom=bom)
    record = produce(admin_api, table, 2).json()
    admin_api.post(f"/api/products/{table.pk}/adjust/", {"delta": -1}, format="json")
    before = state()
    assert admin_api.delete(f"{PRODUCTION}{record['id']}/").status_code == 409
    assert state() == before


def test_production_product_change_of_consuming_record_is_a_400(admin_api, kit):
    table, _leg, _top, bom = kit
    bom_activate(bom=bom)
    record = produce(admin_api, table, 1).json()
    other = make_product()
    before = state()
    response = admin_api.patch(f"{PRODUCTION}{record['id']}/", {"product": other.pk})
    assert response.status_code == 400 and "product" in response.json()
    assert state() == before


def test_production_product_change_onto_a_bom_product_is_a_400(admin_api, kit):
    table, _leg, _top, bom = kit
    bom_activate(bom=bom)
    plain = make_product()
    record = produce(admin_api, plain, 1).json()
    before = state()
    response = admin_api.patch(f"{PRODUCTION}{record['id']}/", {"product": table.pk})
    assert response.status_code == 400 and "product" in response.json()
    assert state() == before


@pytest.mark.parametrize("quantity", [0, -1, 10**12, 1.5, "3", None])
def test_production_bad_quantity_is_a_400_for_bom_products(admin_api, kit, quantity):
    table, _leg, _top, bom = kit
    bom_activate(bom=bom)
    before = state()
    response = produce(admin_api, table, quantity)
    assert response.status_code == 400 and "quantity" in response.json()
    assert state() == before


# Requirements


def test_requirements_and_buildable(user_api, kit):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    response = user_api.get(f"/api/products/{table.pk}/requirements/?quantity=12")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["product"], body["bom"], body["quantity"], body["buildable"]) == (
        table.pk,
        bom.pk,
        12,
        10,
    )
    assert [
        (r["component"], r["per_unit"], r["required"], r["available"], r["shortfall"])
        for r in body["lines"]
    ] == [(leg.pk, 4, 48, 40, 8), (top.pk, 1, 12, 10, 2)]
    assert user_api.get(f"/api/products/{table.pk}/requirements/").json()["quantity"] == 1


def test_requirements_without_bom_and_bad_input(user_api):
    product = make_product()
    body = user_api.get(f"/api/products/{product.pk}/requirements/").json()
    assert body["bom"] is None and body["buildable"] is None and body["lines"] == []
    for bad in ("0", "-1", "abc", "1.5", str(10**12)):
        response = user_api.get(f"/api/products/{product.pk}/requirements/?quantity={bad}")
        assert response.status_code == 400 and "quantity" in response.json()
    assert user_api.get("/api/products/999999/requirements/").status_code == 404


def test_product_unit_defaults_to_pcs_and_is_bounded(admin_api):
    response = admin_api.post("/api/products/", {"name": "Steel", "price": "1.00"}, format="json")
    assert response.status_code == 201 and response.json()["unit"] == "pcs"
    pk = response.json()["id"]
    assert admin_api.patch(f"/api/products/{pk}/", {"unit": "kg"}).json()["unit"] == "kg"
    response = admin_api.patch(f"/api/products/{pk}/", {"unit": "x" * 17}, format="json")
    assert response.status_code == 400 and "unit" in response.json()
    assert Product.objects.get(pk=pk).unit == "kg"


def test_service_refuses_bad_lines_too(admin_account):
    from django.core.exceptions import ValidationError

    table, part = make_product(), make_product()
    with pytest.raises(ValidationError):
        bom_create(product=table, lines=[(table, 1)], user=admin_account)
    with pytest.raises(ValidationError):
        bom_create(product=table, lines=[(part, 1), (part, 1)], user=admin_account)
    assert not BOM.objects.exists()
    record = production_create(
        product=table, employee=make_employee(), quantity=1, user=admin_account
    )
    assert record.bom is None


def test_bom_locked_put_with_the_same_lines_changes_only_notes(admin_api, kit):
    table, leg, top, bom = kit
    bom_activate(bom=bom)
    assert produce(admin_api, table, 1).status_code == 201
    body = {"product": table.pk, "notes": "same parts", "lines": lines((top, 1), (leg, 4))}
    response = admin_api.put(f"{BOMS}{bom.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["notes"] == "same parts"
    body["lines"] = lines((leg, 4))
    assert admin_api.put(f"{BOMS}{bom.pk}/", body, format="json").json()["code"] == "bom_locked"


def test_stock_apply_reasons_per_product_and_one_error_for_every_shortage(admin_account):
    from factory.errors import InsufficientStock
    from products.services import stock_apply

    made, a, b = make_product(), make_product(stock=5), make_product(stock=1)
    stock_apply(
        deltas={made.pk: 2, a.pk: -4},
        reason="production",
        reasons={a.pk: "consumption"},
        reference="production:0",
        user=admin_account,
    )
    assert dict(
        StockMovement.objects.filter(reference="production:0").values_list("product_id", "reason")
    ) == {made.pk: "production", a.pk: "consumption"}
    before = state()
    with pytest.raises(InsufficientStock) as refused:
        stock_apply(
            deltas={made.pk: 1, a.pk: -2, b.pk: -2},
            reason="production",
            reasons=dict.fromkeys([a.pk, b.pk], "consumption"),
        )
    assert refused.value.extra["items"] == [
        {"product": a.pk, "requested": 2, "available": 1},
        {"product": b.pk, "requested": 2, "available": 1},
    ]
    assert state() == before
