"""The one code path that changes `Product.stock` and `Product.average_cost`, writing the ledger in the same transaction."""

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from factory.db import atomic_with_retry
from factory.errors import InsufficientStock, NotFound
from products.models import COST_PLACES, STORED_COST_DIGITS, Product, StockMovement
from products.signals import stock_changed

COST_QUANTUM = Decimal(1).scaleb(-COST_PLACES)
MAX_STORED_COST = Decimal(10) ** (STORED_COST_DIGITS - COST_PLACES) - COST_QUANTUM


def stock_lock(*, product_ids) -> dict[int, Product]:
    """Lock products (SELECT ... FOR UPDATE, primary-key order) until the transaction ends.

    Callers that insert rows referencing a product before changing its stock
    (a production record, say) lock it first: InnoDB's foreign-key check takes a
    shared lock on the product, and two transactions upgrading shared locks to
    exclusive ones deadlock each other.
    """
    return {
        product.pk: product
        for product in Product.objects.select_for_update()
        .filter(pk__in=list(product_ids))
        .order_by("pk")
    }


def cost_round(value: Decimal) -> Decimal:
    """A cost to four places, half-up (SPEC §15)."""
    return value.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def weighted_average(*, stock: int, average: Decimal, quantity: int, unit_cost: Decimal) -> Decimal:
    """The average after `quantity` units at `unit_cost` join `stock` units at `average`.

    round_half_up((stock x average + quantity x unit_cost) / (stock + quantity), 4), or just
    `unit_cost` when there was no stock. Exact Decimal arithmetic (a context wide enough for any
    stock and cost the fields hold), rounded once.
    """
    if stock <= 0:
        return cost_round(unit_cost)
    with localcontext(prec=80):
        return cost_round((stock * average + quantity * unit_cost) / (stock + quantity))


def _returned_costs(*, reference: str, reasons: Mapping[int, str], product_ids) -> dict:
    """`{product_id: unit_cost}` of the latest movement of each product under `reference` with
    the reason it comes back under (a production record's latest `consumption` of a component)."""
    costs = {}
    rows = (
        StockMovement.objects.filter(reference=reference, product_id__in=list(product_ids))
        .order_by("product_id", "-id")
        .values_list("product_id", "reason", "unit_cost")
    )
    for pk, reason, unit_cost in rows:
        if pk not in costs and reason == reasons[pk]:
            costs[pk] = unit_cost
    return costs


def _incoming_costs(
    *,
    products: dict[int, Product],
    deltas: dict[int, int],
    unit_costs: Mapping[int, Decimal],
    made_from: Mapping[int, Mapping[int, int]],
    returned: set[int],
    returned_costs: Mapping[int, Decimal],
) -> dict[int, Decimal]:
    """The known cost of each incoming movement that has one (SPEC §15), from the averages as
    they are under the lock, before this call changes any of them."""
    known = {}
    for pk, delta in deltas.items():
        if delta < 0:
            continue
        if pk in unit_costs:
            known[pk] = Decimal(unit_costs[pk])
        elif pk in made_from:
            known[pk] = sum(
                (per * products[c].average_cost for c, per in made_from[pk].items()),
                Decimal("0"),
            )
        elif pk in returned and pk in returned_costs:
            known[pk] = returned_costs[pk]
    too_large = sorted(pk for pk, cost in known.items() if cost > MAX_STORED_COST)
    if too_large:
        raise ValidationError(
            {
                "unit_cost": [
                    f"The unit cost of products {too_large} would exceed {MAX_STORED_COST}."
                ]
            }
        )
    return known


