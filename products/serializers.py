from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from factory.api.schema import request_example
from products.models import COST_PLACES, MAX_COST_DIGITS, STORED_COST_DIGITS, Product, StockMovement

MAX_QUANTITY = 1_000_000  # per movement, production record or order line


class CostField(serializers.DecimalField):
    """A unit cost given by a caller: a decimal string with at most four places, ≥ 0, at most
    99,999,999.9999 (SPEC §14, §15)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        super().__init__(max_digits=MAX_COST_DIGITS, decimal_places=COST_PLACES, **kwargs)


class StoredCostField(serializers.DecimalField):
    """A cost the stock service computed (an average, a movement's cost): read-only, four places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(max_digits=STORED_COST_DIGITS, decimal_places=COST_PLACES, **kwargs)


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
                "unit_cost": "0.1200",
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
    unit_cost = CostField(
        required=False,
        allow_null=True,
        write_only=True,
        help_text="What one unit of `initial_stock` cost (4 places): the product's first "
        "`average_cost`. Only with a positive `initial_stock` (else 400). Ignored on update.",
    )
    average_cost = StoredCostField(
        help_text="Moving weighted average cost of one unit in stock (4 places), kept by the "
        "stock service (docs/costing.md); read-only."
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
            "average_cost",
            "initial_stock",
            "unit_cost",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stock", "on_order", "average_cost", "created_at", "updated_at"]
        # Name and SKU are unique in any letter case: `products.services` checks both in one
        # query (400 on the field), not DRF's case-sensitive validators as well.
        extra_kwargs = {"name": {"validators": []}}

    def validate_sku(self, value):
        return value or None


class MovementSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    unit_cost = StoredCostField(help_text="What one unit of this movement cost (SPEC §15).")

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
        ),
        request_example(
            "Twenty found in the back store, at what they cost",
            {"delta": 20, "note": "Found at stocktake", "unit_cost": "0.1250"},
        ),
    ]
)
class StockAdjustSerializer(serializers.Serializer):
    delta = serializers.IntegerField(min_value=-MAX_QUANTITY, max_value=MAX_QUANTITY)
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    unit_cost = CostField(
        required=False,
        allow_null=True,
        help_text="What one added unit cost (4 places): moves the average (SPEC §15). Only with "
        "a positive `delta`; with a negative one → 400 (units leave at the average cost).",
    )

    def validate_delta(self, value):
        if value == 0:
            raise serializers.ValidationError("A stock adjustment cannot be zero.")
        return value
