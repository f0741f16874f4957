from decimal import Decimal

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings

from customers.models import Customer
from factory.api.schema import request_example
from orders.models import (
    CARRIER_MAX_LENGTH,
    TRACKING_MAX_LENGTH,
    Invoice,
    InvoiceLine,
    Order,
    OrderItem,
)
from products.models import Product
from products.serializers import MAX_QUANTITY

MAX_ITEMS = 100
NOTES_MAX_LENGTH = 2000


class RateField(serializers.DecimalField):
    """A rate as a decimal string with at least two places: "0.09", "0.0725"."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=5, decimal_places=4, **kwargs)

    def to_representation(self, value):
        value = Decimal(value).normalize()
        return f"{value:.2f}" if value.as_tuple().exponent >= -2 else str(value)


class CreatorField(serializers.CharField):
    """The creator's username: the selector's `created_by_username`, else read through the relation."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def get_attribute(self, order):
        username = getattr(order, "created_by_username", None)
        return username if username is not None else order.created_by.username


class OrderCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone"]


class OrderProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "sku", "stock"]


class OrderItemSerializer(serializers.ModelSerializer):
    product = OrderProductSerializer()
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2)
    line_total = serializers.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        model = OrderItem
        fields = ["product", "quantity", "unit_price", "line_total"]


class OrderInvoiceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invoice
        fields = ["id", "number", "status"]


class OrderInvoiceField(OrderInvoiceSerializer):
    """The order's invoice `{id, number, status}`, or null: read from the selector's prefetch."""

    def get_attribute(self, order):
        # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
        return getattr(order, "invoice", None)


class OrderSerializer(serializers.ModelSerializer):
    """The read shape of SPEC §7 and §16: everything a front end shows, with no further parsing."""

    customer = OrderCustomerSerializer()
    items = OrderItemSerializer(many=True)
    created_by = CreatorField()
    tax_rate = RateField()
    invoice = OrderInvoiceField(allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "status",
            "created_at",
            "created_by",
            "notes",
            "customer",
            "items",
            "subtotal",
            "tax_rate",
            "tax",
            "total",
            "shipped_at",
            "delivered_at",
            "carrier",
            "tracking_number",
            "invoice",
        ]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        request_example(
            "Handed to a carrier", {"carrier": "DHL", "tracking_number": "JD014600006281"}
        )
    ]
)
class OrderShipSerializer(serializers.Serializer):
    carrier = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=CARRIER_MAX_LENGTH
    )
    tracking_number = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TRACKING_MAX_LENGTH
    )


class InvoiceCustomerSerializer(serializers.Serializer):
    """The customer as they were when the invoice was issued."""

    id = serializers.IntegerField(source="customer_id")
    name = serializers.CharField(source="customer_name")
    email = serializers.EmailField(source="customer_email")
    address = serializers.CharField(source="customer_address")


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["description", "quantity", "unit_price", "line_total"]


class InvoiceSerializer(serializers.ModelSerializer):
    """SPEC §16's invoice: a snapshot, unchanged by later edits of the customer or products."""

    customer = InvoiceCustomerSerializer(source="*")
    lines = InvoiceLineSerializer(many=True)
    tax_rate = RateField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "order",
            "customer",
            "issued_on",
            "due_on",
            "lines",
            "subtotal",
            "tax_rate",
            "tax",
            "total",
            "status",
            "paid_on",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=[request_example("Paid today", {})])
class InvoiceMarkPaidSerializer(serializers.Serializer):
    paid_on = serializers.DateField(
        required=False, help_text="The day it was paid (YYYY-MM-DD); default today (UTC)."
    )


class OrderItemsSerializer(serializers.ListSerializer):
    """An order's items. A refusal of the list as a whole (not a list, empty, too long) reads
    `{"items": ["…"]}` like a product given twice, not DRF's `{"items": {"non_field_errors": …}}`."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict) and list(exc.detail) == [
                api_settings.NON_FIELD_ERRORS_KEY
            ]:
                raise serializers.ValidationError(
                    exc.detail[api_settings.NON_FIELD_ERRORS_KEY]
                ) from exc
            raise


class OrderItemInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    class Meta:
        list_serializer_class = OrderItemsSerializer


@extend_schema_serializer(
    examples=[
        request_example(
            "Two lines for customer 1",
            {
                "customer": 1,
                "items": [{"product": 1, "quantity": 2}, {"product": 2, "quantity": 1}],
                "notes": "Deliver to the loading dock",
            },
        )
    ]
)
class OrderCreateSerializer(serializers.Serializer):
    customer = serializers.PrimaryKeyRelatedField(queryset=Customer.objects.all())
    items = OrderItemInputSerializer(many=True, allow_empty=False, max_length=MAX_ITEMS)
    notes = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=NOTES_MAX_LENGTH
    )
