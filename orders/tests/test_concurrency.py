"""Real threads, one database connection each, against MariaDB's row locks (SQLite cannot show a race)."""

import logging

import pytest
from django.db import transaction

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import AlreadyCancelled, InsufficientStock
from factory.testing import run_together
from orders.errors import AlreadyInvoiced, Invoiced
from orders.invoicing import invoice_issue, utc_today
from orders.models import Invoice, InvoiceCounter, Order, OrderItem
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


# --- Invoices (SPEC §16): numbers consecutive under concurrent issuing ------------------


def test_50_concurrent_invoice_issues_get_numbers_1_to_50_exactly(admin_account, caplog):
    customer, product = make_customer(), make_product(stock=100)
    orders = [
        order_place(customer=customer, items=[(product, 1)], user=admin_account) for _ in range(50)
    ]
    assert not InvoiceCounter.objects.exists()  # the year's counter row is created in the race too
    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together(
            [lambda o=o: invoice_issue(order=o, user=admin_account) for o in orders]
        )
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    year = utc_today().year
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [
        f"INV-{year}-{n:06d}" for n in range(1, 51)
    ]
    assert sorted(Invoice.objects.values_list("order_id", flat=True)) == [o.pk for o in orders]
    assert InvoiceCounter.objects.get(year=year).last == 50
    assert "Deadlock" not in caplog.text  # order row, then counter row: no retry needed


def test_concurrent_issues_of_one_order_make_one_invoice(admin_account):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=5), 1)], user=admin_account
    )
    results = run_together([lambda: invoice_issue(order=order, user=admin_account)] * 8)
    issued = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, AlreadyInvoiced)]
    assert len(issued) == 1 and len(refused) == 7, results
    assert {r.extra["invoice"] for r in refused} == {issued[0].pk}
    assert InvoiceCounter.objects.get().last == 1


def test_concurrent_cancel_and_invoice_of_one_order_do_one_or_the_other(admin_account):
    for _ in range(5):
        order = order_place(
            customer=make_customer(), items=[(make_product(stock=5), 1)], user=admin_account
        )
        cancel, issue = run_together(
            [
                lambda o=order: order_cancel(order=o, user=admin_account),
                lambda o=order: invoice_issue(order=o, user=admin_account),
            ]
        )
        order.refresh_from_db()
        if isinstance(issue, Invoice):
            assert isinstance(cancel, Invoiced) and order.status == Order.Status.PLACED
        else:
            assert isinstance(issue, AlreadyCancelled) and order.status == Order.Status.CANCELLED
            assert not Invoice.objects.filter(order=order).exists()
    assert_ledger_holds()


def test_rolled_back_issue_on_mariadb_leaves_no_gap(admin_account):
    customer, product = make_customer(), make_product(stock=10)
    first, failing, third = (
        order_place(customer=customer, items=[(product, 1)], user=admin_account) for _ in range(3)
    )
    invoice_issue(order=first, user=admin_account)
    with pytest.raises(RuntimeError), transaction.atomic():
        invoice_issue(order=failing, user=admin_account)
        raise RuntimeError("rolled back after issuing")
    assert invoice_issue(order=third, user=admin_account).sequence == 2
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2]
