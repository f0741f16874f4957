from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from factory.api.schema import request_example
from products.models import Product
from products.serializers import MAX_QUANTITY, CostField
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier

MAX_LINES = 100
NOTES_MAX_LENGTH = 2000


@extend_schema_serializer(
    examples=[
        request_example(
            "A supplier that delivers in ten days",
            {
                "name": "Northwind Metals",
                "email": "sales@northwind-metals.example",
                "phone": "+44 161 496 0000",
                "address": "4 Mill Road, Manchester",
                "lead_time_days": 10,
                "is_active": True,
            },
        )
    ]
)
class SupplierSerializer(serializers.ModelSerializer):
    """A supplier. `name` is unique, ignoring letter case (checked by the service)."""

    name = serializers.CharField(max_length=200)
    lead_time_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
    address = serializers.CharField(
        max_length=1000, allow_blank=True, required=False, style={"base_template": "textarea.html"}
    )

    class Meta:
        model = Supplier
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "address",
            "lead_time_days",
            "is_active",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class LineProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name", "sku"]


class LineSupplierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Supplier
        fields = ["id", "name"]


class PurchaseOrderLineSerializer(serializers.ModelSerializer):
    product = LineProductSerializer()
    unit_cost = CostField()
    line_total = serializers.DecimalField(max_digits=20, decimal_places=2)

    class Meta:
        model = PurchaseOrderLine
        fields = ["id", "product", "quantity", "received_quantity", "unit_cost", "line_total"]
        read_only_fields = fields


class PurchaseOrderSerializer(serializers.ModelSerializer):
    """The read shape of SPEC §14."""

    reference = serializers.CharField()
    supplier = LineSupplierSerializer()
    lines = PurchaseOrderLineSerializer(many=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=2)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PurchaseOrder
        fields = [
            "id",
            "reference",
            "supplier",
            "status",
            "expected_on",
            "notes",
            "lines",
            "total",
            "created_at",
            "created_by",
            "ordered_at",
        ]
        read_only_fields = fields


class LineInputSerializer(serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    unit_cost = CostField()


@extend_schema_serializer(
    examples=[
        request_example(
            "Products 1 and 2 from supplier 1",
            {
                "supplier": 1,
                "expected_on": "2027-01-15",
                "notes": "Deliver to goods-in, gate 2",
                "lines": [
                    {"product": 1, "quantity": 50, "unit_cost": "1.2500"},
                    {"product": 2, "quantity": 20, "unit_cost": "0.4000"},
                ],
            },
        )
    ]
)
class PurchaseOrderWriteSerializer(serializers.Serializer):
    """A draft: its supplier and lines (replaced whole on PATCH). Each product once (the service checks)."""

    supplier = serializers.PrimaryKeyRelatedField(queryset=Supplier.objects.all())
    expected_on = serializers.DateField(required=False, allow_null=True)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=NOTES_MAX_LENGTH)
    lines = LineInputSerializer(many=True, allow_empty=False, max_length=MAX_LINES)


class ReceiptLineSerializer(serializers.Serializer):
    line = serializers.IntegerField(min_value=1, help_text="A line id of this purchase order.")
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


@extend_schema_serializer(
    examples=[
        request_example(
            "10 units of line 1 arrived",
            {"lines": [{"line": 1, "quantity": 10}], "note": "Delivery note 4471"},
        )
    ]
)
class ReceiptSerializer(serializers.Serializer):
    lines = ReceiptLineSerializer(many=True, allow_empty=False, max_length=MAX_LINES)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)


class FromReorderSerializer(serializers.Serializer):
    created = serializers.ListField(
        child=serializers.IntegerField(), help_text="Ids of the drafts created."
    )
    skipped = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Ids of products to reorder that have no (active) default supplier.",
    )
