import functools
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from operator import itemgetter

from drf_spectacular.utils import extend_schema_field
from rest_framework import fields, serializers
from rest_framework.settings import api_settings

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


class ReportParameters:
    """A report's parameter serializer, run once per distinct set of values given.

    Validation is a pure function of the values of the serializer's own fields, so what one
    set validated to is kept (bounded: a full memo starts over) and copied out for the next
    request that gives the same values; most give none, or the same few. Invalid values are
    validated every time: the serializer raises its 400.
    """

    MAX_KEPT = 1024

    def __init__(self, params_class: type[serializers.Serializer]):
        self.params_class = params_class
        self.names = tuple(params_class().fields)
        self.valid: dict[tuple, dict] = {}

    def validated(self, query) -> dict:
        given = tuple((name, tuple(query.getlist(name))) for name in self.names if name in query)
        valid = self.valid.get(given)
        if valid is None:
            serializer = self.params_class(data=query)
            serializer.is_valid(raise_exception=True)
            valid = dict(serializer.validated_data)
            if len(self.valid) >= self.MAX_KEPT:
                self.valid.clear()
            self.valid[given] = valid
        return dict(valid)


@functools.cache
def report_parameters(params_class: type[serializers.Serializer]) -> ReportParameters:
    """The one ReportParameters of a parameter serializer class in this process."""
    return ReportParameters(params_class)


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


# --- rows as plain functions ------------------------------------------------------


def _decimal(field: serializers.DecimalField) -> Callable:
    """DRF's DecimalField output; a value already at its places and digits is printed as it is
    (what quantizing it would print), anything else goes through DRF."""
    places, digits = field.decimal_places, field.max_digits
    slow = functools.partial(serializers.DecimalField.to_representation, field)
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or places is None or digits is None or field.localize or field.normalize_output:
        return slow

    def convert(value):
        if type(value) is Decimal:
            _sign, value_digits, exponent = value.as_tuple()
            if exponent == -places and len(value_digits) <= digits:
                return f"{value:f}"
        return slow(value)

    return convert


def _scaled(decimal: Callable, places: int) -> Callable:
    return lambda units: decimal(scaled(units, places))


def _whole_row(row):
    return row


_PLAIN = {fields.IntegerField: int, fields.CharField: str, fields.EmailField: str}


@functools.cache
def represent_row(row_class: type[serializers.Serializer]) -> Callable[[Mapping], dict]:
    """`row_class(row).data` for a report's `values()` row, without DRF's per-field calls.

    For each readable field, in order: the row's key (`source`, or the whole row for
    `source="*"`), None as None (as DRF skips `to_representation` for it), else the field's
    conversion: `int`/`str` for DRF's exact integer and string classes, a decimal (or a
    ScaledDecimalField's integer, scaled) already at its places printed as DRF prints it, every
    other field's own `to_representation`. The report pages and CSV rows use it; tests compare
    it with DRF on every report's rows.
    """
    steps = []
    for field in row_class()._readable_fields:
        if len(field.source_attrs) == 1:
            get = itemgetter(field.source_attrs[0])
        elif not field.source_attrs:  # source="*"
            get = _whole_row
        else:
            get = field.get_attribute
        if type(field) in _PLAIN:
            convert = _PLAIN[type(field)]
        elif type(field) is serializers.DecimalField:
            convert = _decimal(field)
        elif type(field) is ScaledDecimalField:  # the integer scaled, then DecimalField's output
            convert = _scaled(_decimal(field), field.places)
        else:
            convert = field.to_representation
        steps.append((field.field_name, get, convert))
    steps = tuple(steps)

    def represent(row):
        return {
            name: None if (value := get(row)) is None else convert(value)
            for name, get, convert in steps
        }

    return represent
