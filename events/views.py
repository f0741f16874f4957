from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.response import Response

from events import selectors, services
from events.apps import EVENTS_CACHE, WEBHOOKS_CACHE
from events.filters import EventFilter
from events.serializers import (
    DeliverySerializer,
    EventSerializer,
    WebhookPatchSerializer,
    WebhookSecretSerializer,
    WebhookSerializer,
    WebhookWriteSerializer,
)
from factory.api.actions import role_action
from factory.api.caching import CachedListMixin
from factory.api.pagination import KeysetPagination
from factory.api.schema import CONFLICT_RESPONSE


@extend_schema_view(
    list=extend_schema(
        summary="List events",
        description="The outbox, newest first (kept EVENT_RETENTION_DAYS days); `?type=` one type.",
    ),
    retrieve=extend_schema(
        summary="Read an event", description="One event: the payload its webhooks were sent."
    ),
)
class EventViewSet(CachedListMixin, viewsets.ReadOnlyModelViewSet):
    """Business events as webhooks receive them (SPEC §18)."""

    queryset = selectors.event_list()
    serializer_class = EventSerializer
    # `?cursor=`: deep pages as cheap as the first. The pages and the row count (200,000
    # events: 16 ms) are cached under `events`, bumped by every event recorded (events.apps).
    pagination_class = KeysetPagination
    list_cache_namespaces = (EVENTS_CACHE,)
    filterset_class = EventFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    search_fields: list[str] = []


@extend_schema_view(
    list=extend_schema(summary="List webhooks", description="Every webhook, oldest first."),
    create=extend_schema(
        summary="Create a webhook",
        description="Answers 201 with the signing `secret`, shown this once (rotate it to see a "
        "new one). The URL must be http(s) and, unless WEBHOOK_ALLOW_PRIVATE=1, must not "
        "resolve to a loopback, private, link-local or reserved address (400).",
        request=WebhookWriteSerializer,
        responses={201: WebhookSecretSerializer},
    ),
    retrieve=extend_schema(
        summary="Read a webhook", description="One webhook, without its secret."
    ),
    update=extend_schema(
        summary="Replace a webhook",
        description="URL, event types and `is_active`; the URL is checked as on create.",
        request=WebhookWriteSerializer,
    ),
    partial_update=extend_schema(
        summary="Change a webhook",
        description="The fields given; `is_active: false` pauses deliveries (pending ones fail).",
        request=WebhookPatchSerializer,
    ),
    destroy=extend_schema(
        summary="Delete a webhook", description="With its deliveries and their attempts."
    ),
)
class WebhookViewSet(CachedListMixin, viewsets.ModelViewSet):
    """Webhooks: URLs that receive signed POSTs of the events they subscribe to."""

    queryset = selectors.webhook_list()
    serializer_class = WebhookSerializer
    list_cache_namespaces = (WEBHOOKS_CACHE,)
    ordering_fields = ["created_at", "id"]
    ordering = ["id"]
    search_fields = ["url"]
    lookup_value_regex = r"\d+"

    def create(self, request, *args, **kwargs):
        serializer = WebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        webhook = services.webhook_create(**serializer.validated_data)
        return Response(WebhookSecretSerializer(webhook).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        serializer.instance = services.webhook_update(
            webhook=serializer.instance, **serializer.validated_data
        )

    @extend_schema(
        summary="Rotate a webhook's secret",
        description="A new signing secret, answered this once; the old one stops signing at once.",
        request=None,
        responses={200: WebhookSecretSerializer},
    )
    @role_action("events.change_webhook", detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, pk=None):
        webhook = services.webhook_rotate_secret(webhook=self.get_object())
        return Response(WebhookSecretSerializer(webhook).data)

    @extend_schema(
        summary="List a webhook's deliveries",
        description="Newest first: each delivery's status, response code, error, next attempt "
        "and every attempt made.",
        responses=DeliverySerializer(many=True),
    )
    @role_action("events.view_delivery", detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        webhook = self.get_object()
        page = self.paginate_queryset(
            selectors.delivery_list().filter(webhook=webhook).order_by("-created_at", "-id")
        )
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryViewSet(viewsets.GenericViewSet):
    """Webhook deliveries (one event for one webhook): listed by webhook, redelivered here."""

    queryset = selectors.delivery_list()
    serializer_class = DeliverySerializer
    filter_backends: list = []
    lookup_value_regex = r"\d+"

    @extend_schema(
        summary="Redeliver",
        description="Queues the event again for the webhook as a new delivery (202) with attempts "
        "of its own; 409 `delivery_pending` while this one is still pending or in progress.",
        request=None,
        responses={202: DeliverySerializer, 409: CONFLICT_RESPONSE},
    )
    @role_action("events.change_delivery", detail=True, methods=["post"])
    def redeliver(self, request, pk=None):
        again = services.delivery_redeliver(delivery=self.get_object())
        return Response(
            DeliverySerializer(selectors.delivery_list().get(pk=again.pk)).data,
            status=status.HTTP_202_ACCEPTED,
        )
