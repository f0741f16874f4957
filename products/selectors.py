from django.db.models import (
    BigIntegerField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from products.models import NAME_TAKEN, ON_ORDER_STATUSES, SKU_TAKEN, Product, StockMovement


def product_on_order() -> Coalesce:
    """Units of the product not yet received on open purchase orders (SPEC §14 `on_order`).

    A correlated subquery per product row (one index range of its purchase-order lines,
    `po_line_on_order`), so a page of products costs one query whatever its size. The lines
    are reached through their reverse relation: products names no purchasing module.
    """
    outstanding = (
        Product.objects.filter(
            pk=OuterRef("pk"), purchase_lines__order__status__in=ON_ORDER_STATUSES
        )
        .order_by()
        .values("pk")
        .annotate(units=Sum(F("purchase_lines__quantity") - F("purchase_lines__received_quantity")))
        .values("units")
    )
    return Coalesce(
        Subquery(outstanding, output_field=BigIntegerField()),
        Value(0),
        output_field=BigIntegerField(),
    )


def product_list() -> QuerySet[Product]:
    return Product.objects.annotate(on_order=product_on_order())


def product_get(*, pk: int) -> Product:
    return product_list().get(pk=pk)


def movement_list(*, product: Product) -> QuerySet[StockMovement]:
    """The product's ledger, newest first."""
    return (
        StockMovement.objects.filter(product=product).select_related("created_by").order_by("-id")
    )


def product_conflicts(*, name: str, sku: str | None, exclude_pk: int | None = None) -> dict:
    """Field errors for a name or SKU another product has in any letter case: one query for both."""
    match = Q(name__iexact=name)
    if sku:
        match |= Q(sku__iexact=sku)
    others = Product.objects.filter(match)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors = {}
    for other_name, other_sku in others.values_list("name", "sku")[:2]:
        if other_name.lower() == name.lower():
            errors["name"] = [NAME_TAKEN]
        if sku and other_sku and other_sku.lower() == sku.lower():
            errors["sku"] = [SKU_TAKEN]
    return errors
