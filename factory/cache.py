"""Versioned cache namespaces: a write bumps a namespace on commit, so no reader ever sees stale data.

A namespace's version is a random token kept in the shared cache. A cached value is
stored with the tokens of the namespaces it was computed from, and served only while
they are all still current; bumping a token (after the writing transaction commits)
retires every value computed before, in every process that shares the cache. A missing
token (evicted, or Redis down) simply means a fresh one: entries are never resurrected.
Each app owns the namespace of its rows (`<app>.apps`); a value names every namespace
whose rows it shows.
"""

import hashlib
import json
import logging
import threading
import time
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache, caches
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django_redis.cache import RedisCache
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import RedisError

logger = logging.getLogger("factory.cache")

REPORTS = "reports"
_namespaces: set[str] = set()

# After Redis fails to answer, this process leaves it alone for CACHE_RETRY_SECONDS: a Redis that
# hangs costs one socket timeout per process and window, not several per request. Namespaces whose
# bump did not reach Redis are owed: bumped before anything is read from it again, and by a timer
# thread once the window is over, so other processes see the write even if this one gets no
# further request.
_retry_at = 0.0
_unbumped: set[str] = set()
_owed_lock = threading.Lock()
_payer: threading.Timer | None = None


class _RequestReads:
    """What one request has read from the shared cache, and what its next round trip adds.

    Every token and value read is kept for the rest of the request (`found`); keys named by
    `prefetch` (`ahead`) and counters named by `count_ahead` (`counters`) join the request's
    next round trip, whose counts wait in `counted`. A request reads the shared cache as of
    one moment, in as few round trips as it can. Namespaces it has written (`dirty`) it reads
    past the cache for the rest of the request.
    """

    __slots__ = ("ahead", "counted", "counters", "dirty", "found")

    def __init__(self):
        self.dirty: set[str] = set()
        self.found: dict = {}
        self.ahead: list[str] = []
        self.counters: dict[str, int] = {}
        self.counted: dict[str, int] = {}


_request: ContextVar[_RequestReads | None] = ContextVar("factory_cache_request", default=None)


def _request_begins(**kwargs) -> None:
    _request.set(_RequestReads())


def _request_ends(**kwargs) -> None:
    _request.set(None)


request_started.connect(_request_begins, dispatch_uid="factory.cache.request_begins")
request_finished.connect(_request_ends, dispatch_uid="factory.cache.request_ends")


def _remember(key: str, value) -> None:
    reads = _request.get()
    if reads is not None:
        reads.found[key] = value


def _version_key(namespace: str) -> str:
    return f"version:{namespace}"


def _value_key(namespaces: tuple[str, ...], parts: dict) -> str:
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    return f"{'+'.join(namespaces)}:{digest[:32]}"


def _redis() -> RedisCache | None:
    """The default cache if it is Redis (shared by every process), else None."""
    backend = caches["default"]
    return backend if isinstance(backend, RedisCache) else None


def _reachable() -> bool:
    return time.monotonic() >= _retry_at


def _unreachable(what: str) -> None:
    global _retry_at
    _retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS
    logger.warning(
        "Cache unavailable (%s): bypassed for %ss",
        what,
        settings.CACHE_RETRY_SECONDS,
        exc_info=True,
    )


def _local_window(key: str, seconds: int, *, count: bool) -> tuple[int, float]:
    """A window counter in a non-Redis cache (one process): (count, seconds left).

    The window's start is kept with its count; `count` adds this request to it.
    """
    now = time.time()
    start, so_far = cache.get(key) or (now, 0)
    left = start + seconds - now
    if count:
        so_far += 1
        cache.set(key, (start, so_far), left)
    return so_far, left


def _fetch(keys: list[str], counters: dict[str, int]) -> tuple[dict, dict] | None:
    """One round trip: the values of `keys`, and each counter (key → window seconds) counted.

    A counter lives for one window from its first count. With Redis: MGET, then INCR and
    EXPIRE NX per counter (EXPIRE NX gives a counter its expiry only if it has none, so a
    counter always gets one, even one recreated by INCR just after expiring; Redis 7+), after
    any bump this process still owes. With any other cache, see `_local_window`. None when
    Redis cannot be used: it failed now (logged, like every cache failure) or less than
    CACHE_RETRY_SECONDS ago.
    """
    backend = _redis()
    if backend is None:
        counts = {key: _local_window(key, s, count=True)[0] for key, s in counters.items()}
        return (cache.get_many(keys) if keys else {}), counts
    if not _reachable():
        return None
    owed = tuple(_unbumped)
    try:
        pipe = backend.client.get_client(write=True).pipeline(transaction=False)
        for namespace in owed:
            pipe.set(backend.make_key(_version_key(namespace)), backend.client.encode(_token()))
        if keys:
            pipe.mget([backend.make_key(key) for key in keys])
        for key, seconds in counters.items():
            pipe.incr(backend.make_key(key)).expire(backend.make_key(key), seconds, nx=True)
        replies = pipe.execute()[len(owed) :]
    except RedisError:
        _unreachable("read")
        return None
    _unbumped.difference_update(owed)
    values = {}
    if keys:
        raw = replies.pop(0)
        values = {
            key: backend.client.decode(v) for key, v in zip(keys, raw, strict=True) if v is not None
        }
    return values, {key: replies[2 * i] for i, key in enumerate(counters)}


