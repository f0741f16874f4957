from django.db.models import Q, QuerySet

from products.models import NAME_TAKEN, SKU_TAKEN, Product, StockMovement


def product_list() -> QuerySet[Product]:
    return Product.objects.all()


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
