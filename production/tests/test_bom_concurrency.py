"""SPEC §13 under real concurrency: threads with a connection each against MariaDB's row locks."""

import logging

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock
from factory.testing import run_together
from orders.models import Order, OrderItem
from orders.services import order_place
from production.models import BOM, ProductionRecord
from production.services import bom_activate, bom_create, production_create, production_delete
from products.models import StockMovement
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_bom_production_racing_orders_for_its_components_never_oversells(admin_account, caplog):
    """Production takes 2 bolts + 1 plate a unit while orders buy the same bolts and plates."""
    customer, employee = make_customer(), make_employee()
    bolt, plate = make_product(name="Bolt", stock=30), make_product(name="Plate", stock=12)
    bracket = make_product(name="Bracket")  # a higher id than its components
    bom_activate(bom=bom_create(product=bracket, lines=[(bolt, 2), (plate, 1)], user=admin_account))

    def produce():
        return production_create(product=bracket, employee=employee, quantity=1, user=admin_account)

    def buy():
        return order_place(customer=customer, items=[(plate, 1), (bolt, 1)], user=admin_account)

    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together([produce, buy] * 10)
    assert "Deadlock" not in caplog.text and "retry" not in caplog.text
    unexpected = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, InsufficientStock)
    ]
    assert not unexpected, unexpected
    made = ProductionRecord.objects.count()
    sold_bolts = sum(OrderItem.objects.filter(product=bolt).values_list("quantity", flat=True))
    sold_plates = sum(OrderItem.objects.filter(product=plate).values_list("quantity", flat=True))
    bolt.refresh_from_db()
    plate.refresh_from_db()
    bracket.refresh_from_db()
    assert bolt.stock == 30 - 2 * made - sold_bolts >= 0
    assert plate.stock == 12 - made - sold_plates >= 0
    assert bracket.stock == made
    assert made + Order.objects.count() == sum(
        1 for r in results if isinstance(r, (Order, ProductionRecord))
    )
    assert StockMovement.objects.filter(reason="consumption").count() == 2 * made
    assert_ledger_holds()


def test_production_and_orders_locking_in_opposite_orders_never_deadlock(admin_account, caplog):
    """The product's id lies between its components': locks still go in primary-key order."""
    customer, employee = make_customer(), make_employee()
    low = make_product(name="Low", stock=1000)
    product = make_product(name="Made", stock=100)
    high = make_product(name="High", stock=1000)
    bom_activate(bom=bom_create(product=product, lines=[(high, 1), (low, 1)], user=admin_account))
    seed = production_create(product=product, employee=employee, quantity=20, user=admin_account)

    workers = [
        lambda: production_create(
            product=product, employee=employee, quantity=1, user=admin_account
        ),
        lambda: order_place(
            customer=customer, items=[(high, 1), (product, 1), (low, 1)], user=admin_account
        ),
        lambda: order_place(
            customer=customer, items=[(low, 1), (product, 1), (high, 1)], user=admin_account
        ),
    ] * 6
    workers.append(lambda: production_delete(record=seed, user=admin_account))
    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together(workers)
    assert "Deadlock" not in caplog.text
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    for component in (low, high):
        component.refresh_from_db()
        # 1000 - 20 (seed) - 6 (production) - 12 (orders) + 20 (seed deleted)
        assert component.stock == 1000 - 6 - 12
    product.refresh_from_db()
    assert product.stock == 100 + 20 + 6 - 12 - 20
    assert_ledger_holds()


def test_concurrent_activation_of_two_boms_of_one_product_leaves_exactly_one_active(
    admin_account,
):
    product, part = make_product(), make_product()
    boms = [bom_create(product=product, lines=[(part, n)], user=admin_account) for n in (1, 2, 3)]
    for _ in range(3):
        results = run_together([lambda b=b: bom_activate(bom=b) for b in boms] * 2)
        assert all(isinstance(r, BOM) for r in results), results
        statuses = list(BOM.objects.filter(product=product).values_list("status", flat=True))
        assert statuses.count("active") == 1 and statuses.count("archived") == 2


def test_concurrent_activations_closing_a_cycle_cannot_both_succeed(admin_account):
    a, b = make_product(name="A"), make_product(name="B")
    a_needs_b = bom_create(product=a, lines=[(b, 1)], user=admin_account)
    b_needs_a = bom_create(product=b, lines=[(a, 1)], user=admin_account)
    results = run_together(
        [lambda: bom_activate(bom=a_needs_b), lambda: bom_activate(bom=b_needs_a)]
    )
    assert sum(isinstance(r, BOM) for r in results) == 1, results
    assert BOM.objects.filter(status="active").count() == 1


def test_production_racing_an_activation_consumes_one_whole_bom(admin_account):
    """Each record consumed exactly the lines of the BOM it names, never a mix."""
    employee = make_employee()
    x, y = make_product(stock=10_000), make_product(stock=10_000)
    product = make_product()
    first = bom_create(product=product, lines=[(x, 1)], user=admin_account)
    second = bom_create(product=product, lines=[(y, 2)], user=admin_account)
    bom_activate(bom=first)
    workers = [
        lambda: production_create(
            product=product, employee=employee, quantity=1, user=admin_account
        )
    ] * 10
    workers += [lambda: bom_activate(bom=second), lambda: bom_activate(bom=first)] * 2
    results = run_together(workers)
    assert not [r for r in results if isinstance(r, Exception)], results
    for record in ProductionRecord.objects.all():
        moved = dict(
            StockMovement.objects.filter(
                reference=f"production:{record.pk}", reason="consumption"
            ).values_list("product_id", "delta")
        )
        assert moved == ({x.pk: -1} if record.bom_id == first.pk else {y.pk: -2})
    assert_ledger_holds()
