from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from customers import selectors
from customers.models import ADDRESS_MAX_LENGTH, EMAIL_MAX_LENGTH, EMAIL_TAKEN, Customer
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

    # Validation and the read shape only: the view saves through `customers.services`.
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

    def validate_email(self, value: str) -> str:
        exclude_pk = self.instance.pk if self.instance is not None else None
        if selectors.customer_email_taken(email=value, exclude_pk=exclude_pk):
            raise serializers.ValidationError(EMAIL_TAKEN)
        return value
