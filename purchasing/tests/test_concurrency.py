"""Receipts racing each other and orders, with real threads on MariaDB (SQLite cannot show a race)."""

import logging

import pytest

from customers.tests.factories import make_customer
from factory.errors import InsufficientStock
from factory.testing import run_together
from orders.models import Order, OrderItem
from orders.services import order_place
from products.models import StockMovement
from products.tests.factories import assert_ledger_holds, make_product
from purchasing.errors import OverReceipt
from purchasing.models import PurchaseOrder
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order

pytestmark = [
    pytest.mark.mariadb,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_concurrent_receipts_of_one_line_never_exceed_the_ordered_quantity(admin_account, caplog):
    product = make_product()
    order = make_purchase_order(user=admin_account, lines=[(product, 10, "1.0000")], place=True)
    line = order.lines.get()

    def receive_three():
        return purchase_order_receive(order=order, receipts=[(line.pk, 3)], user=admin_account)

    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together([receive_three] * 8)
    received = [r for r in results if isinstance(r, PurchaseOrder)]
    refused = [r for r in results if isinstance(r, OverReceipt)]
    assert len(received) == 3 and len(refused) == 5, results  # 3 x 3 = 9 <= 10 < 12
    assert "Deadlock" not in caplog.text
    line.refresh_from_db()
    product.refresh_from_db()
    assert line.received_quantity == 9 == product.stock
    assert product.movements.filter(reason=StockMovement.Reason.PURCHASE_RECEIPT).count() == 3
    assert PurchaseOrder.objects.get(pk=order.pk).status == "partially_received"
    assert_ledger_holds()


def test_receipts_racing_orders_on_the_same_products_keep_the_ledger_exact(admin_account, caplog):
    customer = make_customer()
    a, b = make_product(stock=5), make_product(stock=5)
    orders = [
        make_purchase_order(
            user=admin_account, lines=[(a, 4, "1.0000"), (b, 4, "2.0000")], place=True
        )
        for _ in range(4)
    ]
    workers = []
    for po in orders:
        first, second = po.lines.order_by("id")
        workers.append(
            lambda po=po, f=first, s=second: purchase_order_receive(
                order=po, receipts=[(s.pk, 4), (f.pk, 4)], user=admin_account
            )
        )
    # Orders listing the products both ways round, taking 2 of each: 10 + 16 units come in.
    workers += [
        lambda: order_place(customer=customer, items=[(a, 2), (b, 2)], user=admin_account)
    ] * 6
    workers += [
        lambda: order_place(customer=customer, items=[(b, 2), (a, 2)], user=admin_account)
    ] * 6
    with caplog.at_level(logging.WARNING, logger="factory.db"):
        results = run_together(workers)
    assert "Deadlock" not in caplog.text
    unexpected = [
        r for r in results if not isinstance(r, (PurchaseOrder, Order, InsufficientStock))
    ]
    assert not unexpected, unexpected
    assert sum(isinstance(r, PurchaseOrder) for r in results) == 4
    sold = {
        product.pk: sum(
            OrderItem.objects.filter(product=product).values_list("quantity", flat=True)
        )
        for product in (a, b)
    }
    for product in (a, b):
        product.refresh_from_db()
        assert product.stock == 5 + 16 - sold[product.pk] >= 0
    assert_ledger_holds()
