from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from customers.models import ADDRESS_MAX_LENGTH, EMAIL_MAX_LENGTH, Customer
from factory.api.schema import request_example


@extend_schema_serializer(
    examples=[
        request_example(
            "A customer",
            {
                "name": "Ada Engines Ltd",
                "email": "orders@ada-engines.example",
                "phone": "+44 20 7946 0000",
                "address": "12 Engine Street, London",
            },
        )
    ]
)
class CustomerSerializer(serializers.ModelSerializer):
    """A customer: someone the factory sells to. `email` is unique, ignoring letter case."""

    # Validation and the read shape only: the view saves through `customers.services`, which
    # also refuses a taken email (400 on `email`), so a request asks the database once.
    email = serializers.EmailField(max_length=EMAIL_MAX_LENGTH)
    address = serializers.CharField(
        max_length=ADDRESS_MAX_LENGTH,
        allow_blank=True,
        required=False,
        style={"base_template": "textarea.html"},
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "email", "phone", "address", "created_at"]
        read_only_fields = ["created_at"]
