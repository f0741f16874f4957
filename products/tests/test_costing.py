"""SPEC §15 costing, pinned with hand-computed examples (docs/costing.md works the same numbers).

Every movement's `unit_cost` and every product's `average_cost` are the stock service's:
receipts at their line cost, BOM production at Σ per_unit x the components' average at that
moment, returns at the cost they left with, everything else at the current average (unchanged).
"""

from decimal import Decimal as D

import pytest

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.errors import InsufficientStock
from orders.models import OrderItem
from orders.services import order_cancel, order_place
from production.services import (
    bom_activate,
    bom_create,
    production_create,
    production_delete,
    production_update,
)
from products.models import Product, StockMovement
from products.services import stock_adjust, stock_apply
from products.services.stock import weighted_average
from products.tests.costing_oracle import replay_ledger
from products.tests.factories import make_product
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _ledger_replays(db):
    """After each example, an independent replay of the ledger agrees with every product."""
    yield
    replayed = replay_ledger()
    for pk, stock, average_cost in Product.objects.values_list("pk", "stock", "average_cost"):
        assert replayed.get(pk, (0, D("0"))) == (stock, average_cost), pk


def average(product) -> D:
    return Product.objects.get(pk=product.pk).average_cost


def last_movement(product) -> StockMovement:
    return StockMovement.objects.filter(product=product).order_by("-id").first()


def receive(product, quantity, cost, user):
    order = make_purchase_order(user=user, lines=[(product, quantity, cost)], place=True)
    line = order.lines.get()
    return purchase_order_receive(order=order, receipts=[(line.pk, quantity)], user=user)


# --- the formula ----------------------------------------------------------------


def test_weighted_average_rounds_half_up_to_four_places():
    # (1 x 0.0001 + 1 x 0) / 2 = 0.00005: half-up gives 0.0001 (half-even would give 0.0000).
    assert weighted_average(stock=1, average=D("0.0001"), quantity=1, unit_cost=D("0")) == D(
        "0.0001"
    )
    # (3 x 1 + 0 ) / 7 = 0.428571... -> 0.4286
    assert weighted_average(stock=3, average=D("1"), quantity=4, unit_cost=D("0")) == D("0.4286")
    # No stock: just the new cost.
    assert weighted_average(stock=0, average=D("9.9999"), quantity=5, unit_cost=D("2.5")) == D(
        "2.5000"
    )


def test_half_up_at_the_fifth_place_through_the_service(admin_account):
    product = make_product(stock=1, unit_cost=D("0.0001"))
    stock_adjust(product=product, delta=1, unit_cost=D("0"), user=admin_account)
    assert average(product) == D("0.0001")


# --- receipts -------------------------------------------------------------------


def test_receipts_at_two_costs_make_the_weighted_average(admin_account):
    bolt = make_product(name="Bolt")
    receive(bolt, 10, D("2.0000"), admin_account)
    assert average(bolt) == D("2.0000")  # no stock before: just the line's cost
    receive(bolt, 30, D("3.0000"), admin_account)
    # (10 x 2 + 30 x 3) / 40 = 110 / 40 = 2.75
    assert average(bolt) == D("2.7500")
    assert last_movement(bolt).unit_cost == D("3.0000")
    receive(bolt, 3, D("1.0001"), admin_account)
    # (40 x 2.75 + 3 x 1.0001) / 43 = 113.0003 / 43 = 2.62791395... -> 2.6279
    assert average(bolt) == D("2.6279")
    assert last_movement(bolt).unit_cost == D("1.0001")


def test_outgoing_and_uncosted_movements_carry_the_average_and_keep_it(admin_account):
    product = make_product(stock=10, unit_cost=D("1.2345"))
    assert last_movement(product).unit_cost == D("1.2345")  # the initial movement
    stock_adjust(product=product, delta=-3, user=admin_account)
    assert last_movement(product).unit_cost == D("1.2345")
    stock_adjust(product=product, delta=5, user=admin_account)  # no cost given
    assert last_movement(product).unit_cost == D("1.2345")
    order_place(customer=make_customer(), items=[(product, 2)], user=admin_account)
    assert last_movement(product).unit_cost == D("1.2345")
    production_create(product=product, employee=make_employee(), quantity=4, user=admin_account)
    assert last_movement(product).unit_cost == D("1.2345")  # production without a BOM
    assert average(product) == D("1.2345")