def stock_apply(
    *,
    deltas: Mapping[int, int],
    reason: str,
    reasons: Mapping[int, str] | None = None,
    reference: str = "",
    note: str = "",
    user=None,
    unit_costs: Mapping[int, Decimal] | None = None,
    made_from: Mapping[int, Mapping[int, int]] | None = None,
    returned: Iterable[int] = (),
    locked: Mapping[int, Product] | None = None,
) -> dict[int, Product]:
    """Add `delta` to each product's stock and write one ledger row per change, with its cost.

    Each row's reason is `reason`, or `reasons[product_id]` where given: production of a
    product with a bill of materials moves the product (`production`) and takes its
    components (`consumption`) in one call, so all of them are locked, checked and written
    together.

    Locks every product involved with SELECT ... FOR UPDATE in primary-key order,
    so that two callers touching the same products always queue in the same order
    and cannot deadlock. Checks all of them before writing anything and raises
    one InsufficientStock listing every shortage; otherwise updates with F()
    expressions and writes the movements. Runs inside the caller's transaction
    when there is one, so an order or a production record and its stock change
    commit or roll back together. Returns the locked products with their new stock
    and average cost. Raises NotFound if a product id is unknown (deleted since the caller read it).

    Costs (SPEC §15, docs/costing.md), the only place they are computed. An incoming
    (positive) movement has a known cost when the caller gives one in `unit_costs` (a
    receipt's line cost, an adjustment's or initial stock's cost, an order item's cost on
    cancellation), when it is made from components, `made_from[product_id] = {component_id:
    per_unit}` (the sum of per_unit x each component's average, read under this lock), or when
    it is `returned` (a product whose units come back under `reference` and their row's
    reason: they cost what this reference's latest movement of that product with that reason
    cost); then the product's average becomes the weighted average of stock and the new
    units. Every other movement (outgoing ones, incoming ones without a known cost) carries
    the current average and leaves it unchanged. A cost for an outgoing movement is a
    ValueError (a caller's mistake: its units leave at the average); a computed cost too large
    to store is a ValidationError, with nothing written.

    `locked`: rows the caller locked with `stock_lock` earlier in this transaction and has not
    changed since (production locks before inserting its record: see `stock_lock`); they are
    used as read there, and only the other products are locked here, saving a second
    SELECT ... FOR UPDATE of rows already held.
    """
    unit_costs = {int(pk): cost for pk, cost in (unit_costs or {}).items()}
    made_from = {int(pk): dict(lines) for pk, lines in (made_from or {}).items()}
    returned = {int(pk) for pk in returned}
    deltas = {int(pk): int(delta) for pk, delta in deltas.items() if delta}
    reasons = {int(pk): value for pk, value in (reasons or {}).items()}
    if any(deltas.get(pk, 0) < 0 for pk in unit_costs):
        raise ValueError("A unit cost is for incoming units; outgoing ones leave at the average.")
    components = {c for pk in made_from if deltas.get(pk, 0) > 0 for c in made_from[pk]}
    wanted = set(deltas) | components
    with transaction.atomic():
        products = {pk: row for pk, row in (locked or {}).items() if pk in wanted}
        if wanted - set(products):
            products.update(stock_lock(product_ids=wanted - set(products)))
        missing = sorted(wanted - set(products))
        if missing:
            raise NotFound(f"Unknown product ids: {missing}.")

        shortages = [
            {"product": pk, "requested": -delta, "available": products[pk].stock}
            for pk, delta in sorted(deltas.items())
            if products[pk].stock + delta < 0
        ]
        if shortages:
            named = "; ".join(
                f"{products[item['product']].name} (id {item['product']}): "
                f"{item['requested']} requested, {item['available']} available"
                for item in shortages
            )
            raise InsufficientStock(f"Not enough stock for {named}.", items=shortages)

        coming_back = {pk for pk in returned if deltas.get(pk, 0) > 0 and pk not in unit_costs}
        known = _incoming_costs(
            products=products,
            deltas=deltas,
            unit_costs=unit_costs,
            made_from=made_from,
            returned=coming_back,
            returned_costs=_returned_costs(
                reference=reference,
                reasons={pk: reasons.get(pk, reason) for pk in coming_back},
                product_ids=coming_back,
            )
            if coming_back
            else {},
        )
        now = timezone.now()
        movements = []
        for pk, delta in sorted(deltas.items()):
            product = products[pk]
            cost = known.get(pk, product.average_cost)
            if pk in known:
                product.average_cost = weighted_average(
                    stock=product.stock,
                    average=product.average_cost,
                    quantity=delta,
                    unit_cost=cost,
                )
            product.stock += delta
            product.updated_at = now
            movements.append(
                StockMovement(
                    product_id=pk,
                    delta=delta,
                    reason=reasons.get(pk, reason),
                    reference=reference,
                    note=note,
                    unit_cost=cost_round(cost),
                    created_by=user,
                )
            )
        if deltas:
            averages = {pk: products[pk].average_cost for pk in known}
            _stock_update(deltas=deltas, averages=averages, now=now)
            StockMovement.objects.bulk_create(movements)
            stock_changed.send(
                sender=Product,
                product_ids=sorted(deltas),
                stocks_before={pk: products[pk].stock - delta for pk, delta in deltas.items()},
                products=products,
            )
    return products


def _stock_update(*, deltas: Mapping[int, int], averages: Mapping[int, Decimal], now) -> None:
    """One UPDATE for every product: `stock = stock + delta` (an F() expression, so the row's own
    value is the base), the new average cost where it changed, and `updated_at`.

    `CASE id WHEN ... THEN ...` rather than a statement per product: every statement is a round
    trip made while the rows are locked, which is what concurrent orders queue for.
    """
    if len(deltas) == 1:
        ((pk, delta),) = deltas.items()
        fields = {"stock": F("stock") + delta}
        if pk in averages:
            fields["average_cost"] = averages[pk]
    else:
        fields = {
            "stock": F("stock")
            + Case(
                *(When(pk=pk, then=Value(delta)) for pk, delta in deltas.items()),
                output_field=Product._meta.get_field("stock"),
            ),
        }
        if averages:
            fields["average_cost"] = Case(
                *(When(pk=pk, then=Value(cost)) for pk, cost in averages.items()),
                default=F("average_cost"),
                output_field=Product._meta.get_field("average_cost"),
            )
    Product.objects.filter(pk__in=list(deltas)).update(updated_at=now, **fields)


@atomic_with_retry
def stock_adjust(
    *, product: Product, delta: int, note: str = "", user=None, unit_cost: Decimal | None = None
) -> Product:
    """A manual correction (stock count, damage, ...); below zero raises InsufficientStock.

    `unit_cost` prices the units a positive correction adds (SPEC §15; without it they come in
    at the current average). A cost with a negative delta is a ValidationError: units that
    leave always leave at the average.
    """
    check_unit_cost(quantity=delta, unit_cost=unit_cost, field="delta")
    return stock_apply(
        deltas={product.pk: delta},
        reason=StockMovement.Reason.ADJUSTMENT,
        reference="manual",
        note=note,
        user=user,
        unit_costs={} if unit_cost is None else {product.pk: unit_cost},
    )[product.pk]


def check_unit_cost(*, quantity: int, unit_cost: Decimal | None, field: str) -> None:
    """A given cost must price incoming units: ValidationError (400) on `unit_cost` otherwise."""
    if unit_cost is not None and quantity <= 0:
        raise ValidationError(
            {
                "unit_cost": [
                    f"A unit cost prices stock coming in; give it only with a positive {field}. "
                    "Stock that leaves always leaves at the average cost."
                ]
            }
        )
