from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from factory.api.schema import request_example
from products.models import Product, StockMovement

MAX_QUANTITY = 1_000_000  # per movement, production record or order line


@extend_schema_serializer(
    examples=[
        request_example(
            "A product with opening stock",
            {
                "name": "Hex bolt M8",
                "sku": "BOLT-M8",
                "description": "Zinc-plated, 40 mm",
                "price": "0.35",
                "reorder_level": 500,
                "initial_stock": 2000,
            },
        )
    ]
)
class ProductSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        allow_null=True,
    )
    price = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    reorder_level = serializers.IntegerField(min_value=0, max_value=MAX_QUANTITY, required=False)
    reorder_quantity = serializers.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        required=False,
        help_text="How many to order at least when the product is reordered.",
    )
    on_order = serializers.IntegerField(
        read_only=True,
        help_text="Units not yet received on purchase orders that are ordered or partially received.",
    )
    initial_stock = serializers.IntegerField(
        min_value=0,
        max_value=MAX_QUANTITY,
        required=False,
        write_only=True,
        help_text="Stock on hand when the product is created; recorded on the ledger. Ignored on update.",
    )

    class Meta:
        model = Product
        fields = [
            "id",
            "name",
            "sku",
            "description",
            "price",
            "stock",
            "reorder_level",
            "unit",
            "reorder_quantity",
            "default_supplier",
            "on_order",
            "initial_stock",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stock", "on_order", "created_at", "updated_at"]
        # Name and SKU are unique in any letter case: `products.services` checks both in one
        # query (400 on the field), not DRF's case-sensitive validators as well.
        extra_kwargs = {"name": {"validators": []}}

    def validate_sku(self, value):
        return value or None


class MovementSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "product",
            "delta",
            "reason",
            "reference",
            "note",
            "unit_cost",
            "created_at",
            "created_by",
        ]


@extend_schema_serializer(
    examples=[
        request_example(
            "Three fewer counted at stocktake", {"delta": -3, "note": "Stocktake count"}
        )
    ]
)
class StockAdjustSerializer(serializers.Serializer):
    delta = serializers.IntegerField(min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")

    def validate_delta(self, value):
        if value == 0:
            raise serializers.ValidationError("A stock adjustment cannot be zero.")
        return value
