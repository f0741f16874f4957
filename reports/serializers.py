from decimal import Decimal

from rest_framework import serializers

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
