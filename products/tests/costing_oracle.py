"""An oracle for SPEC §15: replay the whole ledger in order and check every movement's cost.

Independent of `products.services.stock`: it knows only the spec's rules and what the ledger,
the order items and the purchase-order lines store. For every movement, in id order:

- an outgoing one carries the product's average at that moment;
- an incoming one moves the average by round_half_up((stock x avg + qty x cost) / (stock + qty), 4)
  (a movement at the current average leaves it as it is, so the replay needs no list of which
  reasons "have a cost": it checks each reason's cost instead);
- an order's movement and its cancellation carry the order item's `unit_cost`;
- a returned component (positive `consumption`) carries the cost of that record's latest
  consumption of it;
- production that consumed components (its call's consumption rows) carries Σ consumed x the
  components' averages / units made; production without them carries the average;
- a receipt carries its purchase-order line's cost.

Returns `{product_id: (stock, average_cost)}` to compare with the products table.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from products.models import StockMovement

ZERO = Decimal("0")
QUANTUM = Decimal("0.0001")


def expected_average(stock: int, average: Decimal, quantity: int, cost: Decimal) -> Decimal:
    if stock == 0:
        return cost.quantize(QUANTUM, rounding=ROUND_HALF_UP)
    exact = (Decimal(stock) * average + Decimal(quantity) * cost) / Decimal(stock + quantity)
    return exact.quantize(QUANTUM, rounding=ROUND_HALF_UP)


def _calls(movements):
    """Movements grouped by the stock call that wrote them: consecutive ids, one reference, and
    each product at most once (a call writes one row a product, in primary-key order)."""
    group: list = []
    for movement in movements:
        seen = {m.product_id for m in group}
        if group and (movement.reference != group[0].reference or movement.product_id in seen):
            yield group
            group = []
        group.append(movement)
    if group:
        yield group


def replay_ledger() -> dict[int, tuple[int, Decimal]]:
    from orders.models import OrderItem
    from purchasing.models import PurchaseOrderLine

    item_costs = {
        (f"order:{order_id}", product_id): cost
        for order_id, product_id, cost in OrderItem.objects.values_list(
            "order_id", "product_id", "unit_cost"
        )
    }
    line_costs = {
        (f"po:{order_id}", product_id): cost
        for order_id, product_id, cost in PurchaseOrderLine.objects.values_list(
            "order_id", "product_id", "unit_cost"
        )
    }
    stock: dict[int, int] = defaultdict(int)
    average: dict[int, Decimal] = defaultdict(lambda: ZERO)
    consumed_at: dict[tuple[str, int], Decimal] = {}

    for call in _calls(StockMovement.objects.order_by("id")):
        consumption = [m for m in call if m.reason == StockMovement.Reason.CONSUMPTION]
        for m in call:
            pk, key, where = m.product_id, (m.reference, m.product_id), f"movement {m.pk} {m}"
            if m.delta < 0:
                assert m.unit_cost == average[pk], (
                    f"{where}: left at {m.unit_cost}, not the average"
                )
            elif m.reason == StockMovement.Reason.CONSUMPTION:
                assert m.unit_cost == consumed_at[key], f"{where}: not returned at its cost"
            elif m.reason == StockMovement.Reason.ORDER_CANCEL:
                assert m.unit_cost == item_costs[key], f"{where}: not returned at the item's cost"
            elif m.reason == StockMovement.Reason.PURCHASE_RECEIPT:
                assert m.unit_cost == line_costs[key], f"{where}: not at the line's cost"
            elif m.reason in (
                StockMovement.Reason.PRODUCTION,
                StockMovement.Reason.PRODUCTION_CHANGE,
            ):
                if consumption:
                    made = sum((-c.delta * average[c.product_id] for c in consumption), ZERO)
                    assert m.unit_cost == made / m.delta, f"{where}: not its components' cost"
                else:
                    assert m.unit_cost == average[pk], f"{where}: not at the average"
            if m.reason == StockMovement.Reason.ORDER:
                assert m.unit_cost == item_costs[key], (
                    f"{where}: item cost differs from its movement"
                )
            if m.reason == StockMovement.Reason.CONSUMPTION and m.delta < 0:
                consumed_at[key] = m.unit_cost
            if m.delta > 0:
                average[pk] = expected_average(stock[pk], average[pk], m.delta, m.unit_cost)
            stock[pk] += m.delta
            assert stock[pk] >= 0, where
            assert average[pk] >= 0, where
    return {pk: (stock[pk], average[pk]) for pk in stock}
