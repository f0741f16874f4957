"""`Idempotency-Key` for creates (SPEC §7): a repeated request returns the first response.

The record is claimed with an INSERT that commits at once (so a concurrent
repeat sees it and gets 409), and the response is stored in the same
transaction as the write it describes. A refusal (4xx: invalid, short of
stock, ...) is the first response too, stored once its transaction has rolled
back, and a repeat gets it again; a new attempt takes a new key. Only a server
failure (5xx, nothing written) releases the claim, so the same key may be retried.

What a record costs is bounded (issue 24: 300 refused requests had stored 15 KB each for
24 hours). The request is kept as a SHA-256 only. A refusal is kept only while it is small
(REFUSAL_MAX_CHARS of JSON) and while its user has fewer than REFUSALS_PER_USER refusals
kept; otherwise its claim is released like a server failure's: a refusal changed nothing,
so acting on a repeat is safe, and it is answered afresh. A success is always kept: it
stands for a record the user really made, which their throttle already paces. Expired
records are deleted on write, a bounded batch at most every PURGE_EVERY (a mark in the
shared cache, so one process a period does it), as well as by `purge_idempotency_keys`.
"""

import hashlib
import json
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from factory.api.exceptions import error_response
from factory.db import atomic_with_retry
from factory.errors import ApplicationError
from factory.models import IdempotencyRecord

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
# A claim this old whose request never finished belongs to a process that died.
ABANDONED_AFTER = timedelta(minutes=2)
# A refusal is replayed only if its JSON is at most this long, and for at most this many
# refusals per user in LIFETIME; beyond either its claim is released (see the docstring).
REFUSAL_MAX_CHARS = 2048
REFUSALS_PER_USER = 100
# Expired records are deleted on write at most once per PURGE_EVERY, PURGE_BATCH at a time.
PURGE_EVERY = timedelta(minutes=5)
PURGE_BATCH = 1000
PURGE_MARK = "idempotency:purged"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    type=str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Up to 255 characters. Repeating a key within 24 hours returns the first response "
    "without acting again; the same key with a different body is a 422.",
)


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was already used with a different request."
    default_code = "idempotency_key_reused"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(*, user, key: str, fingerprint: str) -> IdempotencyRecord | Response:
    """Insert the claim, or return the stored response of an earlier identical request."""
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(user=user, key=key, fingerprint=fingerprint)
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if existing is None:
            continue  # released meanwhile; claim again
        now = timezone.now()
        expired = existing.created_at < now - LIFETIME
        abandoned = existing.status_code is None and existing.created_at < now - ABANDONED_AFTER
        if expired or abandoned:
            existing.delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.status_code is None:
            raise ApplicationError(
                "A request with this Idempotency-Key is still being processed.",
                code="idempotency_in_progress",
            )
        return Response(existing.response_body, status=existing.status_code)
    raise ApplicationError(
        "Could not claim the Idempotency-Key; retry.", code="idempotency_in_progress"
    )


def idempotent(request, perform) -> Response:
    """Run `perform()` (which returns a Response) at most once per user and Idempotency-Key."""
    key = request.headers.get(HEADER)
    if key is None:
        return atomic_with_retry(perform)()
    if not key or len(key) > 255:
        raise exceptions.ValidationError({HEADER: ["Must be 1 to 255 characters."]})

    _purge_now_and_then()
    claim = _claim(user=request.user, key=key, fingerprint=_fingerprint(request))
    if isinstance(claim, Response):
        return claim

    def perform_and_record():
        return _record(claim, perform())

    try:
        return atomic_with_retry(perform_and_record)()
    except Exception as exc:
        refusal = error_response(exc)
        if refusal is not None and refusal.status_code < 500:
            return _record_refusal(claim, refusal)
        IdempotencyRecord.objects.filter(pk=claim.pk).delete()
        raise
    except BaseException:
        IdempotencyRecord.objects.filter(pk=claim.pk).delete()
        raise


def _record(
    claim: IdempotencyRecord, response: Response, rendered: bytes | None = None
) -> Response:
    claim.status_code = response.status_code
    claim.response_body = json.loads(rendered or JSONRenderer().render(response.data))
    claim.save(update_fields=["status_code", "response_body"])
    return response


def _record_refusal(claim: IdempotencyRecord, refusal: Response) -> Response:
    """Keep a refusal for replay if it is small and its user's quota allows; else release the claim."""
    rendered = JSONRenderer().render(refusal.data)
    if len(rendered) <= REFUSAL_MAX_CHARS:
        kept = IdempotencyRecord.objects.filter(
            user_id=claim.user_id,
            status_code__gte=400,
            created_at__gte=timezone.now() - LIFETIME,
        )[:REFUSALS_PER_USER]
        if kept.count() < REFUSALS_PER_USER:
            return _record(claim, refusal, rendered)
    IdempotencyRecord.objects.filter(pk=claim.pk).delete()
    return refusal


def _purge_now_and_then() -> None:
    """Delete a batch of expired records if nobody has in the last PURGE_EVERY."""
    if cache.add(PURGE_MARK, True, timeout=PURGE_EVERY.total_seconds()):
        idempotency_purge(limit=PURGE_BATCH)


def idempotency_purge(*, limit: int | None = None) -> int:
    """Delete records older than 24 hours (at most `limit` of them); returns how many."""
    expired = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - LIFETIME)
    if limit is not None:
        batch = list(expired.order_by("created_at").values_list("pk", flat=True)[:limit])
        expired = IdempotencyRecord.objects.filter(pk__in=batch)
    deleted, _ = expired.delete()
    return deleted
