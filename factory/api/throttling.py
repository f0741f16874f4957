"""Throttles that cost at most one cache round trip per request: fixed windows counted with INCR."""

from rest_framework import throttling

from factory.cache import count_ahead, window_count, window_left


class FixedWindowThrottle(throttling.SimpleRateThrottle):
    """DRF's rate throttle (same rates, scopes and keys), counted in fixed windows.

    DRF's own keeps a list of every request's time in the cache, read and written back on
    each request: two round trips and a pickled list that grows with the rate, and two
    concurrent requests can both read the same list and both pass. Here a request is one
    atomic increment of a counter that lives for one window from the key's first request
    (factory.cache.window_count); `Retry-After` is the time left in the window. Like any
    fixed window it lets a client spend one window's allowance at its end and the next one's
    at the start. A cache outage lets requests through, logged, as every other cache failure
    does. A throttle that can name its key from the signed-in user's id alone (`user_key`)
    is counted in the round trip that reads the user (see `count_user_ahead`).
    """

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        if window_count(self.key, self.duration) <= self.num_requests:
            return True
        self.retry_after = window_left(self.key, self.duration)  # a 429's Retry-After only
        return False

    def wait(self):
        return self.retry_after

    def user_key(self, user_id) -> str | None:
        """This throttle's key for a request signed in as `user_id`, if that is all it needs."""
        return None


class AnonRateThrottle(FixedWindowThrottle, throttling.AnonRateThrottle):
    """Anonymous requests per client address (`THROTTLE_ANON`)."""


class UserRateThrottle(FixedWindowThrottle, throttling.UserRateThrottle):
    """Signed-in requests per user (`THROTTLE_USER`)."""

    def user_key(self, user_id) -> str | None:
        if self.rate is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": user_id}


def count_user_ahead(request, user_id) -> None:
    """Counts a request signed in as `user_id` in the same round trip as its user is read.

    Called by authentication once the token is verified, before the user is read: the view's
    user throttles then find their count made. A request refused after this (401, 403) has
    still spent one request of its user's allowance.
    """
    view = (request.parser_context or {}).get("view")
    for throttle in view.get_throttles() if view is not None else ():
        key = throttle.user_key(user_id) if isinstance(throttle, FixedWindowThrottle) else None
        if key is not None:
            count_ahead(key, throttle.duration)
