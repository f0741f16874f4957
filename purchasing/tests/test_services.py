"""The services as any caller (API, admin, shell) meets them: rules hold without the serializers."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from products.models import StockMovement
from products.services import stock_adjust
from products.tests.factories import make_product
from purchasing.errors import NotDraft, OverReceipt
from purchasing.services import (
    LineInput,
    purchase_order_create,
    purchase_order_receive,
    purchase_order_update,
)
from purchasing.tests.factories import make_purchase_order, make_supplier, purchasing_state

pytestmark = pytest.mark.django_db


def test_receive_refuses_quantities_below_one_and_changes_nothing(admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    line = order.lines.order_by("id").first()
    before = purchasing_state()
    for quantity in (0, -1):
        with pytest.raises(ValidationError):
            purchase_order_receive(order=order, receipts=[(line.pk, quantity)], user=admin_account)
    assert purchasing_state() == before


def test_over_receipt_lists_every_line_before_any_write(admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    first, second = order.lines.order_by("id")
    before = purchasing_state()
    with pytest.raises(OverReceipt) as refused:
        purchase_order_receive(
            order=order, receipts=[(first.pk, 11), (second.pk, 6)], user=admin_account
        )
    assert refused.value.extra["lines"] == [
        {"line": first.pk, "outstanding": 10, "requested": 11},
        {"line": second.pk, "outstanding": 5, "requested": 6},
    ]
    assert purchasing_state() == before


def test_update_of_a_placed_order_raises_not_draft(admin_account):
    order = make_purchase_order(user=admin_account, place=True)
    before = purchasing_state()
    with pytest.raises(NotDraft):
        purchase_order_update(order=order, notes="late")
    assert purchasing_state() == before


def test_create_refuses_a_product_twice_with_nothing_written(admin_account):
    product = make_product()
    line = LineInput(product=product, quantity=1, unit_cost=Decimal("1"))
    before = purchasing_state()
    with pytest.raises(ValidationError):
        purchase_order_create(supplier=make_supplier(), lines=[line, line], user=admin_account)
    assert {k: v for k, v in purchasing_state().items() if k != "Supplier"} == {
        k: v for k, v in before.items() if k != "Supplier"
    }


def test_movements_other_than_receipts_carry_cost_zero(admin_account):
    product = make_product(stock=3)
    stock_adjust(product=product, delta=2, user=admin_account)
    assert set(StockMovement.objects.values_list("unit_cost", flat=True)) == {Decimal("0")}
