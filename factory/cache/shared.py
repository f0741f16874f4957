"""The process's handle on the shared cache: one round trip at a time, behind the breaker."""

import time
import uuid
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache, caches
from django_redis.cache import RedisCache
from redis.exceptions import RedisError

from factory.cache import positions
from factory.cache.breaker import Breaker


def version_key(namespace: str) -> str:
    return f"version:{namespace}"


def new_token() -> str:
    return uuid.uuid4().hex


class SharedCache:
    """Round trips to the default cache (Redis, shared by every process; or any other backend).

    Holds the process's `breaker` and the `clock` that window counters are aligned to (injected
    by tests). `fetch` is the one read: values, plus window counters counted, in one pipeline,
    after any bump the breaker still owes; `bump` gives namespaces new version tokens.
    """

    def __init__(self, clock=time.time):
        self.clock = clock
        self.breaker = Breaker(lambda: settings.CACHE_RETRY_SECONDS)

    @staticmethod
    def redis() -> RedisCache | None:
        """The default cache if it is Redis (shared by every process), else None."""
        backend = caches["default"]
        return backend if isinstance(backend, RedisCache) else None

    def reachable(self) -> bool:
        return self.redis() is None or self.breaker.closed()

    def fetch(self, keys: list[str], counters: dict[str, int]) -> tuple[dict, dict] | None:
        """One round trip: the values of `keys`, and each counter (key → seconds) counted.

        With Redis: the bumps owed (with the primary's GTID position, when replicas read:
        factory.cache.positions), MGET, then INCR and EXPIRE NX per counter (EXPIRE NX gives a
        counter its expiry only if it has none, so every counter gets one; Redis 7+). With any
        other cache, the same from that cache (one process's own, unless it is shared). None
        when Redis cannot be used: it failed now (logged) or within the breaker's window.
        """
        backend = self.redis()
        if backend is None:
            counts = {key: _local_count(key, seconds) for key, seconds in counters.items()}
            return (cache.get_many(keys) if keys else {}), counts
        if not self.breaker.closed():
            return None
        owed = self.breaker.owed()
        try:
            pipe = backend.client.get_client(write=True).pipeline(transaction=False)
            for namespace in owed:
                pipe.set(
                    backend.make_key(version_key(namespace)), backend.client.encode(new_token())
                )
            recorded = bool(owed) and positions.recording()
            if recorded:
                positions.record_in(pipe, backend)
            if keys:
                pipe.mget([backend.make_key(key) for key in keys])
            for key, seconds in counters.items():
                pipe.incr(backend.make_key(key)).expire(backend.make_key(key), seconds, nx=True)
            replies = pipe.execute()[len(owed) + recorded :]
        except RedisError:
            self.breaker.trip("read")
            return None
        self.breaker.paid(owed)
        values = {}
        if keys:
            raw = replies.pop(0)
            values = {
                key: backend.client.decode(v)
                for key, v in zip(keys, raw, strict=True)
                if v is not None
            }
        return values, {key: replies[2 * i] for i, key in enumerate(counters)}

    def bump(self, namespaces) -> dict[str, str]:
        """New tokens for `namespaces` and every namespace whose bump is still owed.

        If Redis does not take them, or is being left alone, they are owed (the breaker's payer
        makes them). With read replicas the primary's GTID position joins the same round trip
        (factory.cache.positions). Returns the tokens, key → token.
        """
        owed = {*namespaces, *self.breaker.owed()}
        tokens = {version_key(namespace): new_token() for namespace in owed}
        backend = self.redis()
        if backend is None:
            cache.set_many(tokens, timeout=None)
            if positions.recording():
                positions.local.record()
        elif not self.breaker.closed():
            self.breaker.owe(namespaces, self._pay)
        else:
            try:
                pipe = backend.client.get_client(write=True).pipeline(transaction=False)
                for key, token in tokens.items():
                    pipe.set(backend.make_key(key), backend.client.encode(token))
                if positions.recording():
                    positions.record_in(pipe, backend)
                pipe.execute()
            except RedisError:
                self.breaker.trip("invalidation")
                self.breaker.owe(namespaces, self._pay)
            else:
                self.breaker.paid(owed)
        return tokens

    def _pay(self) -> None:
        self.bump(())

    def close(self) -> None:
        self.breaker.close()


def _local_count(key: str, seconds: int) -> int:
    """A window counter in a non-Redis cache: the key names its window, so it only grows."""
    cache.add(key, 0, timeout=seconds + 1)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, timeout=seconds + 1)
        return 1


_process = SharedCache()


def shared() -> SharedCache:
    """This process's SharedCache."""
    return _process


@contextmanager
def fresh_shared_cache(**kwargs):
    """A new SharedCache (own breaker, own clock) in place of the process's, for a test."""
    global _process
    previous, _process = _process, SharedCache(**kwargs)
    try:
        yield _process
    finally:
        _process.close()
        _process = previous
