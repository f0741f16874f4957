"""The request-path cache: versioned namespaces, one read batch a request, window counters.

- `namespaces`: a value is cached under the version tokens of the namespaces whose rows it
  shows; a committed write bumps its namespace (`invalidate_on_writes`), so nothing stale is
  ever served.
- `batch`: `RequestBatchMiddleware` gives each request a `RequestBatch`; everything the request
  reads (the signed-in user's access token, its throttle counts, a cached page) comes back in
  one round trip.
- `windows`: fixed-window counters for the throttles.
- `shared`/`breaker`: the process's `SharedCache`, whose `Breaker` leaves a failing Redis alone
  for a while and owes it the invalidations it missed.

docs/caching.md tells the whole story.
"""

from factory.cache.batch import RequestBatch, RequestBatchMiddleware, request_identified
from factory.cache.namespaces import (
    REPORTS,
    cached,
    invalidate_all,
    invalidate_on_writes,
    namespace_invalidate,
    namespace_version,
    prefetch,
)
from factory.cache.shared import SharedCache, fresh_shared_cache, shared
from factory.cache.windows import count_ahead, window_count

__all__ = [
    "REPORTS",
    "RequestBatch",
    "RequestBatchMiddleware",
    "SharedCache",
    "cached",
    "count_ahead",
    "fresh_shared_cache",
    "invalidate_all",
    "invalidate_on_writes",
    "namespace_invalidate",
    "namespace_version",
    "prefetch",
    "request_identified",
    "shared",
    "window_count",
]
