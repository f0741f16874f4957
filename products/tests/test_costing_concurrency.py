"""SPEC §15 under concurrency: real threads, one MariaDB connection each.

Receipts at different costs, BOM production consuming the same components, orders and their
cancellations, all at once: every average is computed from the row as it is under the lock, so
none is lost, and a replay of the ledger (products.tests.costing_oracle) agrees with every product.
"""

from decimal import Decimal

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock
from factory.testing import run_together
from orders.models import Order
from orders.services import order_cancel, order_place
from production.models import ProductionRecord
from production.services import bom_activate, bom_create, production_create, production_delete
from products.models import Product
from products.services import stock_adjust
from products.tests.costing_oracle import replay_ledger
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_costs_under_concurrent_receipts_production_orders_and_cancels(admin_account):
    leg = make_product(name="Leg", stock=40, unit_cost=Decimal("2.0000"))
    top = make_product(name="Top", stock=10, unit_cost=Decimal("10.0000"))
    table = make_product(name="Table")
    bom_activate(bom=bom_create(product=table, lines=[(leg, 4), (top, 1)], user=admin_account))
    customer, employee = make_customer(), make_employee()
    placed = [order_place(customer=customer, items=[(leg, 2)], user=admin_account)]
    made = production_create(product=table, employee=employee, quantity=1, user=admin_account)

    workers = [
        lambda c=c: stock_adjust(product=leg, delta=5, unit_cost=Decimal(c), user=admin_account)
        for c in ("1.0000", "3.3333", "0.5000", "7.2500")
    ]
    workers += [
        lambda: production_create(product=table, employee=employee, quantity=2, user=admin_account)
    ] * 3
    workers += [lambda: order_place(customer=customer, items=[(leg, 3)], user=admin_account)] * 3
    workers += [
        lambda: order_cancel(order=placed[0], user=admin_account),
        lambda: production_delete(record=made, user=admin_account),
    ]
    results = run_together(workers)
    assert all(
        isinstance(r, (Product, ProductionRecord, Order, InsufficientStock, type(None)))
        for r in results
    ), results

    assert_ledger_holds()
    replayed = replay_ledger()
    for pk, stock, average_cost in Product.objects.values_list("pk", "stock", "average_cost"):
        assert replayed.get(pk, (0, Decimal("0"))) == (stock, average_cost), pk
        assert average_cost >= 0
