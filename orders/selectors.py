from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from customers.models import Customer
from orders.models import Order, OrderItem


def order_list() -> QuerySet[Order]:
    """Orders with customer, creator and items (with their products) in three queries a page.

    Only the columns the read shape shows are loaded. Nothing is joined to the orders:
    joined, the small users and customers tables made MariaDB read and sort every order
    for each page instead of walking the primary key backwards (1.1 s a page on 200,000
    orders; see docs/bench.md). The creator's username is a correlated subquery (ten
    primary-key lookups); customers and items are prefetched by primary key.
    """
    creator = (
        get_user_model()
        .objects.filter(pk=OuterRef("created_by_id"))
        .order_by()
        .values("username")[:1]
    )
    items = (
        OrderItem.objects.select_related("product")
        .only(
            "order",
            "product",
            "quantity",
            "unit_price",
            "product__name",
            "product__sku",
            "product__stock",
        )
        .order_by("id")
    )
    customers = Customer.objects.only("name", "email", "phone")
    return (
        Order.objects.only(
            "status",
            "created_at",
            "created_by",
            "notes",
            "subtotal",
            "tax_rate",
            "tax",
            "total",
            "customer",
        )
        .annotate(created_by_username=Subquery(creator))
        .prefetch_related(
            Prefetch("customer", queryset=customers), Prefetch("items", queryset=items)
        )
    )


def order_get(*, pk: int) -> Order:
    return order_list().get(pk=pk)
