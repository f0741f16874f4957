from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from employees.models import Employee
from factory.api.schema import request_example
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product
from products.serializers import MAX_QUANTITY

MAX_BOM_LINES = 100
NOTES_MAX_LENGTH = 2000


class ConsumedSerializer(serializers.Serializer):
    component = serializers.IntegerField()
    quantity = serializers.IntegerField()


@extend_schema_serializer(
    examples=[
        request_example(
            "40 units of product 1 made today by employee 1",
            {"product": 1, "employee": 1, "quantity": 40},
        )
    ]
)
class ProductionSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    employee = serializers.PrimaryKeyRelatedField(queryset=Employee.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)
    date = serializers.DateField(
        required=False, help_text="Defaults to today; never in the future."
    )
    product_name = serializers.CharField(source="product.name", read_only=True)
    employee_name = serializers.CharField(source="employee.name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    bom = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The bill of materials this record consumed (null: its product had none).",
    )
    consumed = serializers.SerializerMethodField(
        help_text="Units of each component this record took from stock."
    )

    class Meta:
        model = ProductionRecord
        fields = [
            "id",
            "product",
            "product_name",
            "employee",
            "employee_name",
            "quantity",
            "date",
            "bom",
            "consumed",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["created_at"]

    @extend_schema_field(ConsumedSerializer(many=True))
    def get_consumed(self, record):
        return [
            {"component": component, "quantity": units}
            for component, units in sorted(record.consumption().items())
        ]


class BOMLineSerializer(serializers.ModelSerializer):
    component = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    component_name = serializers.CharField(source="component.name", read_only=True)
    quantity = serializers.IntegerField(
        min_value=1,
        max_value=MAX_QUANTITY,
        help_text="Units of the component (in its `unit`) per one unit of the product.",
    )

    class Meta:
        model = BOMLine
        fields = ["id", "component", "component_name", "quantity"]


@extend_schema_serializer(
    examples=[
        request_example(
            "Product 2 made of three units of product 1",
            {
                "product": 2,
                "notes": "Assembled on line B",
                "lines": [{"component": 1, "quantity": 3}],
            },
        )
    ]
)
class BOMSerializer(serializers.ModelSerializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    product_name = serializers.CharField(source="product.name", read_only=True)
    notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True, default=""
    )
    lines = BOMLineSerializer(
        many=True,
        required=False,
        help_text="Each component at most once, never the product itself; replaced whole on update.",
    )
    locked = serializers.BooleanField(
        read_only=True, help_text="Used by production: lines and product can no longer change."
    )
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = BOM
        fields = [
            "id",
            "product",
            "product_name",
            "version",
            "status",
            "notes",
            "lines",
            "locked",
            "created_at",
            "created_by",
        ]
        read_only_fields = ["version", "status", "created_at"]

    def validate_lines(self, value):
        if len(value) > MAX_BOM_LINES:
            raise serializers.ValidationError(f"A BOM has at most {MAX_BOM_LINES} lines.")
        return value

    def service_arguments(self) -> dict:
        """The validated data as `bom_create`/`bom_update` take it: lines as (component, quantity)."""
        data = dict(self.validated_data)
        if "lines" in data:
            data["lines"] = [(line["component"], line["quantity"]) for line in data["lines"]]
        return data


class RequirementsQuerySerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY, default=1)


class RequirementLineSerializer(serializers.Serializer):
    component = serializers.IntegerField()
    component_name = serializers.CharField()
    unit = serializers.CharField()
    per_unit = serializers.IntegerField()
    required = serializers.IntegerField()
    available = serializers.IntegerField()
    shortfall = serializers.IntegerField()


class RequirementsSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    bom = serializers.IntegerField(allow_null=True, help_text="The active BOM; null without one.")
    quantity = serializers.IntegerField()
    buildable = serializers.IntegerField(
        allow_null=True,
        help_text="The most units the components in stock allow; null without an active BOM.",
    )
    lines = RequirementLineSerializer(many=True)
