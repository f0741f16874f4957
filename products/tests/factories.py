"""Test data for products. (factory_boy cannot be imported here: the project package `factory/`,
fixed by the design card, shadows its top-level `factory` module; plain functions do the job.)"""

import itertools
from decimal import Decimal

from products.models import Product
from products.services import product_create

_sequence = itertools.count(1)


def make_product(*, stock: int = 0, **fields) -> Product:
    """A product; `stock=N` puts N units on hand through the ledger (an `initial` movement)."""
    n = next(_sequence)
    fields.setdefault("name", f"Widget {n}")
    fields.setdefault("sku", f"WID-{n:05d}")
    fields.setdefault("price", Decimal("12.50"))
    return product_create(initial_stock=stock, **fields)


def ledger_sum(product) -> int:
    return sum(product.movements.values_list("delta", flat=True))


def assert_ledger_holds() -> None:
    """SPEC §5 for every product: stock is never negative and equals the sum of its movements."""
    for product in Product.objects.all():
        assert product.stock == ledger_sum(product) >= 0, product
