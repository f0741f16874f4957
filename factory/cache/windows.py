"""Fixed-window counters (the throttles'): one atomic count a request, in the request's round trip."""

import math

from factory.cache.batch import RequestBatch
from factory.cache.shared import shared


def window(key: str, seconds: int) -> tuple[str, float]:
    """The counter of `key`'s current window, and the seconds left in it.

    Windows are aligned to the process's clock (`SharedCache.clock`: every `seconds` since the
    epoch), so the key names its window: a counter only ever grows, expires one window after its
    first count, and every process and server that shares the cache counts in the same one.
    """
    now = shared().clock()
    start = math.floor(now / seconds) * seconds
    return f"{key}@{start}", start + seconds - now


def count_ahead(key: str, seconds: int) -> None:
    """Has this request's next cache round trip also count `key`'s current window."""
    if (batch := RequestBatch.current()) is not None:
        batch.counters[window(key, seconds)[0]] = seconds


def window_count(key: str, seconds: int) -> tuple[int, float]:
    """Counts this request in `key`'s current window: (the count so far, seconds left in it).

    The count is 0 when the cache is down. A count made ahead in this request is used, not
    repeated.
    """
    counter, left = window(key, seconds)
    if (batch := RequestBatch.current()) is not None:
        if counter in batch.counted:
            return batch.counted.pop(counter), left
        batch.counters.pop(counter, None)  # counted now, not again later
    got = shared().fetch([], {counter: seconds})
    return (0 if got is None else got[1].get(counter, 0)), left
