from django.db.models import QuerySet

from products.models import Product, StockMovement


def product_list() -> QuerySet[Product]:
    return Product.objects.all()


def movement_list(*, product: Product) -> QuerySet[StockMovement]:
    """The product's ledger, newest first."""
    return (
        StockMovement.objects.filter(product=product).select_related("created_by").order_by("-id")
    )