def test_initial_stock_without_a_cost_costs_zero(admin_account):
    product = make_product(stock=4)
    assert average(product) == D("0") and last_movement(product).unit_cost == D("0")
    stock_adjust(product=product, delta=4, unit_cost=D("3"), user=admin_account)
    assert average(product) == D("1.5000")  # (4 x 0 + 4 x 3) / 8


# --- production with a bill of materials ----------------------------------------


@pytest.fixture
def table(admin_account):
    """A table of 4 legs (40 at 2.5000) and 1 top (10 at 12.3456), its BOM active."""
    table = make_product(name="Table")
    leg = make_product(name="Leg", stock=40, unit_cost=D("2.5000"))
    top = make_product(name="Top", stock=10, unit_cost=D("12.3456"))
    bom = bom_create(product=table, lines=[(leg, 4), (top, 1)], user=admin_account)
    bom_activate(bom=bom)
    return table, leg, top


def test_consumption_then_production_costs_the_components(table, admin_account):
    table_, leg, top = table
    employee = make_employee()
    first = production_create(product=table_, employee=employee, quantity=3, user=admin_account)
    # 4 x 2.5000 + 1 x 12.3456 = 22.3456 a table
    assert last_movement(table_).unit_cost == D("22.3456")
    assert average(table_) == D("22.3456")
    consumed = {m.product_id: m for m in StockMovement.objects.filter(reason="consumption")}
    assert (consumed[leg.pk].delta, consumed[leg.pk].unit_cost) == (-12, D("2.5000"))
    assert (consumed[top.pk].delta, consumed[top.pk].unit_cost) == (-3, D("12.3456"))
    assert average(leg) == D("2.5000") and average(top) == D("12.3456")  # outgoing: unchanged

    stock_adjust(product=leg, delta=8, unit_cost=D("3.0000"), user=admin_account)
    # legs: (28 x 2.5 + 8 x 3) / 36 = 94 / 36 = 2.61111... -> 2.6111
    assert average(leg) == D("2.6111")
    second = production_create(product=table_, employee=employee, quantity=2, user=admin_account)
    # 4 x 2.6111 + 12.3456 = 22.7900; tables: (3 x 22.3456 + 2 x 22.79) / 5 = 22.52336 -> 22.5234
    assert last_movement(table_).unit_cost == D("22.7900")
    assert average(table_) == D("22.5234")
    assert first.pk != second.pk


def test_production_change_and_delete_return_components_at_their_consumption_cost(
    table, admin_account
):
    table_, leg, top = table
    employee = make_employee()
    first = production_create(product=table_, employee=employee, quantity=3, user=admin_account)
    stock_adjust(product=leg, delta=8, unit_cost=D("3.0000"), user=admin_account)  # legs 2.6111
    second = production_create(product=table_, employee=employee, quantity=2, user=admin_account)
    stock_adjust(product=leg, delta=36, unit_cost=D("1.0000"), user=admin_account)
    # legs: (28 x 2.6111 + 36 x 1) / 64 = 109.1108 / 64 = 1.70485625 -> 1.7049
    assert average(leg) == D("1.7049")

    production_update(record=second, quantity=1, user=admin_account)
    # one table out at the tables' average; 4 legs back at 2.6111 (the record's consumption cost):
    # legs (64 x 1.7049 + 4 x 2.6111) / 68 = 119.558 / 68 = 1.75820588... -> 1.7582
    table_out, leg_back, top_back = _by_product(second)  # table, leg, top: made in that order
    assert table_out == (table_.pk, -1, D("22.5234"))
    assert leg_back == (leg.pk, 4, D("2.6111"))
    assert top_back == (top.pk, 1, D("12.3456"))
    assert average(leg) == D("1.7582")
    assert average(table_) == D("22.5234")  # outgoing: unchanged
    assert average(top) == D("12.3456")  # (5 x 12.3456 + 1 x 12.3456) / 6

    # Growing it again consumes at today's average, and a later return uses that latest cost.
    production_update(record=second, quantity=2, user=admin_account)
    assert _by_product(second)[1] == (leg.pk, -4, D("1.7582"))
    production_delete(record=second, user=admin_account)
    assert _by_product(second)[1] == (leg.pk, 8, D("1.7582"))

    production_delete(record=first, user=admin_account)
    # 12 legs back at 2.5000 (what the first record consumed them at)
    assert _by_product(first)[1] == (leg.pk, 12, D("2.5000"))
    assert _by_product(first)[2] == (top.pk, 3, D("12.3456"))


