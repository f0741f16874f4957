"""Throttles that cost one cache round trip per request: fixed windows counted with INCR."""

import logging

from django.core.cache import caches
from django_redis.cache import RedisCache
from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger("factory.cache")


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    """DRF's rate throttle (same rates, scopes and keys), counted in fixed windows.

    DRF's own keeps a list of every request's time in the cache, read and written back on
    each request: two round trips and a pickled list that grows with the rate, and two
    concurrent requests can both read the same list and both pass. Here a request is one
    atomic increment of a counter that lives for one window from the key's first request
    (Redis SET NX EX + INCR + PTTL in one MULTI, one round trip); `Retry-After` is the time
    left in the window. Like any fixed window it lets a client spend one window's allowance
    at its end and the next one's at the start. A cache outage lets requests through,
    logged, as every other cache failure does.
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        count, self.retry_after = self.hit(self.key)
        return count <= self.num_requests

    def wait(self):
        return self.retry_after

    def hit(self, key: str) -> tuple[int, float]:
        """Counts this request in `key`'s window: (requests so far, seconds left in the window)."""
        backend = caches["default"]
        if isinstance(backend, RedisCache):
            key = backend.make_key(key)
            try:
                pipe = backend.client.get_client(write=True).pipeline()
                pipe.set(key, 0, ex=self.duration, nx=True).incr(key).pttl(key)
                _, count, left_ms = pipe.execute()
            except RedisError:
                logger.warning("Throttle not counted: the cache is unavailable", exc_info=True)
                return 0, 0.0
            return count, max(left_ms, 0) / 1000
        # Any other cache (one process: tests, runserver): the window's start kept with its count.
        now = self.timer()
        start, count = backend.get(key) or (now, 0)
        left = start + self.duration - now
        backend.set(key, (start, count + 1), left)
        return count + 1, left


class AnonRateThrottle(FixedWindowThrottle, throttling.AnonRateThrottle):
    """Anonymous requests per client address (`THROTTLE_ANON`)."""


class UserRateThrottle(FixedWindowThrottle, throttling.UserRateThrottle):
    """Signed-in requests per user (`THROTTLE_USER`)."""
