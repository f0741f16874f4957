"""One request's reads of the shared cache, batched into as few round trips as it can."""

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar

_current: ContextVar["RequestBatch | None"] = ContextVar("factory_cache_batch", default=None)


class RequestBatch:
    """What one request has read from the shared cache, and what its next round trip adds.

    Every token and value read is kept for the rest of the request (`found`); keys named ahead
    (`ahead`) and window counters named ahead (`counters`: Redis key → seconds) join the
    request's next round trip, whose counts wait in `counted`. Counters that need the signed-in
    user's id (`per_user`, set by the view's prefetch hook) are named once sign-in has verified
    who it is (`identified`). Namespaces the request has written (`dirty`) it reads past the cache
    for the rest of the request; those whose bump after commit has not been made yet are
    `unbumped` (the first commit hook of a transaction bumps them all in one round trip).
    Created for each request by `RequestBatchMiddleware`.
    """

    __slots__ = ("ahead", "counted", "counters", "dirty", "found", "per_user", "unbumped")

    def __init__(self):
        self.dirty: set[str] = set()
        self.unbumped: set[str] = set()
        self.found: dict = {}
        self.ahead: list[str] = []
        self.counters: dict[str, int] = {}
        self.counted: dict[str, int] = {}
        self.per_user: Callable[[object], Iterable[tuple[str, int]]] | None = None

    @staticmethod
    def current() -> "RequestBatch | None":
        """The batch of the request being served in this thread; None outside a request."""
        return _current.get()

    def identified(self, user_id) -> None:
        """Sign-in verified a token for `user_id`: its per-user counters join the next round trip."""
        if self.per_user is not None:
            self.counters.update(self.per_user(user_id))
            self.per_user = None


class RequestBatchMiddleware:
    """Gives each request its own `RequestBatch` for as long as the request is served."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(RequestBatch())  # what serving_request() does, without its frames
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)


@contextmanager
def serving_request():
    """A new `RequestBatch` is current inside the block (the middleware's, or a test's)."""
    token = _current.set(batch := RequestBatch())
    try:
        yield batch
    finally:
        _current.reset(token)


def request_identified(user_id) -> None:
    """Tells the current request's batch (if any) that its caller is verified as `user_id`."""
    if (batch := _current.get()) is not None:
        batch.identified(user_id)