def _by_product(record):
    """The latest movement of each product under the record's reference, by product id."""
    latest = {}
    for pk, delta, cost in (
        StockMovement.objects.filter(reference=f"production:{record.pk}")
        .order_by("id")
        .values_list("product_id", "delta", "unit_cost")
    ):
        latest[pk] = (pk, delta, cost)
    return [latest[pk] for pk in sorted(latest)]


def test_a_refused_production_changes_no_cost(table, admin_account):
    table_ = table[0]
    before = sorted(Product.objects.values_list("pk", "stock", "average_cost"))
    movements = StockMovement.objects.count()
    with pytest.raises(InsufficientStock):  # 11 tables need 11 tops: 10 in stock
        production_create(product=table_, employee=make_employee(), quantity=11, user=admin_account)
    assert sorted(Product.objects.values_list("pk", "stock", "average_cost")) == before
    assert StockMovement.objects.count() == movements


# --- orders ---------------------------------------------------------------------


def test_order_items_keep_the_average_and_a_cancel_returns_at_it(admin_account):
    gear = make_product(name="Gear", stock=10, unit_cost=D("2.0000"))
    order = order_place(customer=make_customer(), items=[(gear, 4)], user=admin_account)
    assert OrderItem.objects.get(order=order).unit_cost == D("2.0000")
    assert last_movement(gear).unit_cost == D("2.0000")
    stock_adjust(product=gear, delta=6, unit_cost=D("5.0000"), user=admin_account)
    # (6 x 2 + 6 x 5) / 12 = 3.5
    assert average(gear) == D("3.5000")
    order_cancel(order=order, user=admin_account)
    back = last_movement(gear)
    assert (back.reason, back.delta, back.unit_cost) == ("order_cancel", 4, D("2.0000"))
    # (12 x 3.5 + 4 x 2) / 16 = 50 / 16 = 3.125
    assert average(gear) == D("3.1250")


def test_stock_reaching_zero_then_refilled_takes_the_new_cost(admin_account):
    part = make_product(name="Part", stock=5, unit_cost=D("4.0000"))
    order_place(customer=make_customer(), items=[(part, 5)], user=admin_account)
    assert Product.objects.get(pk=part.pk).stock == 0
    assert average(part) == D("4.0000")  # outgoing movements never change the average
    stock_adjust(product=part, delta=2, unit_cost=D("7.0000"), user=admin_account)
    assert average(part) == D("7.0000")  # stock was 0: just the new cost
    stock_adjust(product=part, delta=1, user=admin_account)
    assert (last_movement(part).unit_cost, average(part)) == (D("7.0000"), D("7.0000"))


def test_a_cost_for_outgoing_units_is_refused_by_the_stock_service(admin_account):
    part = make_product(stock=5)
    with pytest.raises(ValueError, match="incoming"):
        stock_apply(deltas={part.pk: -1}, reason="adjustment", unit_costs={part.pk: D("1")})
    assert Product.objects.get(pk=part.pk).stock == 5
