import datetime

import pytest
from django.utils import timezone

from customers.tests.factories import make_customer
from employees.models import Employee
from employees.tests.factories import make_employee
from orders.services import order_place
from production.models import ProductionRecord
from products.models import Product, StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db
URL = "/api/production/"


def snapshot():
    return (
        ProductionRecord.objects.count(),
        StockMovement.objects.count(),
        sorted(Product.objects.values_list("pk", "stock")),
        sorted(ProductionRecord.objects.values_list("pk", "product_id", "quantity")),
    )


@pytest.fixture
def setup():
    return make_product(name="Gear", stock=0), make_employee(name="Grace")


def create(api, product, employee, quantity=5, **extra):
    return api.post(
        URL,
        {"product": product.pk, "employee": employee.pk, "quantity": quantity, **extra},
        format="json",
    )


def test_production_create_adds_stock_and_writes_ledger(user_api, user_account, setup):
    product, employee = setup
    response = create(user_api, product, employee, 5)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["product_name"] == "Gear" and body["employee_name"] == "Grace"
    record = ProductionRecord.objects.get(pk=body["id"])
    assert (  # the day it was recorded on, even if midnight passed since
        body["date"] == timezone.localdate(record.created_at).isoformat()
        and body["created_by"] == user_account.username
    )
    product.refresh_from_db()
    assert product.stock == 5 == ledger_sum(product)
    movement = product.movements.get()
    assert (movement.reason, movement.reference) == ("production", f"production:{body['id']}")


@pytest.fixture
def assembly(admin_account):
    """A product whose active BOM takes two units of one component and one of another."""
    from production.services import bom_activate, bom_create

    table = make_product(name="Table", stock=0)
    leg, top = make_product(name="Leg", stock=40), make_product(name="Top", stock=10)
    bom = bom_create(product=table, lines=[(top, 1), (leg, 2)], user=admin_account)
    bom_activate(bom=bom)
    return table, leg, top


@pytest.mark.parametrize("with_bom", [True, False])
def test_production_create_answers_and_records_what_the_record_reads_back_as(
    user_api, setup, assembly, with_bom
):
    """The response and the `production.recorded` event are rendered from the record as
    recording it left it in memory (production.services.records._as_read), not read back:
    byte for byte what GET answers, with the BOM used and what it consumed."""
    from events.models import Event

    product = assembly[0] if with_bom else setup[0]
    response = create(user_api, product, setup[1], 3)
    assert response.status_code == 201, response.json()
    read = user_api.get(f"{URL}{response.json()['id']}/")
    assert response.content == read.content
    consumed = [(c["component"], c["quantity"]) for c in read.json()["consumed"]]
    assert consumed == ([(assembly[1].pk, 6), (assembly[2].pk, 3)] if with_bom else [])
    assert Event.objects.get(type="production.recorded").data == read.json()


def test_production_create_query_count(user_api, setup, assembly, django_assert_max_num_queries):
    """Recording reads nothing back and locks once (34 before docs/bench.md's write-path round).
    Sign-in (2); the product and the employee; three savepoints made and released (6); the BOM
    before the lock, the product and its components locked, the BOM again under the lock; the
    record; one UPDATE for the three products, the ledger; the event and the webhooks."""
    with django_assert_max_num_queries(18):
        response = create(user_api, assembly[0], setup[1], 2)
    assert response.status_code == 201, response.json()


def test_production_change_quantity_moves_stock_by_the_difference(admin_api, setup):
    product, employee = setup
    record_id = create(admin_api, product, employee, 5).json()["id"]
    response = admin_api.patch(f"{URL}{record_id}/", {"quantity": 8})
    assert response.status_code == 200 and response.json()["quantity"] == 8
    product.refresh_from_db()
    assert product.stock == 8 == ledger_sum(product)
    assert product.movements.first().reason == "production_change"


def test_production_change_product_moves_stock_between_products(admin_api, setup):
    product, employee = setup
    other = make_product(stock=1)
    record_id = create(admin_api, product, employee, 5).json()["id"]
    response = admin_api.patch(f"{URL}{record_id}/", {"product": other.pk, "quantity": 2})
    assert response.status_code == 200
    product.refresh_from_db()
    other.refresh_from_db()
    assert (product.stock, other.stock) == (0, 3)
    assert ledger_sum(product) == 0 and ledger_sum(other) == 3


def test_production_change_below_zero_is_409_and_changes_nothing(admin_api, admin_account, setup):
    product, employee = setup
    record_id = create(admin_api, product, employee, 5).json()["id"]
    order_place(customer=make_customer(), items=[(product, 4)], user=admin_account)
    before = snapshot()
    response = admin_api.patch(f"{URL}{record_id}/", {"quantity": 2})
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["items"] == [{"product": product.pk, "requested": 3, "available": 1}]
    assert snapshot() == before


def test_production_delete_reverses_stock(admin_api, setup):
    product, employee = setup
    record_id = create(admin_api, product, employee, 5).json()["id"]
    assert admin_api.delete(f"{URL}{record_id}/").status_code == 204
    product.refresh_from_db()
    assert product.stock == 0 == ledger_sum(product)
    assert product.movements.first().reason == "production_delete"


