"""Versioned cache namespaces: a write bumps a namespace on commit, so no reader ever sees stale data.

A namespace's version is a random token kept in the shared cache. Cached values
are stored under keys that include the current token; bumping it (after the
writing transaction commits) makes every older entry unreachable at once, in
every process that shares the cache. A missing token (evicted, or Redis down)
simply means a fresh one: entries are never resurrected.
"""

import hashlib
import json
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

logger = logging.getLogger("factory.cache")

REPORTS = "reports"


def _version_key(namespace: str) -> str:
    return f"version:{namespace}"


def namespace_version(namespace: str) -> str | None:
    """The namespace's current token; None when the cache cannot be used."""
    token = cache.get(_version_key(namespace))
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(_version_key(namespace), token, timeout=None):
            token = cache.get(_version_key(namespace))
    return token


def _bump(namespace: str) -> None:
    cache.set(_version_key(namespace), uuid.uuid4().hex, timeout=None)


def namespace_invalidate(namespace: str) -> None:
    """Invalidate the namespace for a write in the current transaction.

    Now, so the writing transaction's own later reads are fresh, and again once it
    commits, so no other process keeps a value it computed in between. A write
    that rolls back costs one needless recomputation, never a stale read.
    """
    _bump(namespace)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(namespace))


def invalidate_on_writes(namespace: str, *senders, signals=(post_save, post_delete)) -> None:
    """Invalidate `namespace` whenever one of `senders` is written (each signal, each sender)."""

    def invalidate(sender, **kwargs):
        namespace_invalidate(namespace)

    for sender in senders:
        for signal in signals:
            signal.connect(
                invalidate,
                sender=sender,
                weak=False,
                dispatch_uid=f"{namespace}:{getattr(sender, '__name__', sender)}:{id(signal)}",
            )


def cached(namespace: str, parts: dict, compute, timeout: int | None = None):
    """`compute()`'s result, cached under the namespace's version and `parts` (JSON-able)."""
    timeout = settings.REPORT_CACHE_SECONDS if timeout is None else timeout
    if timeout <= 0:
        return compute()
    version = namespace_version(namespace)
    if version is None:
        return compute()
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[
        :32
    ]
    key = f"{namespace}:{version}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value
