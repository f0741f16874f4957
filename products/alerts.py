"""`stock.low` (SPEC §18): a product's stock fell to or below its reorder level, from above it."""

from events.services import event_record
from products.models import Product


def stock_low_record(sender, *, product_ids, stocks_before=None, **kwargs) -> None:
    """Receiver of `stock_changed` (inside stock_apply's transaction): one event per product
    crossing its `reorder_level > 0` downwards. Staying below it, or rising, records nothing."""
    if not stocks_before:
        return
    crossed = [
        pk
        for pk, stock, level in Product.objects.filter(
            pk__in=product_ids, reorder_level__gt=0
        ).values_list("pk", "stock", "reorder_level")
        if stock <= level < stocks_before[pk]
    ]
    for pk in crossed:
        event_record("stock.low", Product(pk=pk))
