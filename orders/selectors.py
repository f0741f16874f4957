from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderItem


def order_list() -> QuerySet[Order]:
    """Orders with customer, creator and items (with their products) in three queries a page."""
    return Order.objects.select_related("customer", "created_by").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product").order_by("id"))
    )


def order_get(*, pk: int) -> Order:
    return order_list().get(pk=pk)
