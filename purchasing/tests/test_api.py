"""SPEC §14 over HTTP: suppliers, purchase orders, receipts, reordering; every refusal changes nothing."""

from decimal import Decimal

import pytest

from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product
from purchasing.models import PurchaseOrder
from purchasing.tests.factories import make_purchase_order, make_supplier, purchasing_state

pytestmark = pytest.mark.django_db

SUPPLIERS = "/api/suppliers/"
POS = "/api/purchase-orders/"


def po_url(order, suffix=""):
    return f"{POS}{order.pk}/{suffix}"


def lines_of(order):
    return list(order.lines.order_by("id"))


def assert_refused(response, status, state_before, code=None):
    assert response.status_code == status, response.content[:400]
    assert response["Content-Type"].startswith("application/json")
    if code:
        assert response.json()["code"] == code
    assert purchasing_state() == state_before


def product_on_order(api, product) -> int:
    return api.get(f"/api/products/{product.pk}/").json()["on_order"]


# --- suppliers ------------------------------------------------------------------------------


def test_supplier_create_and_read_shape(user_api):
    response = user_api.post(
        SUPPLIERS, {"name": "Acme Metals", "email": "a@acme.test"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "email",
        "phone",
        "address",
        "lead_time_days",
        "is_active",
        "created_at",
    }
    assert body["lead_time_days"] == 7 and body["is_active"] is True
    assert user_api.get(f"{SUPPLIERS}?search=acme").json()["count"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x", "lead_time_days": -1},
        {"name": "x", "email": "not-an-email"},
        {"name": "x" * 201},
        {"name": "ACME"},  # taken, in another letter case
    ],
)
def test_supplier_bad_input_is_400_and_writes_nothing(admin_api, body):
    make_supplier(name="Acme")
    before = purchasing_state()
    assert_refused(admin_api.post(SUPPLIERS, body, format="json"), 400, before)


def test_supplier_delete_unused_204(admin_api):
    supplier = make_supplier()
    assert admin_api.delete(f"{SUPPLIERS}{supplier.pk}/").status_code == 204


def test_supplier_delete_with_purchase_orders_or_as_default_is_409(admin_api, admin_account):
    with_orders = make_purchase_order(user=admin_account).supplier
    as_default = make_supplier()
    make_product(default_supplier=as_default)
    before = purchasing_state()
    for supplier in (with_orders, as_default):
        response = admin_api.delete(f"{SUPPLIERS}{supplier.pk}/")
        assert_refused(response, 409, before, "in_use")


# --- drafts ---------------------------------------------------------------------------------


