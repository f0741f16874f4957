"""`stock.low` (SPEC §18): a product's stock fell to or below its reorder level, from above it."""

from events.services import event_record
from products.models import Product


def stock_low_record(sender, *, product_ids, stocks_before, products, **kwargs) -> None:
    """Receiver of `stock_changed` (inside stock_apply's transaction): one event per product
    crossing its `reorder_level > 0` downwards. Staying below it, or rising, records nothing.

    The stock and reorder level are the locked rows' (`products`), not read again: the rows are
    locked until commit, so they are what the database holds."""
    crossed = [
        pk
        for pk in product_ids
        if products[pk].reorder_level > 0
        and products[pk].stock <= products[pk].reorder_level < stocks_before[pk]
    ]
    for pk in crossed:
        event_record("stock.low", Product(pk=pk))
