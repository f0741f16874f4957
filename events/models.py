"""The outbox (events), the webhooks that subscribe to it, and the jobs that carry it out."""

import uuid

from django.db import models
from django.utils import timezone

EVENT_TYPES = (
    "order.placed",
    "order.cancelled",
    "order.shipped",
    "order.delivered",
    "invoice.issued",
    "invoice.paid",
    "production.recorded",
    "purchase_order.received",
    "stock.low",
)
EVENT_TYPE_CHOICES = [(t, t) for t in EVENT_TYPES]
URL_MAX_LENGTH = 2000


class Event(models.Model):
    """One business event, written in the transaction of the change that caused it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40, choices=EVENT_TYPE_CHOICES)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    data = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["type", "-created_at"], name="event_type_created")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"

    def payload(self) -> dict:
        """The body every receiver gets (SPEC §18)."""
        return {
            "id": str(self.id),
            "type": self.type,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "data": self.data,
        }


class Webhook(models.Model):
    url = models.URLField(max_length=URL_MAX_LENGTH)
    events = models.JSONField(default=list)  # event types; every delivery is of one of them
    is_active = models.BooleanField(default=True)
    secret = models.CharField(max_length=100, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class Job(models.Model):
    """Work the worker claims: due at `next_attempt_at`, held by one worker until `lease_until`.

    A worker that dies while holding one loses nothing: once the lease runs out another worker
    claims it again (at-least-once).
    """

    class Status(models.TextChoices):
        PENDING = "pending"  # waiting for its next attempt
        IN_PROGRESS = "in_progress"  # claimed by a worker (until lease_until)
        DELIVERED = "delivered"
        FAILED = "failed"

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    CLAIM_RELATED: tuple[str, ...] = ()  # what the worker reads with a claimed job

    class Meta:
        abstract = True


class Delivery(Job):
    """One event for one webhook; its attempts are `DeliveryAttempt`s."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    CLAIM_RELATED = ("webhook", "event")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["status", "lease_until"], name="delivery_lease"),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} → {self.webhook.url}"


class DeliveryAttempt(models.Model):
    """What one POST of a delivery got: its answer's code, or why it had none."""

    class Outcome(models.TextChoices):
        DELIVERED = "delivered"
        RETRY = "retry"  # a retryable failure; another attempt follows
        FAILED = "failed"  # final

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.outcome}"


class Alert(Job):
    """A low-stock e-mail to send (an outbox row of its own, so a mail server outage loses none)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="alerts")
    recipients = models.JSONField(default=list)
    CLAIM_RELATED = ("event",)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="alert_due")]

    def __str__(self) -> str:
        return f"{self.event.type} to {', '.join(self.recipients)}"
