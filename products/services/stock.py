"""The one code path that changes `Product.stock`, writing the ledger in the same transaction."""

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from factory.db import atomic_with_retry
from factory.errors import InsufficientStock, NotFound
from products.models import Product, StockMovement
from products.signals import stock_changed


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


def stock_apply(
    *,
    deltas: Mapping[int, int],
    reason: str,
    reasons: Mapping[int, str] | None = None,
    reference: str = "",
    note: str = "",
    user=None,
    unit_costs: Mapping[int, Decimal] | None = None,
) -> dict[int, Product]:
    """Add `delta` to each product's stock and write one ledger row per change.

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
    commit or roll back together. Returns the locked products with their new stock.
    Raises NotFound if a product id is unknown (deleted since the caller read it). `unit_costs`
    gives a movement's `unit_cost` per product (a purchase receipt's line cost); 0 where not given.
    """
    unit_costs = unit_costs or {}
    deltas = {int(pk): int(delta) for pk, delta in deltas.items() if delta}
    reasons = {int(pk): value for pk, value in (reasons or {}).items()}
    with transaction.atomic():
        products = stock_lock(product_ids=deltas)
        missing = sorted(set(deltas) - set(products))
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

        now = timezone.now()
        for pk, delta in sorted(deltas.items()):
            Product.objects.filter(pk=pk).update(stock=F("stock") + delta, updated_at=now)
            products[pk].stock += delta
            products[pk].updated_at = now
        StockMovement.objects.bulk_create(
            StockMovement(
                product_id=pk,
                delta=delta,
                reason=reasons.get(pk, reason),
                reference=reference,
                note=note,
                unit_cost=unit_costs.get(pk, Decimal("0")),
                created_by=user,
            )
            for pk, delta in sorted(deltas.items())
        )
        if deltas:
            stock_changed.send(
                sender=Product,
                product_ids=sorted(deltas),
                stocks_before={pk: products[pk].stock - delta for pk, delta in deltas.items()},
            )
    return products


@atomic_with_retry
def stock_adjust(*, product: Product, delta: int, note: str = "", user=None) -> Product:
    """A manual correction (stock count, damage, ...); below zero raises InsufficientStock."""
    return stock_apply(
        deltas={product.pk: delta},
        reason=StockMovement.Reason.ADJUSTMENT,
        reference="manual",
        note=note,
        user=user,
    )[product.pk]
