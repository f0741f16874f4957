"""Recording events (the outbox) and managing webhooks; the worker's side is `events.jobs`."""

import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from events.errors import DeliveryPending
from events.models import EVENT_TYPES, Alert, Delivery, Event, Job, Webhook
from events.payloads import payload_build
from events.transport import AddressRefused, url_check
from factory.db import atomic_with_retry

logger = logging.getLogger(__name__)


def event_record(type: str, instance_or_data, *, as_read: bool = False) -> Event:
    """Record an event in the caller's transaction, with a delivery for each subscribed webhook.

    `instance_or_data` is a record whose app registered its read shape (`events.payloads`), or
    the `data` itself. `as_read`: the record already carries what its read shape shows, as its
    app's `read` would fetch it, so it is not read again (a service that has just written it and
    holds its row locks until commit). Nothing is recorded if the caller's transaction rolls
    back; the worker is woken once it commits (and finds the work on its next round anyway if
    that wake-up is lost).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown event type {type!r}.")
    with transaction.atomic(savepoint=False):  # inside the caller's: no savepoint to pay for
        event = Event.objects.create(
            type=type, data=payload_build(instance_or_data, as_read=as_read)
        )
        hooks = [
            pk
            for pk, types in Webhook.objects.filter(is_active=True).values_list("pk", "events")
            if type in types
        ]
        Delivery.objects.bulk_create(
            Delivery(webhook_id=pk, event=event, created_at=event.created_at) for pk in hooks
        )
        alert = type == "stock.low" and bool(settings.LOW_STOCK_EMAILS)
        if alert:
            Alert.objects.create(event=event, recipients=settings.LOW_STOCK_EMAILS)
        if hooks or alert:
            transaction.on_commit(worker_wake)
    return event


def worker_wake() -> None:
    """Queue a round of deliveries for the worker now (after commit); failing that, it polls."""
    from django_q.tasks import async_task

    try:
        async_task("events.jobs.work", task_name="events: deliver", group="events")
    except Exception:  # the delivery rows are committed: the next scheduled round sends them
        logger.warning("Could not queue the event worker; the next scheduled round delivers.")


def _secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _url_validate(url: str) -> None:
    try:
        url_check(url)
    except AddressRefused as error:
        raise ValidationError({"url": [str(error)]}) from None


def _events_validate(events) -> list[str]:
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError({"events": [f"Unknown event types: {unknown}."]})
    if not events:
        raise ValidationError({"events": ["Subscribe to at least one event type."]})
    return list(dict.fromkeys(events))  # each type once, in the order given


@atomic_with_retry
def webhook_create(*, url: str, events: list[str], is_active: bool = True) -> Webhook:
    """A webhook with a new secret (the caller shows it once). ValidationError for a refused URL
    (not http(s), or a loopback/private/link-local/reserved address) or unknown event types."""
    _url_validate(url)
    return Webhook.objects.create(
        url=url, events=_events_validate(events), is_active=is_active, secret=_secret()
    )


@atomic_with_retry
def webhook_update(*, webhook: Webhook, **fields) -> Webhook:
    """Change the URL, event types or `is_active`; the same checks as on create."""
    if "url" in fields:
        _url_validate(fields["url"])
    if "events" in fields:
        fields["events"] = _events_validate(fields["events"])
    for name, value in fields.items():
        setattr(webhook, name, value)
    webhook.save()
    return webhook


@atomic_with_retry
def webhook_rotate_secret(*, webhook: Webhook) -> Webhook:
    """A new secret: deliveries from now on are signed with it (the old one stops at once)."""
    webhook.secret = _secret()
    webhook.save(update_fields=["secret"])
    return webhook


@atomic_with_retry
def delivery_redeliver(*, delivery: Delivery) -> Delivery:
    """Queue the event again for the webhook, as a new delivery with its own attempts.

    Raises DeliveryPending while the delivery is still pending or being attempted.
    """
    locked = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if locked.status in (Job.Status.PENDING, Job.Status.IN_PROGRESS):
        raise DeliveryPending(
            f"Delivery {locked.pk} is {locked.status}; it is attempted again on its own."
        )
    again = Delivery.objects.create(
        webhook_id=locked.webhook_id, event_id=locked.event_id, redelivery_of=locked
    )
    transaction.on_commit(worker_wake)
    return again
