from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from employees.models import EMAIL_MAX_LENGTH, Employee
from factory.api.schema import request_example


@extend_schema_serializer(
    examples=[
        request_example(
            "An employee",
            {
                "name": "Grace Hopper",
                "position": "Machinist",
                "email": "grace@factory.example",
                "is_active": True,
            },
        )
    ]
)
class EmployeeSerializer(serializers.ModelSerializer):
    """Someone who works at the factory. `email` is optional, and unique (ignoring letter case) when given."""

    # Validation and the read shape only: the view saves through `employees.services`.
    email = serializers.EmailField(
        max_length=EMAIL_MAX_LENGTH,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text='Optional and unique when given; "" and null both mean no email (stored as null).',
    )
    hired_on = serializers.DateField(required=False, help_text="Defaults to today.")

    class Meta:
        model = Employee
        fields = ["id", "name", "position", "email", "hired_on", "is_active"]

    def validate_email(self, value: str | None) -> str | None:
        return value or None  # unique when given: `employees.services` checks it, once
