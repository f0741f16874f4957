from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from events.models import (
    EVENT_TYPE_CHOICES,
    EVENT_TYPES,
    URL_MAX_LENGTH,
    Delivery,
    DeliveryAttempt,
    Event,
    Webhook,
)
from factory.api.schema import request_example


class EventSerializer(serializers.ModelSerializer):
    """The payload every webhook receives (SPEC §18): `data` is the resource's API read shape."""

    data = serializers.JSONField()

    class Meta:
        model = Event
        fields = ["id", "type", "created_at", "data"]
        read_only_fields = fields


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPE_CHOICES), max_length=len(EVENT_TYPES) * 2
    )

    class Meta:
        model = Webhook
        fields = ["id", "url", "events", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"url": {"max_length": URL_MAX_LENGTH}}


@extend_schema_serializer(
    examples=[
        request_example(
            "Orders and low stock",
            {
                "url": "https://hooks.example.com/factory",
                "events": ["order.placed", "order.shipped", "stock.low"],
            },
        )
    ]
)
class WebhookWriteSerializer(WebhookSerializer):
    pass


@extend_schema_serializer(
    examples=[request_example("Pause it", {"is_active": False})], component_name="WebhookPatch"
)
class WebhookPatchSerializer(WebhookSerializer):
    pass


class WebhookSecretSerializer(WebhookSerializer):
    """A webhook with its signing secret: only the create and rotate-secret answers carry it."""

    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class DeliveryAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "started_at", "finished_at", "outcome", "response_code", "error"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    """One event for one webhook: where it stands, and each attempt so far."""

    event_type = serializers.CharField(source="event.type", read_only=True)
    error = serializers.CharField(source="last_error", read_only=True)
    attempt_log = DeliveryAttemptSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = [
            "id",
            "webhook",
            "event",
            "event_type",
            "status",
            "attempts",
            "response_code",
            "error",
            "next_attempt_at",
            "created_at",
            "updated_at",
            "redelivery_of",
            "attempt_log",
        ]
        read_only_fields = fields
