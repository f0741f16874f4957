"""SPEC §15 as properties: random sequences of every kind of stock operation (hypothesis).

After any sequence: every `average_cost` ≥ 0; the stock-valuation report's `total_value` is
Σ over products of stock x average_cost (each row half-up to cents, as the report rounds);
and an oracle that replays the ledger (products.tests.costing_oracle) finds every movement at
its rule's cost and ends with each product's stock and average_cost.
"""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import ApplicationError
from orders.models import Order
from orders.services import order_cancel, order_place
from production.models import ProductionRecord
from production.services import (
    bom_activate,
    bom_create,
    production_create,
    production_delete,
    production_update,
)
from products.models import Product, StockMovement
from products.services import stock_adjust
from products.tests.costing_oracle import replay_ledger
from products.tests.factories import make_product
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order, make_supplier

pytestmark = pytest.mark.django_db

COSTS = st.decimals(min_value=0, max_value=500, places=4, allow_nan=False, allow_infinity=False)
PRODUCT = st.integers(0, 2)  # the two components and a product bought and sold as it is
OPERATIONS = st.one_of(
    st.tuples(st.just("receive"), PRODUCT, st.integers(1, 40), COSTS),
    st.tuples(st.just("adjust"), PRODUCT, st.integers(-20, 30).filter(bool), st.none() | COSTS),
    st.tuples(st.just("order"), st.integers(0, 3), st.integers(1, 8)),
    st.tuples(st.just("cancel"), st.integers(0, 20)),
    st.tuples(st.just("produce"), st.integers(1, 5)),
    st.tuples(st.just("change"), st.integers(0, 20), st.integers(1, 6)),
    st.tuples(st.just("delete"), st.integers(0, 20)),
)


def snapshot():
    return (
        sorted(Product.objects.values_list("pk", "stock", "average_cost")),
        StockMovement.objects.count(),
    )


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def run(operation, world, user):
    kind, *args = operation
    products, assembly = world["products"], world["assembly"]
    if kind == "receive":
        index, quantity, cost = args
        order = make_purchase_order(
            user=user,
            supplier=world["supplier"],
            lines=[(products[index], quantity, cost)],
            place=True,
        )
        purchase_order_receive(order=order, receipts=[(order.lines.get().pk, quantity)], user=user)
    elif kind == "adjust":
        index, delta, cost = args
        stock_adjust(
            product=products[index], delta=delta, unit_cost=cost if delta > 0 else None, user=user
        )
    elif kind == "order":
        index, quantity = args
        product = [*products, assembly][index]
        order_place(customer=world["customer"], items=[(product, quantity)], user=user)
    elif kind == "cancel":
        placed = list(Order.objects.filter(status=Order.Status.PLACED).order_by("pk"))
        if placed:
            order_cancel(order=placed[args[0] % len(placed)], user=user)
    elif kind == "produce":
        production_create(product=assembly, employee=world["employee"], quantity=args[0], user=user)
    else:
        records = list(ProductionRecord.objects.order_by("pk"))
        if records:
            record = records[args[0] % len(records)]
            if kind == "change":
                production_update(record=record, quantity=args[1], user=user)
            else:
                production_delete(record=record, user=user)


@override_settings(REPORT_CACHE_SECONDS=0)  # the examples roll back: no commit would invalidate
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operations=st.lists(OPERATIONS, min_size=1, max_size=30),
    opening=st.lists(st.tuples(st.integers(0, 60), COSTS), min_size=3, max_size=3),
)
def test_random_operations_keep_costs_consistent(admin_account, user_api, operations, opening):
    with transaction.atomic():
        products = [
            make_product(stock=stock, unit_cost=cost if stock else None) for stock, cost in opening
        ]
        assembly = make_product(name="Assembly")
        bom = bom_create(
            product=assembly, lines=[(products[0], 2), (products[1], 3)], user=admin_account
        )
        bom_activate(bom=bom)
        world = {
            "products": products,
            "assembly": assembly,
            "customer": make_customer(),
            "employee": make_employee(),
            "supplier": make_supplier(),
        }
        for operation in operations:
            before = snapshot()
            try:
                with transaction.atomic():
                    run(operation, world, admin_account)
            except ApplicationError:  # short of stock: nothing may have changed
                assert snapshot() == before, operation
            assert not Product.objects.filter(average_cost__lt=0).exists(), operation

        rows = {
            pk: (stock, average)
            for pk, stock, average in Product.objects.values_list("pk", "stock", "average_cost")
        }
        replayed = replay_ledger()
        assert {pk: replayed.get(pk, (0, 0)) for pk in rows} == rows
        body = user_api.get("/api/reports/stock-valuation/?page_size=100").json()
        expected = sum((cents(stock * average) for stock, average in rows.values()), Decimal("0"))
        assert Decimal(body["total_value"]) == expected
        assert Decimal(body["total_value"]) == sum(Decimal(row["value"]) for row in body["results"])
        assert {row["product_id"] for row in body["results"]} == {
            pk for pk, (stock, _) in rows.items() if stock > 0
        }
        transaction.set_rollback(True)
