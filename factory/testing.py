"""Helpers for the project's tests (imported by tests only)."""

import threading

from django.db import connection
from django.test.utils import CaptureQueriesContext

from factory.hashers import Argon2PasswordHasher


def run_together(workers, timeout=60):
    """Start every worker in its own thread (one database connection each) at the same instant.

    Returns what each worker returned or raised, in order, for the test to assert on.
    """
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, work):
        try:
            barrier.wait(timeout=10)
            results[i] = work()
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads)
    return results


def page_queries(client, url: str) -> int:
    """How many queries the page at `url` costs (asserting it answers 200)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(captured)


class FakeClock:
    """A clock for `SharedCache.clock` that moves only when the test says (`advance`)."""

    def __init__(self, now: float = 1_700_000_000.25):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class QuickArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at its lowest cost, for tests only (root conftest.py).

    The production cost (100 MiB, 2 passes, 8 lanes) takes ~0.2 s of CPU a hash by design, and a
    leg of the suite hashes ~120 passwords (logins, sign-ups, password changes). The algorithm
    and hash format stay Argon2's, so tests that check for an Argon2 hash still check it.
    """

    time_cost = 1
    memory_cost = 64
    parallelism = 1
