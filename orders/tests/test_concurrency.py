"""Real threads, one database connection each, against MariaDB's row locks (SQLite cannot show a race)."""

import logging

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock
from factory.testing import run_together
from orders.models import Order, OrderItem
from orders.services import order_cancel, order_place
from production.services import production_create
from products.tests.factories import assert_ledger_holds, make_product

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_orders_sell_exactly_the_stock_that_exists(admin_account):
    customer = make_customer()
    product = make_product(stock=7)
    results = run_together(
        [lambda: order_place(customer=customer, items=[(product, 1)], user=admin_account)] * 12
    )
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if isinstance(r, InsufficientStock)]
    assert len(placed) == 7 and len(refused) == 5, results
    product.refresh_from_db()
    assert product.stock == 0
    assert sum(OrderItem.objects.values_list("quantity", flat=True)) == 7
    assert_ledger_holds()


def test_orders_listing_products_in_opposite_orders_never_deadlock(admin_account, caplog):
    customer = make_customer()
    a, b, c = make_product(stock=1000), make_product(stock=1000), make_product(stock=1000)

    def forward():
        return order_place(customer=customer, items=[(a, 1), (b, 1), (c, 1)], user=admin_account)

    def backward():
        return order_place(customer=customer, items=[(c, 1), (b, 1), (a, 1)], user=admin_account)

    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together([forward, backward] * 8)
    assert all(isinstance(r, Order) for r in results), results
    assert "Deadlock" not in caplog.text  # locks in primary-key order: not even a retried one
    for product in (a, b, c):
        product.refresh_from_db()
        assert product.stock == 1000 - 16
    assert_ledger_holds()


def test_concurrent_production_orders_and_cancels_lose_no_update(admin_account, caplog):
    customer, employee = make_customer(), make_employee()
    product = make_product(stock=10)
    cancellable = [
        order_place(customer=customer, items=[(product, 1)], user=admin_account) for _ in range(4)
    ]
    workers = [
        lambda: production_create(
            product=product, employee=employee, quantity=3, user=admin_account
        )
    ] * 6
    workers += [
        lambda: order_place(customer=customer, items=[(product, 2)], user=admin_account)
    ] * 6
    workers += [lambda o=o: order_cancel(order=o, user=admin_account) for o in cancellable]
    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together(workers)
    assert "Deadlock" not in caplog.text
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    product.refresh_from_db()
    # 10 - 4 (cancellable) + 6*3 (production) - 6*2 (orders) + 4 (cancels) = 16
    assert product.stock == 16
    assert_ledger_holds()
