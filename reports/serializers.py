from decimal import ROUND_HALF_UP, Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CENT = Decimal("0.01")

# --- parameters ---------------------------------------------------------------


class DateRangeParams(serializers.Serializer):
    date_from = serializers.DateField(required=False, help_text="First day included (YYYY-MM-DD).")
    date_to = serializers.DateField(required=False, help_text="Last day included (YYYY-MM-DD).")

    def validate(self, attrs):
        if (
            attrs.get("date_from")
            and attrs.get("date_to")
            and attrs["date_from"] > attrs["date_to"]
        ):
            raise serializers.ValidationError({"date_to": ["Must not be before date_from."]})
        return attrs


class ThresholdParams(serializers.Serializer):
    threshold = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        default=Decimal("0"),
        help_text="Only customers whose lifetime value is strictly above this amount.",
    )


class DateParams(serializers.Serializer):
    date = serializers.DateField(help_text="The day (YYYY-MM-DD).")


class NoParams(serializers.Serializer):
    pass


# --- rows -----------------------------------------------------------------------


class EmployeeProductionRow(serializers.Serializer):
    employee_id = serializers.IntegerField()
    employee_name = serializers.CharField()
    total_quantity = serializers.IntegerField()


class TopSellingProductRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    total_quantity = serializers.IntegerField()
    revenue = serializers.DecimalField(max_digits=20, decimal_places=2)


class CustomerLifetimeValueRow(serializers.Serializer):
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    email = serializers.EmailField()
    orders_count = serializers.IntegerField()
    lifetime_value = serializers.DecimalField(max_digits=20, decimal_places=2)


class ProductionRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    total_quantity = serializers.IntegerField()


class LowStockRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    stock = serializers.IntegerField()
    reorder_level = serializers.IntegerField()
    shortfall = serializers.IntegerField()


class ReorderRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    supplier_id = serializers.IntegerField(allow_null=True)
    supplier_name = serializers.CharField(allow_null=True)
    stock = serializers.IntegerField()
    on_order = serializers.IntegerField()
    reorder_level = serializers.IntegerField()
    suggested_quantity = serializers.IntegerField()


class ReceivablesRow(serializers.Serializer):
    invoice_id = serializers.IntegerField()
    number = serializers.CharField()
    customer_id = serializers.IntegerField()
    customer_name = serializers.CharField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    due_on = serializers.DateField()
    days_overdue = serializers.IntegerField()


class ScaledDecimalField(serializers.DecimalField):
    """A decimal the report computed as an integer count of 10^-places (reports.selectors' exact
    money): shown as the decimal string, `places` places."""

    def __init__(self, *, places: int, **kwargs):
        self.places = places
        super().__init__(max_digits=30, decimal_places=places, read_only=True, **kwargs)

    def to_representation(self, value):
        return super().to_representation(scaled(value, self.places))


def scaled(units, places: int) -> Decimal:
    """`units` x 10^-places as a Decimal (integers from either database: int or Decimal)."""
    return Decimal(int(units)).scaleb(-places)


class StockValuationRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    stock = serializers.IntegerField()
    unit = serializers.CharField()
    average_cost = serializers.DecimalField(max_digits=20, decimal_places=4)
    value = ScaledDecimalField(
        places=2, source="value_cents", help_text="stock x average_cost, half-up to cents."
    )


@extend_schema_field({"type": "string", "format": "decimal", "nullable": True, "example": "37.50"})
class MarginPercentField(serializers.Field):
    """margin / revenue x 100, half-up to two places, from a row's aggregated integers; null for
    zero revenue. (margin_e4 / 10^4) / (revenue_cents / 10^2) x 100 = margin_e4 / revenue_cents."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, row):
        revenue, margin = int(row["revenue_cents"]), int(row["margin_e4"])
        if revenue == 0:
            return None
        percent = (Decimal(margin) / Decimal(revenue)).quantize(CENT, rounding=ROUND_HALF_UP)
        return f"{percent:.2f}"


@extend_schema_field({"type": "string", "format": "decimal", "example": "1250.5000"})
class CostFromMarginField(serializers.Field):
    """Σ quantity x unit_cost of a margins row: revenue - margin, both exact sums, 4 places."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, row):
        cost_e4 = int(row["revenue_cents"]) * 100 - int(row["margin_e4"])
        return f"{scaled(cost_e4, 4):.4f}"


class ProductMarginRow(serializers.Serializer):
    product_id = serializers.IntegerField()
    product_name = serializers.CharField()
    quantity = serializers.IntegerField()
    revenue = ScaledDecimalField(
        places=2, source="revenue_cents", help_text="Σ line totals, pre-tax."
    )
    cost = CostFromMarginField(
        source="*", help_text="Σ quantity x unit_cost (the cost at sale), exact: revenue - margin."
    )
    margin = ScaledDecimalField(places=4, source="margin_e4", help_text="revenue - cost.")
    margin_percent = MarginPercentField(
        source="*", help_text="margin / revenue x 100, half-up to 2 places; null when revenue is 0."
    )
