from decimal import Decimal

from factory.db import atomic_with_retry
from factory.services import Conflicts, instance_delete, instance_save
from products import selectors
from products.models import Product, StockMovement
from products.services.stock import check_unit_cost, stock_apply

EDITABLE_FIELDS = (
    "name",
    "sku",
    "description",
    "price",
    "reorder_level",
    "unit",
    "reorder_quantity",
    "default_supplier",
)


def _save(
    product: Product,
    *,
    update_fields: list[str] | None = None,
    conflicts: Conflicts | None = None,
) -> Product:
    """Validate and write, refusing a name or SKU another product has in any letter case (400)."""
    product.sku = product.sku or None
    return instance_save(
        product,
        update_fields=update_fields,
        conflicts=conflicts
        or (
            lambda: selectors.product_conflicts(
                name=product.name, sku=product.sku, exclude_pk=product.pk
            )
        ),
    )


@atomic_with_retry
def product_create(
    *,
    initial_stock: int = 0,
    unit_cost: Decimal | None = None,
    user=None,
    conflicts: Conflicts | None = None,
    **fields,
) -> Product:
    """Create a product; `initial_stock` goes on the ledger as an `initial` movement, at
    `unit_cost` when given (its average cost; 0 without one). ValidationError (400) for bad
    fields, a name or SKU taken in any letter case, or a `unit_cost` without initial stock.
    `conflicts`: the uniqueness answer for this row when the caller asked the database for many
    rows at once (an import, factory.imports); by default the service asks."""
    check_unit_cost(quantity=initial_stock, unit_cost=unit_cost, field="initial_stock")
    product = _save(
        Product(**{name: fields[name] for name in EDITABLE_FIELDS if name in fields}),
        conflicts=conflicts,
    )
    if initial_stock:
        product = stock_apply(
            deltas={product.pk: initial_stock},
            reason=StockMovement.Reason.INITIAL,
            reference=f"product:{product.pk}",
            user=user,
            unit_costs={} if unit_cost is None else {product.pk: unit_cost},
        )[product.pk]
    return product


@atomic_with_retry
def product_update(*, product: Product, conflicts: Conflicts | None = None, **fields) -> Product:
    """Change a product's catalogue fields; stock is not one of them."""
    for name in EDITABLE_FIELDS:
        if name in fields:
            setattr(product, name, fields[name])
    # Save only catalogue fields so a concurrent stock change is never overwritten.
    _save(product, update_fields=[*EDITABLE_FIELDS, "updated_at"], conflicts=conflicts)
    product.refresh_from_db(fields=["stock"])
    return product


@atomic_with_retry
def product_delete(*, product: Product) -> None:
    """Delete a product with its ledger; InUse (409) if orders, production or purchase orders reference it."""
    instance_delete(
        product,
        in_use_message=(
            f"Product '{product.name}' is on orders, production records or purchase orders, "
            "or a component of a bill of materials, and cannot be deleted."
        ),
    )
