import datetime
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from customers.models import Customer
from orders.models import Invoice, InvoiceLine, Order, OrderItem


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
    invoices = Invoice.objects.only("order", "number", "status")
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
            "shipped_at",
            "delivered_at",
            "carrier",
            "tracking_number",
        )
        .annotate(created_by_username=Subquery(creator))
        .prefetch_related(
            Prefetch("customer", queryset=customers),
            Prefetch("items", queryset=items),
            Prefetch("invoice", queryset=invoices),
        )
    )


class _Row(SimpleNamespace):
    """A read-only row of a list page: attributes only, no model instance behind it."""


class _ItemRow(_Row):
    line_total = OrderItem.line_total  # the model's own rounding


def order_page(orders: list[Order]) -> list[Order]:
    """A page of `order_list()` rows (read without its prefetches) with its related rows attached.

    Three queries whatever the page size, as the prefetches make, but the customers, items,
    products and invoices come back as `.values()` tuples set as plain rows in each order's
    relation caches, not as model instances through Django's prefetch machinery: for a page
    of 100 orders that was ~600 model instances and half the request's time (docs/bench.md).
    The read shape is the same (OrderSerializer reads the same attributes).
    """
    if not orders:
        return orders
    ids = [order.pk for order in orders]
    customers = {
        row["id"]: _Row(**row)
        for row in Customer.objects.filter(pk__in={o.customer_id for o in orders})
        .order_by()
        .values("id", "name", "email", "phone")
    }
    items: dict[int, list] = {pk: [] for pk in ids}
    for order_id, quantity, unit_price, *product in (
        OrderItem.objects.filter(order_id__in=ids)
        .order_by("id")
        .values_list(
            "order_id",
            "quantity",
            "unit_price",
            "product_id",
            "product__name",
            "product__sku",
            "product__stock",
        )
    ):
        product = _Row(id=product[0], name=product[1], sku=product[2], stock=product[3])
        items[order_id].append(_ItemRow(product=product, quantity=quantity, unit_price=unit_price))
    invoices = {
        row.pop("order_id"): _Row(**row)
        for row in Invoice.objects.filter(order_id__in=ids)
        .order_by()
        .values("order_id", "id", "number", "status")
    }
    for order in orders:
        order._state.fields_cache["customer"] = customers[order.customer_id]
        order._state.fields_cache["invoice"] = invoices.get(order.pk)
        order._prefetched_objects_cache = {"items": items[order.pk]}
    return orders


def order_get(*, pk: int) -> Order:
    return order_list().get(pk=pk)


def invoice_list() -> QuerySet[Invoice]:
    """Invoices with their lines: two queries a page (the customer is the invoice's snapshot)."""
    return Invoice.objects.prefetch_related("lines")


def invoice_page(invoices: list[Invoice]) -> list[Invoice]:
    """A page of invoices (read without `invoice_list()`'s prefetch) with their lines attached
    as plain rows: the same second query, as `.values()` tuples instead of model instances."""
    if not invoices:
        return invoices
    lines: dict[int, list] = {invoice.pk: [] for invoice in invoices}
    for invoice_id, description, quantity, unit_price, line_total in (
        InvoiceLine.objects.filter(invoice_id__in=lines)
        .order_by("id")
        .values_list("invoice_id", "description", "quantity", "unit_price", "line_total")
    ):
        lines[invoice_id].append(
            _Row(
                description=description,
                quantity=quantity,
                unit_price=unit_price,
                line_total=line_total,
            )
        )
    for invoice in invoices:
        invoice._prefetched_objects_cache = {"lines": lines[invoice.pk]}
    return invoices


def invoice_get(*, pk: int) -> Invoice:
    return invoice_list().get(pk=pk)


def invoice_overdue_filter(*, today: datetime.date) -> dict:
    """Lookups for invoices overdue on `today`: unpaid and due before it."""
    return {"status": Invoice.Status.UNPAID, "due_on__lt": today}


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def order_created_between(*, date_from=None, date_to=None, prefix: str = "") -> dict:
    """Lookups for orders created on the whole days [date_from, date_to] (either may be None).

    A range on the indexed `created_at` column, not a per-row DATE() cast: from the start of
    `date_from` to before the start of the day after `date_to`. The last day a date can hold
    (9999-12-31) has no day after it, so it bounds nothing. `prefix` reaches an order through
    a relation (`"order__"`).
    """
    filters = {}
    if date_from:
        filters[f"{prefix}created_at__gte"] = _day_start(date_from)
    if date_to and date_to < datetime.date.max:
        filters[f"{prefix}created_at__lt"] = _day_start(date_to + datetime.timedelta(days=1))
    return filters
