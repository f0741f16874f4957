"""Versioned namespaces: a write bumps its namespace on commit, so no reader sees a stale value.

A namespace's version is a random token in the shared cache. A cached value is stored with the
tokens of the namespaces it was computed from, and served only while they are all still
current; bumping a token (after the writing transaction commits) retires every value computed
before, in every process that shares the cache. A missing token (evicted, Redis restarted) is a
fresh one: entries are never resurrected. The idea is pretix's NamespacedCache (a version key
per namespace, prefixed to every key); this one also reads the tokens and the value in one round
trip with the rest of the request's reads, and checks tokens stored with the value instead of
prefixing keys, so a value computed during a write is never served.
"""

import hashlib
import json

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from factory.cache.batch import RequestBatch
from factory.cache.shared import new_token, shared, version_key

REPORTS = "reports"


class Registry:
    """The namespaces the apps registered (`invalidate_on_writes`), for `invalidate_all`."""

    def __init__(self):
        self.names: set[str] = set()


registry = Registry()  # filled once by the apps' ready(); never changed by a request


def value_key(namespaces: tuple[str, ...], parts: dict) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"{'+'.join(namespaces)}:{digest[:32]}"


def _read(namespaces: tuple[str, ...], keys: tuple[str, ...] = ()) -> tuple[tuple, dict]:
    """In one cache round trip at most: the namespaces' tokens and the values of `keys`.

    Keys and counters waiting for this request's next round trip join it. A missing token is
    created. Every token is None when the cache cannot be used.
    """
    process = shared()
    wanted = [*map(version_key, namespaces), *keys]
    batch = RequestBatch.current()
    if batch is None:
        found = (process.fetch(wanted, {}) or ({}, {}))[0]
    else:
        found = batch.found
        if missing := [key for key in wanted if key not in found]:
            fetch = list(dict.fromkeys(missing + batch.ahead))
            got = process.fetch(fetch, batch.counters)
            batch.ahead, batch.counters = [], {}
            if got is not None:
                batch.counted.update(got[1])
                found.update((key, got[0].get(key)) for key in fetch)
    if not process.reachable():
        return (None,) * len(namespaces), found
    tokens = []
    for namespace in namespaces:
        if batch is not None and namespace in batch.dirty:
            tokens.append(None)  # written by this request: read past the cache
            continue
        token = found.get(version_key(namespace))
        if token is None:
            token = new_token()
            if not cache.add(version_key(namespace), token, timeout=None):
                token = cache.get(version_key(namespace))
            if batch is not None:
                batch.found[version_key(namespace)] = token
        tokens.append(token)
    return tuple(tokens), found


def namespace_version(namespace: str) -> str | None:
    """The namespace's current token; None when the cache cannot be used."""
    return _read((namespace,))[0][0]


def _bump(*namespaces: str) -> None:
    tokens = shared().bump(namespaces)
    if (batch := RequestBatch.current()) is not None:
        batch.found.update(tokens)


def namespace_invalidate(namespace: str) -> None:
    """Invalidate the namespace for a write in the current transaction.

    Once it commits, so that no process keeps a value computed before the write, or during
    it. Until then the writing request reads the namespace past the cache, so its own later
    reads are fresh, and no Redis write is made while the transaction holds its row locks
    (a hanging Redis would hold them too); outside a request it is bumped at once as well.
    A write that rolls back costs one needless recomputation, never a stale read.
    """
    if not transaction.get_connection().in_atomic_block:
        _bump(namespace)
        return
    batch = RequestBatch.current()
    if batch is None:
        _bump(namespace)
        transaction.on_commit(lambda: _bump(namespace))
    else:
        batch.dirty.add(namespace)
        batch.unbumped.add(namespace)
        transaction.on_commit(lambda: _bump_committed(batch, namespace))


def _bump_committed(batch: RequestBatch, namespace: str) -> None:
    """After a commit: every namespace the request wrote and has not bumped since, in one round
    trip (one position read with replicas), by the first of the transaction's hooks; the others
    find theirs done. A namespace left over from a savepoint or transaction that rolled back is
    bumped along: one needless recomputation, never a stale read."""
    if namespace in batch.unbumped:
        namespaces = sorted(batch.unbumped)
        batch.unbumped.clear()
        _bump(*namespaces)


def invalidate_all() -> None:
    """Invalidate every namespace: for writes that send no signals (bulk loads, raw SQL)."""
    for namespace in sorted(registry.names):
        namespace_invalidate(namespace)


def invalidate_on_writes(
    namespace: str, *senders, signals=(post_save, post_delete), unless_only=frozenset()
) -> None:
    """Invalidate `namespace` whenever one of `senders` is written (each signal, each sender).

    A save of `unless_only` fields and nothing else (`save(update_fields=...)`) is not a
    write the namespace's values depend on.
    """

    def invalidate(sender, update_fields=None, **kwargs):
        if update_fields and set(update_fields) <= unless_only:
            return
        namespace_invalidate(namespace)

    registry.names.add(namespace)
    for sender in senders:
        for signal in signals:
            signal.connect(
                invalidate,
                sender=sender,
                weak=False,
                dispatch_uid=f"{namespace}:{getattr(sender, '__name__', sender)}:{id(signal)}",
            )


def cached(namespaces: str | tuple[str, ...], parts: dict, compute, *, timeout: int):
    """`compute()`'s result, cached while none of `namespaces` has been written to.

    `parts` (JSON-able) name the value. It is stored with the namespaces' tokens read
    before computing it, and served only while they are still current: the tokens and
    the value come back in one round trip. A write that commits while the value is being
    computed bumps a token, so that value is never served. A timeout of 0 turns it off.
    """
    if timeout <= 0:
        return compute()
    namespaces = (namespaces,) if isinstance(namespaces, str) else namespaces
    key = value_key(namespaces, parts)
    tokens, found = _read(namespaces, (key,))
    if None in tokens:
        return compute()
    entry = found.get(key)
    if entry is not None and entry[0] == tokens:
        return entry[1]
    value = compute()
    cache.set(key, (tokens, value), timeout=timeout)
    if (batch := RequestBatch.current()) is not None:
        batch.found[key] = (tokens, value)
    return value


def prefetch(namespaces: str | tuple[str, ...], parts: dict, *, timeout: int) -> None:
    """Has this request's next cache round trip also fetch what `cached()` will read for these.

    Same arguments as `cached()`; nothing to fetch when its timeout turns the cache off.
    """
    namespaces = (namespaces,) if isinstance(namespaces, str) else namespaces
    if timeout > 0 and (batch := RequestBatch.current()) is not None:
        batch.ahead += [*map(version_key, namespaces), value_key(namespaces, parts)]