def _read(namespaces: tuple[str, ...], keys: tuple[str, ...] = ()) -> tuple[tuple, dict]:
    """In one cache round trip at most: the namespaces' tokens and the values of `keys`.

    Keys and counters waiting for this request's next round trip join it. A missing token is
    created (an evicted or first-seen namespace starts afresh). Every token is None when the
    cache cannot be used.
    """
    wanted = [*map(_version_key, namespaces), *keys]
    reads = _request.get()
    if reads is None:
        found = (_fetch(wanted, {}) or ({}, {}))[0]
    else:
        found = reads.found
        if missing := [key for key in wanted if key not in found]:
            fetch = list(dict.fromkeys(missing + reads.ahead))
            got = _fetch(fetch, reads.counters)
            reads.ahead, reads.counters = [], {}
            if got is not None:
                reads.counted.update(got[1])
                found.update((key, got[0].get(key)) for key in fetch)
    if not _reachable():
        return (None,) * len(namespaces), found
    tokens = []
    for namespace in namespaces:
        if reads is not None and namespace in reads.dirty:
            tokens.append(None)  # written by this request: read past the cache
            continue
        token = found.get(_version_key(namespace))
        if token is None:
            token = _token()
            if not cache.add(_version_key(namespace), token, timeout=None):
                token = cache.get(_version_key(namespace))
            _remember(_version_key(namespace), token)
        tokens.append(token)
    return tuple(tokens), found


def namespace_version(namespace: str) -> str | None:
    """The namespace's current token; None when the cache cannot be used."""
    return _read((namespace,))[0][0]


def _token() -> str:
    return uuid.uuid4().hex


def _bump(*namespaces: str) -> None:
    """Gives `namespaces` new tokens, with every namespace whose bump this process still owes.

    If Redis does not take them, or is being left alone, the bumps are owed: made before this
    process's next read (`_fetch`), with its next bump, or by the timer `_owe` starts.
    """
    owed = {*namespaces, *_unbumped}
    tokens = {_version_key(owed_namespace): _token() for owed_namespace in owed}
    backend = _redis()
    if backend is None:
        cache.set_many(tokens, timeout=None)
    elif not _reachable():
        _owe(namespaces)
    else:
        try:
            backend.client.set_many(tokens, timeout=None)
        except ConnectionInterrupted:
            _owe(namespaces)
            _unreachable("invalidation")
        else:
            _unbumped.difference_update(owed)
    for key, token in tokens.items():
        _remember(key, token)


def _owe(namespaces) -> None:
    """Remember bumps Redis did not take, and have a timer thread make them once it answers."""
    global _payer
    with _owed_lock:
        _unbumped.update(namespaces)
        if _payer is None:
            delay = max(_retry_at - time.monotonic(), 0) + 1
            _payer = threading.Timer(delay, _pay_owed)
            _payer.daemon = True
            _payer.start()


def _pay_owed() -> None:
    """The timer's work: every owed bump, tried again (and owed again if Redis still fails)."""
    global _payer
    with _owed_lock:
        _payer = None
    if _unbumped:
        _bump()


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
    reads = _request.get()
    if reads is None:
        _bump(namespace)
    else:
        reads.dirty.add(namespace)
    transaction.on_commit(lambda: _bump(namespace))


def invalidate_all() -> None:
    """Invalidate every namespace: for writes that send no signals (bulk loads, raw SQL)."""
    for namespace in sorted(_namespaces):
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

    _namespaces.add(namespace)

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
    key = _value_key(namespaces, parts)
    tokens, found = _read(namespaces, (key,))
    if None in tokens:
        return compute()
    entry = found.get(key)
    if entry is not None and entry[0] == tokens:
        return entry[1]
    value = compute()
    cache.set(key, (tokens, value), timeout=timeout)
    _remember(key, (tokens, value))
    return value


def count_ahead(key: str, seconds: int) -> None:
    """Has this request's next cache round trip also count the window counter `key`."""
    if (reads := _request.get()) is not None:
        reads.counters[key] = seconds


def window_count(key: str, seconds: int) -> int:
    """Counts this request in the window counter `key`: the count so far in its window.

    0 when the cache is down. A count made ahead in this request is used, not repeated.
    """
    if (reads := _request.get()) is not None:
        if key in reads.counted:
            return reads.counted.pop(key)
        reads.counters.pop(key, None)  # counted now, not again later
    got = _fetch([], {key: seconds})
    return 0 if got is None else got[1].get(key, 0)


def window_left(key: str, seconds: int) -> float:
    """Seconds left in the window counter `key`'s current window (`seconds` if unknown)."""
    backend = _redis()
    if backend is None:
        return _local_window(key, seconds, count=False)[1]
    if not _reachable():
        return seconds
    try:
        left_ms = backend.client.get_client(write=True).pttl(backend.make_key(key))
    except RedisError:
        _unreachable("window length")
        return seconds
    return left_ms / 1000 if left_ms >= 0 else seconds


def prefetch(namespaces: tuple[str, ...], parts: dict, *, timeout: int) -> None:
    """Has this request's next cache round trip also fetch what `cached()` will read for these.

    Same arguments as `cached()`; nothing to fetch when its timeout turns the cache off.
    """
    if timeout > 0 and (reads := _request.get()) is not None:
        reads.ahead += [*map(_version_key, namespaces), _value_key(namespaces, parts)]
