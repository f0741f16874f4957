"""Fixed-window throttles (factory/api/throttling.py), on whatever cache the suite runs with."""

import pytest

from factory.api.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


@pytest.fixture
def user_rate_3(monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})


def test_signed_in_requests_are_counted_per_user(user_rate_3, user_api, admin_api):
    assert [user_api.get("/api/products/").status_code for _ in range(3)] == [200] * 3
    limited = user_api.get("/api/customers/")  # one budget for every endpoint
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    assert limited.json() == {"detail": limited.json()["detail"]}
    assert admin_api.get("/api/products/").status_code == 200  # another user's budget


def test_anonymous_requests_are_counted_per_address(user_rate_3, anon_api):
    sign_up = {"username": "", "password": ""}  # refused, but counted all the same
    statuses = [anon_api.post("/api/users/", sign_up).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    assert anon_api.post("/api/users/", sign_up, REMOTE_ADDR="10.0.0.7").status_code == 400


def test_window_ends_after_its_duration(monkeypatch, user_api, clock):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    clock.now = 1_699_999_980.0 + 40  # 40 s into a minute window
    assert [user_api.get("/api/products/").status_code for _ in range(2)] == [200, 200]
    clock.advance(5)
    limited = user_api.get("/api/products/")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "15"  # what is left of the window
    clock.advance(14.5)
    assert user_api.get("/api/products/").status_code == 429  # still the same window
    clock.advance(0.5)  # the next window starts
    assert [user_api.get("/api/products/").status_code for _ in range(3)] == [200, 200, 429]


def test_every_process_counts_in_the_same_window(monkeypatch, user_api, clock, shared_cache):
    """Windows are aligned to the clock, not to a process's first request: a second process
    (its own SharedCache, the same clock and cache) counts on the same counter."""
    from factory.cache import fresh_shared_cache

    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/min"})
    assert user_api.get("/api/products/").status_code == 200
    with fresh_shared_cache(clock=clock):  # another worker
        assert user_api.get("/api/products/").status_code == 200
        assert user_api.get("/api/products/").status_code == 429
