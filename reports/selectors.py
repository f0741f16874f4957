"""The reports of SPEC §8, §14 (reorder) and §16 (receivables): each one aggregate query, evaluated in the database.

Each returns a `values()` queryset of plain dict rows, ordered with the
spec's tie-breaks so that pages are deterministic. Cancelled orders never count.

The aggregates group by the id alone and read names through a correlated
subquery on the grouped id: joining the named table before grouping made
MariaDB look the name up for every source row (600,000 order items) and group
by the wide name too. Measured on the `large` data set in docs/bench.md.
"""

import datetime
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Greatest
from django.utils import timezone

from customers.models import Customer
from employees.models import Employee
from orders.models import SALE_STATUSES, Invoice, Order, OrderItem
from orders.selectors import order_created_between
from production.models import ProductionRecord
from products.models import LOW_STOCK, Product
from purchasing.selectors import reorder_list


def _looked_up(model, field: str, key: str) -> Subquery:
    """`model.field` of the row whose pk is this group's `key`: evaluated per group, not per source row."""
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(field)[:1])


def _placed_between(prefix: str, date_from, date_to) -> dict:
    """Filters for orders sold (placed, shipped or delivered: not cancelled) on the whole days [date_from, date_to]."""
    return {
        f"{prefix}status__in": SALE_STATUSES,
        **order_created_between(date_from=date_from, date_to=date_to, prefix=prefix),
    }


def report_employee_production(*, date_from=None, date_to=None) -> QuerySet:
    records = ProductionRecord.objects.all()
    if date_from:
        records = records.filter(date__gte=date_from)
    if date_to:
        records = records.filter(date__lte=date_to)
    return (
        records.values("employee_id")
        .annotate(total_quantity=Sum("quantity"))
        .filter(total_quantity__gt=0)
        .annotate(employee_name=_looked_up(Employee, "name", "employee_id"))
        .order_by("-total_quantity", "employee_id")
    )


def report_top_selling_products(*, date_from=None, date_to=None) -> QuerySet:
    line_total = ExpressionWrapper(
        F("unit_price") * F("quantity"), output_field=DecimalField(max_digits=20, decimal_places=2)
    )
    return (
        OrderItem.objects.filter(**_placed_between("order__", date_from, date_to))
        .values("product_id")
        .annotate(total_quantity=Sum("quantity"), revenue=Sum(line_total))
        .filter(total_quantity__gt=0)
        .annotate(product_name=_looked_up(Product, "name", "product_id"))
        .order_by("-total_quantity", "product_id")
    )


def report_customer_lifetime_value(*, threshold: Decimal = Decimal("0")) -> QuerySet:
    return (
        Order.objects.filter(status__in=SALE_STATUSES)
        .values("customer_id")
        .annotate(orders_count=Count("id"), lifetime_value=Sum("total"))
        .filter(lifetime_value__gt=threshold)
        .annotate(
            customer_name=_looked_up(Customer, "name", "customer_id"),
            email=_looked_up(Customer, "email", "customer_id"),
        )
        .order_by("-lifetime_value", "customer_id")
    )


def report_production(*, date: datetime.date) -> QuerySet:
    return (
        ProductionRecord.objects.filter(date=date)
        .values("product_id")
        .annotate(total_quantity=Sum("quantity"))
        .filter(total_quantity__gt=0)
        .annotate(product_name=_looked_up(Product, "name", "product_id"))
        .order_by("-total_quantity", "product_id")
    )


def report_low_stock() -> QuerySet:
    shortfall = ExpressionWrapper(F("reorder_level") - F("stock"), output_field=BigIntegerField())
    return (
        Product.objects.filter(LOW_STOCK)
        .annotate(product_id=F("id"), product_name=F("name"), shortfall=shortfall)
        .values("product_id", "product_name", "stock", "reorder_level", "shortfall")
        .order_by("-shortfall", "product_id")
    )


def report_reorder() -> QuerySet:
    """SPEC §14: what to order, from purchasing's reorder rows (one statement)."""
    return reorder_list().values(
        "product_id",
        "product_name",
        "supplier_id",
        "supplier_name",
        "stock",
        "on_order",
        "reorder_level",
        "suggested_quantity",
    )


class DaysBetween(Func):
    """Whole days from the second date to the first: MariaDB's DATEDIFF, SQLite's julianday()."""

    function = "DATEDIFF"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


def report_receivables(*, today: datetime.date) -> QuerySet:
    """Unpaid invoices with the days they are overdue on `today` (0 when not yet due).

    Reads the invoices alone (the customer's name is the invoice's snapshot), along the
    `invoice_receivables` index (status, due_on).
    """
    days_overdue = Greatest(DaysBetween(Value(today), F("due_on")), Value(0))
    return (
        Invoice.objects.filter(status=Invoice.Status.UNPAID)
        .annotate(invoice_id=F("id"), days_overdue=days_overdue)
        .values(
            "invoice_id",
            "number",
            "customer_id",
            "customer_name",
            "total",
            "due_on",
            "days_overdue",
        )
        .order_by("-days_overdue", "invoice_id")
    )


def report_daily_production(*, days: int = 30) -> list[tuple[datetime.date, int]]:
    """Units produced per day over the last `days` days, zero-filled, oldest first (for the dashboard)."""
    today = timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    totals = dict(
        ProductionRecord.objects.filter(date__gte=first, date__lte=today)
        .values("date")
        .annotate(total=Sum("quantity"))
        .values_list("date", "total")
    )
    return [
        (first + datetime.timedelta(days=i), totals.get(first + datetime.timedelta(days=i), 0))
        for i in range(days)
    ]
