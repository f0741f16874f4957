"""The circuit breaker in front of Redis, and the invalidations it owes while Redis is away."""

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable

logger = logging.getLogger("factory.cache")


class Breaker:
    """Leaves Redis alone for `retry_seconds` after it fails, and owes the bumps it missed.

    A Redis that hangs costs each process one socket timeout per window instead of several per
    request. A namespace bump that failed, or came inside the window, is owed: whoever talks to
    Redis next sends it first (`owed()`, then `paid()`), and a timer thread (the payer) calls
    `pay` one second after the window ends, again each window while Redis still fails, so other
    processes see the write even if this one gets no further request. One per process
    (`factory.cache.shared`); a test gets its own (the `fresh` context of `SharedCache`).
    A read replica has one of its own (`factory.replicas`, which owes nothing): `name` is what
    the log calls the server left alone.
    """

    def __init__(
        self, retry_seconds: Callable[[], float], clock=time.monotonic, name: str = "Cache"
    ):
        self._retry_seconds = retry_seconds
        self._clock = clock
        self.name = name
        self._retry_at = 0.0
        self._owed: set[str] = set()
        self._lock = threading.Lock()
        self._payer: threading.Timer | None = None

    def closed(self) -> bool:
        """True when Redis may be tried (no failure within the retry window)."""
        return self._clock() >= self._retry_at

    def trip(self, what: str) -> None:
        """Redis failed at `what`: leave it alone for the retry window (logged once)."""
        seconds = self._retry_seconds()
        self._retry_at = self._clock() + seconds
        logger.warning(
            "%s unavailable (%s): bypassed for %ss",
            self.name,
            what,
            seconds,
            exc_info=sys.exc_info()[1] is not None,  # a replica's timeout is no exception
        )

    def owed(self) -> tuple[str, ...]:
        """The namespaces whose bump Redis has not taken yet."""
        return tuple(self._owed)

    def paid(self, namespaces: Iterable[str]) -> None:
        self._owed.difference_update(namespaces)

    def owe(self, namespaces: Iterable[str], pay: Callable[[], None]) -> None:
        """Remember bumps Redis did not take; the payer thread calls `pay` once it may answer."""
        with self._lock:
            self._owed.update(namespaces)
            if self._payer is None:
                delay = max(self._retry_at - self._clock(), 0) + 1
                self._payer = threading.Timer(delay, self._pay, (pay,))
                self._payer.daemon = True
                self._payer.start()

    def _pay(self, pay: Callable[[], None]) -> None:
        with self._lock:
            self._payer = None
        if self._owed:
            pay()  # owed again (and a new payer started) if Redis still fails

    def close(self) -> None:
        """Stops the payer and forgets the debts (a process or a test that is done)."""
        with self._lock:
            if self._payer is not None:
                self._payer.cancel()
                self._payer = None
            self._owed.clear()
