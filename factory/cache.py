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


def namespace_bump(namespace: str) -> None:
    """Invalidate the namespace now."""
    cache.set(_version_key(namespace), uuid.uuid4().hex, timeout=None)


def namespace_bump_on_commit(namespace: str) -> None:
    """After the current transaction commits (or now, outside one), invalidate the namespace."""
    transaction.on_commit(lambda: namespace_bump(namespace))


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