def test_create_draft_read_shape(user_api, user_account):
    supplier = make_supplier()
    gear, bolt = make_product(stock=3), make_product()
    body = {
        "supplier": supplier.pk,
        "expected_on": "2030-01-31",
        "notes": "rush",
        "lines": [
            {"product": gear.pk, "quantity": 3, "unit_cost": "2.3333"},
            {"product": bolt.pk, "quantity": 10, "unit_cost": "0.1050"},
        ],
    }
    response = user_api.post(POS, body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {
        "id",
        "reference",
        "supplier",
        "status",
        "expected_on",
        "notes",
        "lines",
        "total",
        "created_at",
        "created_by",
        "ordered_at",
    }
    assert data["reference"] == f"PO-{data['id']:06d}"
    assert data["supplier"] == {"id": supplier.pk, "name": supplier.name}
    assert data["status"] == "draft" and data["ordered_at"] is None
    assert data["created_by"] == user_account.username
    first = data["lines"][0]
    assert set(first) == {
        "id",
        "product",
        "quantity",
        "received_quantity",
        "unit_cost",
        "line_total",
    }
    assert first["product"] == {"id": gear.pk, "name": gear.name, "sku": gear.sku}
    assert first["unit_cost"] == "2.3333" and first["received_quantity"] == 0
    assert first["line_total"] == "7.00"  # 6.9999 half-up
    assert data["lines"][1]["line_total"] == "1.05"
    assert data["total"] == "8.05"
    # A draft is not on order.
    assert product_on_order(user_api, gear) == 0


def test_create_bad_lines_are_400_and_write_nothing(admin_api):
    supplier = make_supplier()
    inactive = make_supplier(is_active=False)
    product, other = make_product(), make_product()
    ok = {"product": product.pk, "quantity": 1, "unit_cost": "1.0000"}
    cases = [
        {"supplier": supplier.pk, "lines": []},
        {"supplier": supplier.pk, "lines": [ok, {**ok, "quantity": 2}]},  # same product twice
        {"supplier": supplier.pk, "lines": [{**ok, "quantity": 0}]},
        {"supplier": supplier.pk, "lines": [{**ok, "quantity": -3}]},
        {"supplier": supplier.pk, "lines": [{**ok, "unit_cost": "-0.0100"}]},
        {"supplier": supplier.pk, "lines": [{**ok, "unit_cost": "1.00001"}]},
        {"supplier": supplier.pk, "lines": [{**ok, "unit_cost": 1.5}]},  # a float
        {"supplier": supplier.pk, "lines": [{**ok, "product": 999_999}]},
        {"supplier": supplier.pk, "lines": [{**ok, "product": other.pk, "quantity": 10**9}]},
        {"supplier": inactive.pk, "lines": [ok]},
        {"supplier": 999_999, "lines": [ok]},
        {"lines": [ok]},
    ]
    before = purchasing_state()
    for body in cases:
        assert_refused(admin_api.post(POS, body, format="json"), 400, before)
    repeated = admin_api.post(POS, cases[1], format="json").json()
    assert "lines" in repeated and "once" in repeated["lines"][0]


def test_patch_draft_replaces_lines_whole(admin_api, admin_account):
    order = make_purchase_order(user=admin_account)
    new = make_product()
    response = admin_api.patch(
        po_url(order),
        {"notes": "changed", "lines": [{"product": new.pk, "quantity": 4, "unit_cost": "3.0000"}]},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["notes"] == "changed" and data["status"] == "draft"
    assert [(line["product"]["id"], line["quantity"]) for line in data["lines"]] == [(new.pk, 4)]
    assert data["total"] == "12.00"
    # Without `lines`, the lines stay.
    response = admin_api.patch(po_url(order), {"expected_on": "2031-05-01"}, format="json")
    assert response.json()["expected_on"] == "2031-05-01" and len(response.json()["lines"]) == 1


def test_delete_draft_204(admin_api, admin_account):
    order = make_purchase_order(user=admin_account)
    assert admin_api.delete(po_url(order)).status_code == 204
    assert not PurchaseOrder.objects.filter(pk=order.pk).exists()


def test_edit_or_delete_a_placed_order_is_409_not_draft(admin_api, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    product = make_product()
    before = purchasing_state()
    line = {"product": product.pk, "quantity": 1, "unit_cost": "1.0000"}
    for response in (
        admin_api.patch(po_url(order), {"notes": "late"}, format="json"),
        admin_api.patch(po_url(order), {"lines": [line]}, format="json"),
        admin_api.put(
            po_url(order), {"supplier": order.supplier_id, "lines": [line]}, format="json"
        ),
        admin_api.delete(po_url(order)),
    ):
        assert_refused(response, 409, before, "not_draft")


# --- place, receive, close, cancel ----------------------------------------------------------


def test_place_receive_partially_then_fully(admin_api, user_api, admin_account, user_account):
    gear, bolt = make_product(stock=2), make_product()
    order = make_purchase_order(
        user=admin_account, lines=[(gear, 10, "2.5000"), (bolt, 5, "1.2500")]
    )
    placed = admin_api.post(po_url(order, "place/"))
    assert placed.status_code == 200 and placed.json()["status"] == "ordered"
    assert placed.json()["ordered_at"] is not None
    assert product_on_order(user_api, gear) == 10
    g_line, b_line = lines_of(order)

    # The clerk receives a delivery.
    response = user_api.post(
        po_url(order, "receive/"),
        {"lines": [{"line": g_line.pk, "quantity": 4}], "note": "first truck"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "partially_received"
    assert [line["received_quantity"] for line in data["lines"]] == [4, 0]
    gear.refresh_from_db()
    assert gear.stock == 6 and ledger_sum(gear) == 6
    movement = gear.movements.order_by("-id").first()
    assert movement.reason == StockMovement.Reason.PURCHASE_RECEIPT == "purchase_receipt"
    assert movement.reference == f"po:{order.pk}" and movement.note == "first truck"
    assert movement.unit_cost == Decimal("2.5000") and movement.created_by == user_account
    assert product_on_order(user_api, gear) == 6
    ledger = user_api.get(f"/api/products/{gear.pk}/movements/").json()["results"][0]
    assert ledger["unit_cost"] == "2.5000" and ledger["reason"] == "purchase_receipt"

    response = user_api.post(
        po_url(order, "receive/"),
        {"lines": [{"line": g_line.pk, "quantity": 6}, {"line": b_line.pk, "quantity": 5}]},
        format="json",
    )
    assert response.json()["status"] == "received"
    gear.refresh_from_db()
    bolt.refresh_from_db()
    assert (gear.stock, bolt.stock) == (12, 5)
    assert product_on_order(user_api, gear) == 0 and product_on_order(user_api, bolt) == 0


def test_over_receipt_409_lists_every_over_line_and_changes_nothing(admin_api, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    first, second = lines_of(order)  # 10 and 5 ordered
    admin_api.post(
        po_url(order, "receive/"), {"lines": [{"line": first.pk, "quantity": 8}]}, format="json"
    )
    before = purchasing_state()
    response = admin_api.post(
        po_url(order, "receive/"),
        {"lines": [{"line": first.pk, "quantity": 3}, {"line": second.pk, "quantity": 6}]},
        format="json",
    )
    assert_refused(response, 409, before, "over_receipt")
    assert response.json()["lines"] == [
        {"line": first.pk, "outstanding": 2, "requested": 3},
        {"line": second.pk, "outstanding": 5, "requested": 6},
    ]


@pytest.mark.parametrize("status", ["draft", "closed", "cancelled", "received"])
def test_receive_refused_unless_ordered_or_partially_received(admin_api, admin_account, status):
    order = make_purchase_order(user=admin_account, place=status != "draft")
    first, second = lines_of(order)
    receive = po_url(order, "receive/")
    if status == "cancelled":
        admin_api.post(po_url(order, "cancel/"))
    elif status in ("closed", "received"):
        admin_api.post(receive, {"lines": [{"line": first.pk, "quantity": 10}]}, format="json")
        if status == "closed":
            assert admin_api.post(po_url(order, "close/")).json()["status"] == "closed"
        else:
            admin_api.post(receive, {"lines": [{"line": second.pk, "quantity": 5}]}, format="json")
    assert PurchaseOrder.objects.get(pk=order.pk).status == status
    before = purchasing_state()
    response = admin_api.post(
        receive, {"lines": [{"line": second.pk, "quantity": 1}]}, format="json"
    )
    assert_refused(response, 409, before, "invalid_status")


def test_receive_bad_lines_are_400_and_change_nothing(admin_api, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    other = make_purchase_order(user=admin_account, place=True)
    first, _ = lines_of(order)
    foreign, _ = lines_of(other)
    before = purchasing_state()
    for body in (
        {"lines": [{"line": foreign.pk, "quantity": 1}]},  # another order's line
        {"lines": [{"line": first.pk, "quantity": 1}, {"line": foreign.pk, "quantity": 1}]},
        {"lines": [{"line": first.pk, "quantity": 1}, {"line": first.pk, "quantity": 1}]},
        {"lines": [{"line": first.pk, "quantity": 0}]},
        {"lines": [{"line": first.pk, "quantity": -2}]},
        {"lines": [{"line": first.pk, "quantity": "1"}]},
        {"lines": []},
        {},
    ):
        assert_refused(admin_api.post(po_url(order, "receive/"), body, format="json"), 400, before)


def test_receive_idempotency_key_repeats_the_first_response(admin_api, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    first, _ = lines_of(order)
    body = {"lines": [{"line": first.pk, "quantity": 3}]}
    url = po_url(order, "receive/")
    one = admin_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="truck-7")
    two = admin_api.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="truck-7")
    assert one.status_code == two.status_code == 200
    assert one.json() == two.json()
    first.refresh_from_db()
    assert first.received_quantity == 3 and first.product.stock == 3
    before = purchasing_state()
    other = {"lines": [{"line": first.pk, "quantity": 4}]}
    response = admin_api.post(url, other, format="json", HTTP_IDEMPOTENCY_KEY="truck-7")
    assert_refused(response, 422, before)


def test_close_partially_received_drops_the_rest_from_on_order(admin_api, admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    first, _ = lines_of(order)
    before = purchasing_state()
    assert_refused(admin_api.post(po_url(order, "close/")), 409, before, "invalid_status")
    admin_api.post(
        po_url(order, "receive/"), {"lines": [{"line": first.pk, "quantity": 4}]}, format="json"
    )
    assert product_on_order(admin_api, first.product) == 6
    response = admin_api.post(po_url(order, "close/"))
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert product_on_order(admin_api, first.product) == 0
    first.product.refresh_from_db()
    assert first.product.stock == 4  # what was received stays


def test_cancel_draft_or_ordered_but_not_once_received(admin_api, admin_account):
    draft = make_purchase_order(user=admin_account)
    assert admin_api.post(po_url(draft, "cancel/")).json()["status"] == "cancelled"
    before = purchasing_state()
    assert_refused(admin_api.post(po_url(draft, "cancel/")), 409, before, "already_cancelled")
    assert_refused(admin_api.post(po_url(draft, "place/")), 409, before, "not_draft")

    ordered = make_purchase_order(user=admin_account, place=True)
    assert product_on_order(admin_api, lines_of(ordered)[0].product) == 10
    assert admin_api.post(po_url(ordered, "cancel/")).json()["status"] == "cancelled"
    assert product_on_order(admin_api, lines_of(ordered)[0].product) == 0

    received = make_purchase_order(user=admin_account, place=True)
    first, _ = lines_of(received)
    admin_api.post(
        po_url(received, "receive/"), {"lines": [{"line": first.pk, "quantity": 1}]}, format="json"
    )
    before = purchasing_state()
    assert_refused(admin_api.post(po_url(received, "cancel/")), 409, before, "invalid_status")


def test_clerk_may_receive_but_not_place_close_or_cancel(user_api, admin_account):
    order = make_purchase_order(user=admin_account)
    before = purchasing_state()
    for action in ("place", "close", "cancel"):
        assert_refused(user_api.post(po_url(order, f"{action}/")), 403, before)


def test_list_filters(user_api, admin_account):
    supplier = make_supplier()
    gear = make_product()
    mine = make_purchase_order(user=admin_account, supplier=supplier, lines=[(gear, 1, "1")])
    placed = make_purchase_order(user=admin_account, place=True)

    def ids(query):
        response = user_api.get(f"{POS}?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("") == [placed.pk, mine.pk]  # newest first
    assert ids(f"supplier={supplier.pk}") == [mine.pk]
    assert ids("status=ordered") == [placed.pk]
    assert ids(f"product={gear.pk}") == [mine.pk]
    assert user_api.get(f"{POS}?status=bogus").status_code == 400


# --- products' purchasing fields ------------------------------------------------------------


def test_product_default_supplier_reorder_quantity_and_read_only_on_order(admin_api):
    supplier = make_supplier()
    response = admin_api.post(
        "/api/products/",
        {
            "name": "Rivet",
            "price": "0.10",
            "reorder_level": 5,
            "reorder_quantity": 50,
            "default_supplier": supplier.pk,
            "on_order": 999,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["default_supplier"], body["reorder_quantity"], body["on_order"]) == (
        supplier.pk,
        50,
        0,
    )
    product = Product.objects.get(pk=body["id"])
    patched = admin_api.patch(
        f"/api/products/{product.pk}/",
        {"default_supplier": None, "reorder_quantity": -1},
        format="json",
    )
    assert patched.status_code == 400 and "reorder_quantity" in patched.json()
    patched = admin_api.patch(
        f"/api/products/{product.pk}/", {"default_supplier": None}, format="json"
    )
    assert patched.json()["default_supplier"] is None


# --- reordering -----------------------------------------------------------------------------


def test_reorder_report_and_from_reorder(
    admin_api, user_api, admin_account, django_capture_on_commit_callbacks
):
    acme, bolts_inc = make_supplier(name="Acme"), make_supplier(name="Bolts Inc")
    # stock 2 ≤ level 10: suggested max(25, 10 - 2 - 0 + 1) = 25
    gear = make_product(stock=2, reorder_level=10, reorder_quantity=25, default_supplier=acme)
    # stock 0, level 8, quantity 0: suggested 9
    nut = make_product(stock=0, reorder_level=8, default_supplier=bolts_inc)
    orphan = make_product(stock=1, reorder_level=3)  # no supplier: skipped
    make_product(stock=11, reorder_level=10, default_supplier=acme)  # above its level
    # On order enough: stock 1 + on order 20 > level 10
    covered = make_product(stock=1, reorder_level=10, default_supplier=acme)
    make_purchase_order(user=admin_account, lines=[(covered, 20, "1.0000")], place=True)
    # A past receipt sets the cost used for gear: 3.1250
    past = make_purchase_order(user=admin_account, lines=[(gear, 1, "3.1250")], place=True)
    line = lines_of(past)[0]
    admin_api.post(
        po_url(past, "receive/"), {"lines": [{"line": line.pk, "quantity": 1}]}, format="json"
    )
    gear.refresh_from_db()  # stock 3: suggested max(25, 8) = 25

    report = user_api.get("/api/reports/reorder/")
    assert report.status_code == 200, report.content
    assert report.json()["results"] == [
        {
            "product_id": gear.pk,
            "product_name": gear.name,
            "supplier_id": acme.pk,
            "supplier_name": "Acme",
            "stock": 3,
            "on_order": 0,
            "reorder_level": 10,
            "suggested_quantity": 25,
        },
        {
            "product_id": nut.pk,
            "product_name": nut.name,
            "supplier_id": bolts_inc.pk,
            "supplier_name": "Bolts Inc",
            "stock": 0,
            "on_order": 0,
            "reorder_level": 8,
            "suggested_quantity": 9,
        },
        {
            "product_id": orphan.pk,
            "product_name": orphan.name,
            "supplier_id": None,
            "supplier_name": None,
            "stock": 1,
            "on_order": 0,
            "reorder_level": 3,
            "suggested_quantity": 3,
        },
    ]
    csv = user_api.get("/api/reports/reorder/?format=csv")
    assert csv.status_code == 200 and csv.content.decode().count("\n") == 4

    with django_capture_on_commit_callbacks(execute=True):  # what a committed write does
        response = user_api.post(f"{POS}from-reorder/")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["skipped"] == [orphan.pk] and len(body["created"]) == 2
    drafts = {
        po.supplier_id: po
        for po in PurchaseOrder.objects.filter(pk__in=body["created"]).prefetch_related("lines")
    }
    assert set(drafts) == {acme.pk, bolts_inc.pk}
    assert all(po.status == "draft" for po in drafts.values())
    assert [(li.product_id, li.quantity, li.unit_cost) for li in drafts[acme.pk].lines.all()] == [
        (gear.pk, 25, Decimal("3.1250"))
    ]
    assert [
        (li.product_id, li.quantity, li.unit_cost) for li in drafts[bolts_inc.pk].lines.all()
    ] == [(nut.pk, 9, Decimal("0.0000"))]
    # Drafts are not on order: the report is unchanged until they are placed.
    assert len(user_api.get("/api/reports/reorder/").json()["results"]) == 3
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.post(po_url(drafts[acme.pk], "place/"))
    after = user_api.get("/api/reports/reorder/").json()["results"]  # never stale
    assert [row["product_id"] for row in after] == [nut.pk, orphan.pk]


def test_from_reorder_with_nothing_to_order_creates_nothing(user_api):
    response = user_api.post(f"{POS}from-reorder/")
    assert response.status_code == 200 and response.json() == {"created": [], "skipped": []}


def test_cached_lists_show_a_receipt_at_once(
    admin_api, user_api, admin_account, django_capture_on_commit_callbacks
):
    """Products show `on_order` and stock, purchase orders their lines: a receipt retires both pages."""
    order = make_purchase_order(user=admin_account, place=True)
    first, _ = lines_of(order)
    products_page = f"/api/products/?search={first.product.name}"

    def shown():
        product = user_api.get(products_page).json()["results"][0]
        line = user_api.get(POS).json()["results"][0]["lines"][0]
        return product["stock"], product["on_order"], line["received_quantity"]

    assert shown() == shown() == (0, 10, 0)  # the second read may come from the cache
    with django_capture_on_commit_callbacks(execute=True):
        response = user_api.post(
            po_url(order, "receive/"), {"lines": [{"line": first.pk, "quantity": 4}]}, format="json"
        )
    assert response.status_code == 200
    assert shown() == (4, 6, 4)
    with django_capture_on_commit_callbacks(execute=True):
        admin_api.post(po_url(order, "close/"))
    assert shown() == (4, 0, 4)


def test_products_on_order_statuses_are_purchasings_receivable_ones():
    from products.models import ON_ORDER_STATUSES

    assert set(ON_ORDER_STATUSES) == set(PurchaseOrder.RECEIVABLE)
