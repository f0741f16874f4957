"""Production edits racing each other and orders: real threads, one MariaDB connection each.

Whatever order the database lets them run in, stock never goes below zero, nothing is sold
twice, no caller sees a deadlock (not even a retried one), and stock equals the sum of its
ledger movements afterwards (SPEC §5, §6).
"""

import logging

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock, NotFound
from factory.testing import run_together
from orders.models import Order, OrderItem
from orders.services import order_place
from production.models import ProductionRecord
from production.services import production_create, production_delete, production_update
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def no_deadlock(caplog):
    """Fails the test if any service had to retry a deadlock or a lock wait (factory.db logs it)."""
    with caplog.at_level(logging.WARNING, logger="factory.db"):
        yield
    assert "Deadlock" not in caplog.text and "Lock wait" not in caplog.text, caplog.text


def stock(product) -> int:
    product.refresh_from_db()
    return product.stock


def test_concurrent_edits_of_one_record_leave_stock_equal_to_the_last_one(
    admin_account, no_deadlock
):
    product, employee = make_product(stock=0), make_employee()
    record = production_create(product=product, employee=employee, quantity=5, user=admin_account)
    quantities = [1, 9, 3, 12, 7, 2, 8, 4]
    results = run_together(
        [
            lambda q=q: production_update(record=record, quantity=q, user=admin_account)
            for q in quantities
        ]
    )
    assert all(isinstance(r, ProductionRecord) for r in results), results
    record.refresh_from_db()
    assert record.quantity in quantities
    # Each edit moved stock from the quantity the previous one left, not from the 5 it was given.
    assert stock(product) == record.quantity
    assert_ledger_holds()


def test_edits_racing_orders_for_the_same_units_never_oversell(admin_account, no_deadlock):
    """Five units made, then four edits down to 1 and four orders of 3 at once: the units the
    edits take back and the units the orders sell can never add up to more than were made."""
    customer, employee = make_customer(), make_employee()
    product = make_product(stock=0)
    records = [
        production_create(product=product, employee=employee, quantity=5, user=admin_account)
        for _ in range(4)
    ]  # 20 on hand
    workers = [
        lambda r=r: production_update(record=r, quantity=1, user=admin_account) for r in records
    ]
    workers += [
        lambda: order_place(customer=customer, items=[(product, 3)], user=admin_account)
    ] * 4
    results = run_together(workers)
    assert all(isinstance(r, (ProductionRecord, Order, InsufficientStock)) for r in results), (
        results
    )
    made = sum(ProductionRecord.objects.values_list("quantity", flat=True))
    sold = sum(OrderItem.objects.values_list("quantity", flat=True))
    assert stock(product) == made - sold >= 0
    edited = sum(isinstance(r, ProductionRecord) for r in results)
    placed = sum(isinstance(r, Order) for r in results)
    assert (made, sold) == (20 - 4 * edited, 3 * placed)
    assert_ledger_holds()


def test_an_edit_racing_an_order_for_the_last_units_lets_exactly_one_through(
    admin_account, no_deadlock
):
    """Five on hand: taking four back and selling three cannot both happen, whichever goes first."""
    customer, employee = make_customer(), make_employee()
    for _ in range(5):
        product = make_product(stock=0)
        record = production_create(
            product=product, employee=employee, quantity=5, user=admin_account
        )
        results = run_together(
            [
                lambda r=record: production_update(record=r, quantity=1, user=admin_account),
                lambda p=product: order_place(
                    customer=customer, items=[(p, 3)], user=admin_account
                ),
            ]
        )
        edit, order = results
        if isinstance(edit, ProductionRecord):  # the edit went first: 1 left, too few to sell 3
            assert isinstance(order, InsufficientStock) and stock(product) == 1, results
        else:  # the order went first: 2 left, too few to take 4 back
            assert isinstance(order, Order) and isinstance(edit, InsufficientStock), results
            assert stock(product) == 2
    assert_ledger_holds()


def test_a_delete_racing_an_edit_of_the_same_record_leaves_no_units_behind(
    admin_account, no_deadlock
):
    employee = make_employee()
    product = make_product(stock=0)
    records = [
        production_create(product=product, employee=employee, quantity=5, user=admin_account)
        for _ in range(6)
    ]
    workers = []
    for record in records:
        workers.append(lambda r=record: production_delete(record=r, user=admin_account))
        workers.append(lambda r=record: production_update(record=r, quantity=8, user=admin_account))
    results = run_together(workers)
    deletes, edits = results[0::2], results[1::2]
    assert deletes == [None] * 6, deletes  # a delete always succeeds: the edit only adds units
    # An edit that ran second found the record gone, and moved nothing.
    assert all(isinstance(r, (ProductionRecord, NotFound)) for r in edits)
    assert not ProductionRecord.objects.exists()
    assert stock(product) == 0
    assert_ledger_holds()


def test_edits_moving_records_between_two_products_in_opposite_directions_never_deadlock(
    admin_account, no_deadlock
):
    """Record 1 moves a → b while record 2 moves b → a, with orders on both products."""
    customer, employee = make_customer(), make_employee()
    a, b = make_product(stock=100), make_product(stock=100)
    forward = [
        production_create(product=a, employee=employee, quantity=2, user=admin_account)
        for _ in range(4)
    ]
    backward = [
        production_create(product=b, employee=employee, quantity=2, user=admin_account)
        for _ in range(4)
    ]
    workers = [
        lambda r=r: production_update(record=r, product=b, user=admin_account) for r in forward
    ]
    workers += [
        lambda r=r: production_update(record=r, product=a, user=admin_account) for r in backward
    ]
    workers += [
        lambda: order_place(customer=customer, items=[(b, 1), (a, 1)], user=admin_account)
    ] * 4
    results = run_together(workers)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    # Eight units moved each way (a wash) and four sold of each.
    assert (stock(a), stock(b)) == (104, 104)
    assert_ledger_holds()