def test_production_delete_of_sold_units_is_409_and_changes_nothing(
    admin_api, admin_account, setup
):
    product, employee = setup
    record_id = create(admin_api, product, employee, 5).json()["id"]
    order_place(customer=make_customer(), items=[(product, 3)], user=admin_account)
    before = snapshot()
    response = admin_api.delete(f"{URL}{record_id}/")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_stock"
    assert snapshot() == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_production_deleted_by_a_concurrent_request_is_404(admin_api, setup, monkeypatch, method):
    """The view has read the record; another request deletes it before the service locks it."""
    from production.views import ProductionViewSet

    product, employee = setup
    record_id = create(admin_api, product, employee, 5).json()["id"]
    read = ProductionViewSet.get_object

    def read_then_lose_the_race(view):
        record = read(view)
        ProductionRecord.objects.filter(pk=record.pk).delete()  # the other request, minus its stock
        return record

    monkeypatch.setattr(ProductionViewSet, "get_object", read_then_lose_the_race)
    ledger_before = snapshot()[1:3]
    response = getattr(admin_api, method)(f"{URL}{record_id}/", {"quantity": 7}, format="json")
    assert response.status_code == 404 and response.json() == {
        "detail": f"Production record {record_id} no longer exists.",
        "code": "not_found",
    }
    assert snapshot()[1:3] == ledger_before  # no stock moved, no ledger row written


def test_production_user_role_cannot_change_or_delete(user_api, setup):
    product, employee = setup
    record_id = create(user_api, product, employee, 5).json()["id"]
    before = snapshot()
    assert user_api.patch(f"{URL}{record_id}/", {"quantity": 1}).status_code == 403
    assert user_api.delete(f"{URL}{record_id}/").status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -1}, "quantity"),
        ({"quantity": 10**30}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"product": 999999}, "product"),
        ({"employee": 999999}, "employee"),
        ({"employee": "x"}, "employee"),
        ({"date": "2020-13-01"}, "date"),
        ({"date": "FUTURE"}, "date"),
        ({"employee": "INACTIVE"}, "employee"),
        ({"product": "ID.5"}, "product"),
        ({"product": "ID AS TEXT"}, "product"),
        ({"employee": "ID.5"}, "employee"),
    ],
)
def test_production_create_bad_input_is_400_and_changes_nothing(user_api, setup, change, field):
    product, employee = setup
    inactive = make_employee(is_active=False)
    payload = {"product": product.pk, "employee": employee.pk, "quantity": 5}
    for key, value in change.items():
        if value == "FUTURE":
            value = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
        if value == "INACTIVE":
            value = inactive.pk
        if value == "ID.5":  # a float: DRF alone would take it as the record it truncates to
            value = payload[key] + 0.5
        if value == "ID AS TEXT":
            value = str(payload[key])
        payload[key] = value
    before = snapshot()
    response = user_api.post(URL, payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert snapshot() == before


def test_production_filters(user_api, setup):
    product, employee = setup
    other_product, other_employee = make_product(), make_employee()
    today = timezone.localdate()
    ids = {}
    for name, (p, e, days_ago) in {
        "a": (product, employee, 0),
        "b": (other_product, employee, 2),
        "c": (product, other_employee, 5),
    }.items():
        ids[name] = create(
            user_api, p, e, 1, date=(today - datetime.timedelta(days=days_ago)).isoformat()
        ).json()["id"]

    def got(query):
        response = user_api.get(f"{URL}?{query}")
        assert response.status_code == 200, response.json()
        return {row["id"] for row in response.json()["results"]}

    assert got(f"product={product.pk}") == {ids["a"], ids["c"]}
    assert got(f"employee={employee.pk}") == {ids["a"], ids["b"]}
    assert got(f"date={today - datetime.timedelta(days=2)}") == {ids["b"]}
    assert got(f"date_from={today - datetime.timedelta(days=3)}") == {ids["a"], ids["b"]}
    assert got(f"date_to={today - datetime.timedelta(days=1)}") == {ids["b"], ids["c"]}
    assert user_api.get(f"{URL}?date=soon").status_code == 400


@pytest.mark.parametrize("page_size", [3, 30])
def test_production_list_query_count_is_constant(
    user_api, admin_account, setup, django_assert_max_num_queries, page_size
):
    from production.services import production_create

    product, employee = setup
    for _ in range(page_size):
        production_create(product=product, employee=employee, quantity=1, user=admin_account)
    # Sign-in (user, permissions), count, page (with the names), and its BOMs' lines.
    with django_assert_max_num_queries(5):
        response = user_api.get(f"{URL}?page_size={page_size}")
    assert len(response.json()["results"]) == page_size


def test_production_idempotency_key_replays(user_api, setup):
    product, employee = setup
    first = user_api.post(
        URL,
        {"product": product.pk, "employee": employee.pk, "quantity": 4},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    again = user_api.post(
        URL,
        {"product": product.pk, "employee": employee.pk, "quantity": 4},
        format="json",
        HTTP_IDEMPOTENCY_KEY="p-1",
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    product.refresh_from_db()
    assert product.stock == 4 and ProductionRecord.objects.count() == 1


def test_employee_and_product_with_production_cannot_be_deleted(
    admin_api, admin_account, client, setup
):
    product, employee = setup
    create(admin_api, product, employee, 5)
    response = admin_api.delete(f"/api/employees/{employee.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert admin_api.delete(f"/api/products/{product.pk}/").status_code == 409
    client.force_login(admin_account)
    client.post(f"/admin/employees/employee/{employee.pk}/delete/", {"post": "yes"})
    assert (
        Employee.objects.filter(pk=employee.pk).exists()
        and Product.objects.filter(pk=product.pk).exists()
    )
