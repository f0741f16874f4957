from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from employees.models import Employee
from factory.api.schema import request_example
from production.models import ProductionRecord
from products.models import Product
from products.serializers import MAX_QUANTITY


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
            "created_at",
            "created_by",
        ]
        read_only_fields = ["created_at"]
