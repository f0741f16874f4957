"""What the worker runs (django-q2, docs/events.md): deliveries, alerts, and the purges.

Each delivery or alert is claimed one at a time by a conditional UPDATE (MariaDB reads the
candidates with SELECT ... FOR UPDATE SKIP LOCKED, so workers pass each other's claims instead of
queueing on them; SQLite runs one write transaction at a time). The claim takes a lease: a worker
killed mid-delivery holds it only until `lease_until`, after which any worker claims the row
again, and the attempt the dead worker made is logged as lost.
"""

import datetime
import json
import logging
import uuid

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from events.apps import EVENTS_CACHE
from events.models import Alert, Delivery, DeliveryAttempt, Event, Job
from events.transport import post
from factory.cache import namespace_invalidate

logger = logging.getLogger(__name__)

ROUND_LIMIT = 20  # claims per task run: each can take up to WEBHOOK_TIMEOUT_SECONDS
PURGE_BATCH = 1000
LOST = "The worker stopped during this attempt (its lease ran out); attempted again."


def retry_delay(attempts: int) -> datetime.timedelta:
    """Exponential backoff after `attempts` failed ones: base * 2 ** (attempts - 1).

    With the default base of 120 s the six attempts span 2 + 4 + 8 + 16 + 32 = 62 minutes.
    """
    return datetime.timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))


def _due(now) -> Q:
    return Q(status=Job.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Job.Status.IN_PROGRESS, lease_until__lt=now
    )


def job_claim(model: type[Job]) -> Job | None:
    """Claim the next due job of `model` for this worker (status in_progress, a fresh lease).

    Returns it with `attempts` counting this attempt, or None when nothing is due. A job whose
    lease ran out (its worker died) is due again: its `lost` attribute is then True, and
    `lost_since` says when that worker had claimed it.
    """
    now = timezone.now()
    lease = datetime.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    with transaction.atomic():
        candidates = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(_due(now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", "status", "lease_until")[:5]
        )
        for pk, status, held_until in candidates:
            token = uuid.uuid4()
            claimed = model.objects.filter(_due(now), pk=pk, status=status).update(
                status=Job.Status.IN_PROGRESS,
                lease_until=now + lease,
                lease_token=token,
                attempts=F("attempts") + 1,
            )
            if claimed:
                job = model.objects.select_related(*model.CLAIM_RELATED).get(pk=pk)
                job.lost = status == Job.Status.IN_PROGRESS
                job.lost_since = held_until - lease if job.lost else None
                return job
    return None


def _job_finish(job: Job, *, ok: bool, retry: bool, error: str, **fields) -> str | None:
    """Record a claimed job's attempt; returns its new status, or None (and records nothing) if
    the job is no longer this worker's: its lease ran out and another worker took it over (that
    one logs this attempt as lost), or it was deleted meanwhile (its webhook or event)."""
    now = timezone.now()
    if ok:
        status, next_at = Job.Status.DELIVERED, None
    elif retry and job.attempts < settings.WEBHOOK_MAX_ATTEMPTS:
        status, next_at = Job.Status.PENDING, now + retry_delay(job.attempts)
    else:
        status, next_at = Job.Status.FAILED, None
    held = (
        type(job)
        .objects.filter(pk=job.pk, lease_token=job.lease_token)
        .update(
            status=status,
            next_attempt_at=next_at,
            lease_until=None,
            lease_token=None,
            last_error=error,
            updated_at=now,
            **fields,
        )
    )
    return status if held else None


def delivery_attempt(delivery: Delivery) -> str | None:
    """POST a claimed delivery's event to its webhook and log the attempt; returns the status
    (None when the delivery stopped being this worker's meanwhile: see `_job_finish`)."""
    started = timezone.now()
    if delivery.lost:
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts - 1,
            started_at=delivery.lost_since,
            finished_at=started,
            outcome=DeliveryAttempt.Outcome.RETRY,
            error=LOST,
        )
    webhook, event = delivery.webhook, delivery.event
    if not webhook.is_active:
        ok, retry, code, error = False, False, None, "The webhook was deactivated."
    else:
        body = json.dumps(event.payload(), separators=(",", ":")).encode()
        headers = {"X-Factory-Event": event.type, "X-Factory-Delivery": str(event.id)}
        outcome = post(url=webhook.url, body=body, headers=headers, secret=webhook.secret)
        ok, retry, code, error = outcome.ok, outcome.retry, outcome.response_code, outcome.error
    status = _job_finish(delivery, ok=ok, retry=retry, error=error, response_code=code)
    if status is None:
        return None
    if status == Job.Status.PENDING:
        outcome_name = DeliveryAttempt.Outcome.RETRY
    else:
        outcome_name = DeliveryAttempt.Outcome(status)
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started,
        finished_at=timezone.now(),
        outcome=outcome_name,
        response_code=code,
        error=error,
    )
    logger.info("delivery %s attempt %s: %s %s", delivery.pk, delivery.attempts, status, error)
    return status


def alert_send(alert: Alert) -> str | None:
    """E-mail a claimed low-stock alert to its recipients; returns the status."""
    data = alert.event.data
    name, sku = data.get("name", "?"), data.get("sku") or ""
    subject = (
        f"Low stock: {name}{f' ({sku})' if sku else ''} has {data.get('stock')} "
        f"(reorder level {data.get('reorder_level')})"
    )
    message = (
        f"{name} fell to {data.get('stock')} {data.get('unit', 'units')} in stock, at or below "
        f"its reorder level of {data.get('reorder_level')}.\n\nProduct id {data.get('id')}; "
        f"event {alert.event_id} at {alert.event.created_at.isoformat()}."
    )
    try:
        send_mail(subject, message, None, alert.recipients)
    except Exception as error:  # SMTP down, refused, ...: retried like a webhook
        return _job_finish(alert, ok=False, retry=True, error=repr(error)[:500])
    return _job_finish(alert, ok=True, retry=False, error="")


def work(*, limit: int = ROUND_LIMIT) -> dict[str, int]:
    """One round of the worker: every due delivery and alert, up to `limit` of each.

    Queued on each commit that records deliveries, and every minute by the scheduler (retries,
    and jobs whose worker died). A round that hit its limit queues the next one.
    """
    done = {"deliveries": 0, "alerts": 0}
    for key, model, run in (
        ("deliveries", Delivery, delivery_attempt),
        ("alerts", Alert, alert_send),
    ):
        while done[key] < limit:
            job = job_claim(model)
            if job is None:
                break
            run(job)
            done[key] += 1
    if max(done.values()) >= limit:
        from events.services import worker_wake

        worker_wake()
    return done


def events_purge(*, now=None) -> int:
    """Delete events older than EVENT_RETENTION_DAYS (with their deliveries); returns how many."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.EVENT_RETENTION_DAYS)
    deleted = 0
    while True:
        batch = list(
            Event.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not batch:
            return deleted
        Event.objects.filter(pk__in=batch).delete()
        namespace_invalidate(EVENTS_CACHE)
        deleted += len(batch)


SCHEDULES = {
    # name: (function, minutes between runs)
    "events: retries and lost deliveries": ("events.jobs.work", 1),
    "events: purge old events": ("events.jobs.events_purge", 60),
    "idempotency: purge expired keys": ("factory.api.idempotency.idempotency_purge", 60),
}


def schedules_ensure(sender=None, using="default", **kwargs) -> None:
    """Create or update the worker's periodic jobs (django-q2 Schedule rows) after `migrate`."""
    from django_q.models import Schedule

    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.using(using).update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
