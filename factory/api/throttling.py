"""Throttles that cost at most one cache round trip per request: fixed windows counted with INCR."""

from rest_framework import throttling

from factory.cache import window_count
from factory.cache.windows import window


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    """DRF's rate throttle (same rates, scopes and keys), counted in fixed windows.

    DRF's own keeps a list of every request's time in the cache, read and written back on
    each request: two round trips and a pickled list that grows with the rate, and two
    concurrent requests can both read the same list and both pass. Here a request is one
    atomic increment of its window's counter (factory.cache.windows: windows aligned to the
    clock, so every process counts in the same one); `Retry-After` is the time left in the
    window. Like any fixed window it lets a client spend one window's allowance at its end and
    the next one's at the start. A cache outage lets requests through, logged, as every other
    cache failure does. A throttle that can name its key from the signed-in user's id alone
    (`user_key`) is counted in the round trip that reads the user (the view's prefetch hook,
    factory.api.caching.PrefetchMixin).
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        return self.allow_key(self.get_cache_key(request, view))

    def allow_key(self, key: str | None) -> bool:
        """Counts a request under `key` (None: not throttled); False when over the rate."""
        self.key = key
        if self.rate is None or key is None:
            return True
        count, self.retry_after = window_count(key, self.duration)
        return count <= self.num_requests

    def wait(self):
        return self.retry_after

    def user_key(self, user_id) -> str | None:
        """This throttle's key for a request signed in as `user_id`, if that is all it needs."""
        return None

    def counter_for_user(self, user_id) -> tuple[str, int] | None:
        """The window counter `allow_request` will count for `user_id` (see `user_key`)."""
        key = self.user_key(user_id)
        return None if key is None else (window(key, self.duration)[0], self.duration)


class AnonRateThrottle(FixedWindowThrottle, throttling.AnonRateThrottle):
    """Anonymous requests per client address (`THROTTLE_ANON`)."""


class UserRateThrottle(FixedWindowThrottle, throttling.UserRateThrottle):
    """Signed-in requests per user (`THROTTLE_USER`)."""

    def user_key(self, user_id) -> str | None:
        if self.rate is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user_id}
