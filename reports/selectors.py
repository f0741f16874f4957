"""The reports of SPEC §8, §14 (reorder), §15 (costing) and §16 (receivables): each one aggregate query, evaluated in the database.

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
    Expression,
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


# --- costing (SPEC §15) -----------------------------------------------------------
#
# Money here is exact on both databases: decimal columns are read as integers of their
# smallest unit (cents, ten-thousandths) and every rounding is an integer half-up division.
# MariaDB's DECIMAL arithmetic is exact anyway; SQLite keeps decimals as floating point, where
# ROUND(2.675, 2) is 2.67 and sums drift. Serializers turn the integers back into decimals
# (reports.serializers.ScaledDecimalField).


class InUnits(Func):
    """A decimal column as a whole count of 10^-places (exact: the column has at most `places`).

    MariaDB multiplies its exact DECIMAL (a whole number with a scale, read as one); SQLite,
    whose decimals are floating point, rounds the product to an INTEGER. Nothing is rounded
    on MariaDB, so a row costs it one multiplication, not a ROUND and a CAST as well.
    """

    output_field = BigIntegerField()

    def __init__(self, field: str, places: int):
        super().__init__(F(field), Value(10**places), output_field=BigIntegerField())

    def as_sql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" * ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(%(expressions)s) AS INTEGER)",
            arg_joiner=" * ",
            **extra_context,
        )


def in_units(field: str, places: int) -> InUnits:
    return InUnits(field, places)


class RoundedQuotient(Expression):
    """round_half_up(dividend / divisor) of two integer expressions (divisor > 0), as an integer.

    Half-up is away from zero, as Python's ROUND_HALF_UP: |n| is rounded and the sign put back.
    Integer division is MariaDB's DIV and SQLite's `/` on integers; both truncate toward zero.
    """

    output_field = BigIntegerField()
    division = "DIV"

    def __init__(self, dividend, divisor):
        super().__init__(output_field=BigIntegerField())
        self.dividend, self.divisor = dividend, divisor

    def get_source_expressions(self):
        return [self.dividend, self.divisor]

    def set_source_expressions(self, exprs):
        self.dividend, self.divisor = exprs

    def as_sql(self, compiler, connection, **extra_context):
        n, n_params = compiler.compile(self.dividend)
        d, d_params = compiler.compile(self.divisor)
        div = extra_context.get("division", self.division)
        sql = (
            f"(CASE WHEN ({n}) >= 0 THEN (2 * ({n}) + ({d})) {div} (2 * ({d})) "
            f"ELSE -((({d}) - 2 * ({n})) {div} (2 * ({d}))) END)"
        )
        params = [*n_params, *n_params, *d_params, *d_params, *d_params, *n_params, *d_params]
        return sql, params

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, division="/")


def stock_value_cents():
    """stock x average_cost, half-up to cents, as integer cents."""
    return RoundedQuotient(F("stock") * in_units("average_cost", 4), Value(100))


def report_stock_valuation() -> QuerySet:
    """Products in stock with what their stock is worth (`value_cents`), most valuable first.

    One statement over the products table (a page of it with the window count and, in
    reports.views, the window sum that gives the envelope's `total_value`).
    """
    return (
        Product.objects.filter(stock__gt=0)
        .annotate(product_id=F("id"), product_name=F("name"), value_cents=stock_value_cents())
        .values("product_id", "product_name", "stock", "unit", "average_cost", "value_cents")
        .order_by("-value_cents", "product_id")
    )


def stock_value_total() -> Decimal:
    """Σ of the stock-valuation report's values (each half-up to cents): the dashboard's figure."""
    cents = report_stock_valuation().order_by().aggregate(total=Sum("value_cents"))["total"]
    return Decimal(int(cents or 0)).scaleb(-2)


def report_product_margins(*, date_from=None, date_to=None) -> QuerySet:
    """Per product sold on orders that are not cancelled: quantity, revenue (pre-tax), cost
    (Σ quantity x unit_cost), margin and margin percent, highest margin first.

    Sums integer cents and ten-thousandths (exact on both databases), three of them: revenue,
    margin (Σ quantity x (unit_price - unit_cost)) and quantity. Cost (revenue - margin) and
    margin_percent (margin / revenue) are derived from each row's sums as the page is
    serialized (reports.serializers): in the statement they would repeat the group's SUM()s,
    which MariaDB computes again for every expression that names them. On `large` (600,000
    items, MariaDB, a loaded machine) this statement takes 3.1 s against top-selling's 2.1 s;
    with ROUND/CAST on every row and five sums it took 9.7 s (docs/costing.md). Reads the
    `order_item_sales` covering index, as top-selling-products does.
    """
    quantity = F("quantity")
    revenue_cents = Sum(quantity * in_units("unit_price", 2), output_field=BigIntegerField())
    margin_e4 = Sum(
        quantity * (in_units("unit_price", 4) - in_units("unit_cost", 4)),
        output_field=BigIntegerField(),
    )
    return (
        OrderItem.objects.filter(**_placed_between("order__", date_from, date_to))
        .values("product_id")
        # The sums of the lines first: after it, `quantity` names the report's column.
        .annotate(revenue_cents=revenue_cents, margin_e4=margin_e4)
        .annotate(quantity=Sum("quantity"))
        .filter(quantity__gt=0)
        .annotate(product_name=_looked_up(Product, "name", "product_id"))
        .order_by("-margin_e4", "product_id")
    )
