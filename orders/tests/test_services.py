from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from customers.tests.factories import make_customer
from factory.errors import AlreadyCancelled, InsufficientStock
from orders.models import Order, OrderItem
from orders.services import order_cancel, order_place, order_totals
from products.models import StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lines", "rate", "expected"),
    [
        ([(Decimal("10.00"), 1)], Decimal("0.09"), ("10.00", "0.90", "10.90")),
        ([(Decimal("0.05"), 1)], Decimal("0.09"), ("0.05", "0.00", "0.05")),  # 0.0045 → 0.00
        ([(Decimal("0.50"), 1)], Decimal("0.09"), ("0.50", "0.05", "0.55")),  # 0.045 → 0.05 half-up
        (
            [(Decimal("12.50"), 3), (Decimal("0.99"), 7)],
            Decimal("0.09"),
            ("44.43", "4.00", "48.43"),
        ),
        ([(Decimal("1.00"), 1)], Decimal("0.0725"), ("1.00", "0.07", "1.07")),
    ],
)
def test_order_totals_round_tax_half_up_to_cents(lines, rate, expected):
    assert tuple(str(v) for v in order_totals(lines=lines, tax_rate=rate)) == expected


def test_order_place_takes_stock_snapshots_prices_and_writes_ledger(user_account):
    customer = make_customer()
    a = make_product(stock=10, price=Decimal("12.50"))
    b = make_product(stock=5, price=Decimal("0.99"))
    order = order_place(customer=customer, items=[(a, 3), (b, 5)], user=user_account)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.stock, b.stock) == (7, 0)
    assert ledger_sum(a) == 7 and ledger_sum(b) == 0
    assert (order.subtotal, order.tax, order.total) == (
        Decimal("42.45"),
        Decimal("3.82"),
        Decimal("46.27"),
    )
    assert order.tax_rate == Decimal("0.09") and order.status == "placed"
    assert list(order.items.values_list("product_id", "quantity", "unit_price")) == [
        (a.pk, 3, Decimal("12.50")),
        (b.pk, 5, Decimal("0.99")),
    ]
    movement = a.movements.get(reason="order")
    assert (movement.delta, movement.reference) == (-3, f"order:{order.pk}")

    a.price = Decimal("99.00")
    a.save()
    assert order.items.get(product=a).unit_price == Decimal("12.50")


@override_settings(TAX_RATE=Decimal("0.2"))
def test_order_place_fixes_the_tax_rate_on_the_order(user_account):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=1), 1)], user=user_account
    )
    assert order.tax_rate == Decimal("0.2") and order.tax == Decimal("2.50")


def test_order_place_shortage_lists_every_item_and_writes_nothing(user_account):
    customer = make_customer()
    a, b, c = make_product(stock=1), make_product(stock=50), make_product(stock=0)
    movements = StockMovement.objects.count()
    with pytest.raises(InsufficientStock) as caught:
        order_place(customer=customer, items=[(c, 2), (b, 5), (a, 4)], user=user_account)
    assert caught.value.extra["items"] == [
        {"product": a.pk, "requested": 4, "available": 1},
        {"product": c.pk, "requested": 2, "available": 0},
    ]
    assert not Order.objects.exists() and not OrderItem.objects.exists()
    assert StockMovement.objects.count() == movements
    assert [p.stock for p in (a, b, c)] == [1, 50, 0]


@pytest.mark.parametrize("items", [[], "duplicate"])
def test_order_place_rejects_empty_or_duplicate_items(user_account, items):
    product = make_product(stock=9)
    if items == "duplicate":
        items = [(product, 1), (product, 2)]
    with pytest.raises(ValidationError):
        order_place(customer=make_customer(), items=items, user=user_account)
    assert not Order.objects.exists()
    product.refresh_from_db()
    assert product.stock == 9


def test_order_cancel_returns_stock_once(user_account, admin_account):
    product = make_product(stock=4)
    order = order_place(customer=make_customer(), items=[(product, 3)], user=user_account)
    order_cancel(order=order, user=admin_account)
    product.refresh_from_db()
    assert product.stock == 4 == ledger_sum(product)
    assert Order.objects.get().status == "cancelled"
    assert product.movements.filter(reason="order_cancel").get().delta == 3

    with pytest.raises(AlreadyCancelled):
        order_cancel(order=order, user=admin_account)
    product.refresh_from_db()
    assert product.stock == 4 and product.movements.count() == 3
