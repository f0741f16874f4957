"""Redis failures for the tests: a Redis that never answers, and one that is not there."""

import socket
import threading
from contextlib import contextmanager, suppress

import pytest
from django.conf import settings
from django.test import override_settings

needs_redis = pytest.mark.skipif(
    not settings.REDIS_URL, reason="needs Redis (runs in the second leg of make test)"
)


def redis_at(url: str):
    """Settings whose default cache is the project's django-redis cache, at `url`."""
    options = {
        "CLIENT_CLASS": "django_redis.client.DefaultClient",
        "SOCKET_CONNECT_TIMEOUT": 0.2,
        "SOCKET_TIMEOUT": 0.2,
        "IGNORE_EXCEPTIONS": True,
    }
    default = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": url, "OPTIONS": options}
    return override_settings(CACHES={"default": default})


@contextmanager
def silent_redis():
    """A server that accepts connections and never answers, like a Redis that hangs.

    Yields the list of connections accepted so far (one per connection attempt: redis-py drops
    a connection that timed out).
    """
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    done = threading.Event()

    def accept():
        while not done.is_set():
            with suppress(TimeoutError):
                accepted.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        with redis_at(f"redis://127.0.0.1:{server.getsockname()[1]}/0"):
            yield accepted
    finally:
        done.set()
        thread.join()
        server.close()
        for connection in accepted:
            connection.close()


def missing_redis():
    """Settings whose cache is a Redis that is not running (connections refused at once)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return redis_at(f"redis://127.0.0.1:{port}/0")
