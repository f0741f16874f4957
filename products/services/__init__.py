"""Every write to products and their stock. Stock changes only through `stock_apply`."""

from products.services.catalog import product_create, product_delete, product_update
from products.services.stock import stock_adjust, stock_apply, stock_lock

__all__ = [
    "product_create",
    "product_delete",
    "product_update",
    "stock_adjust",
    "stock_apply",
    "stock_lock",
]
