from factory.db import atomic_with_retry
from factory.services import instance_delete
from products.models import Product, StockMovement
from products.services.stock import stock_apply

EDITABLE_FIELDS = (
    "name",
    "sku",
    "description",
    "price",
    "reorder_level",
    "reorder_quantity",
    "default_supplier",
)


@atomic_with_retry
def product_create(*, initial_stock: int = 0, user=None, **fields) -> Product:
    """Create a product; `initial_stock` goes on the ledger as an `initial` movement."""
    product = Product(**{name: fields[name] for name in EDITABLE_FIELDS if name in fields})
    product.sku = product.sku or None
    product.full_clean()
    product.save()
    if initial_stock:
        product = stock_apply(
            deltas={product.pk: initial_stock},
            reason=StockMovement.Reason.INITIAL,
            reference=f"product:{product.pk}",
            user=user,
        )[product.pk]
    return product


@atomic_with_retry
def product_update(*, product: Product, **fields) -> Product:
    """Change a product's catalogue fields; stock is not one of them."""
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(product, name, fields[name])
    product.sku = product.sku or None
    product.full_clean()
    # Save only catalogue fields so a concurrent stock change is never overwritten.
    product.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
    product.refresh_from_db(fields=["stock"])
    return product


@atomic_with_retry
def product_delete(*, product: Product) -> None:
    """Delete a product with its ledger; InUse (409) if orders, production or purchase orders reference it."""
    instance_delete(
        product,
        in_use_message=f"Product '{product.name}' is on orders or production records, or on purchase orders, and cannot be deleted.",
    )
