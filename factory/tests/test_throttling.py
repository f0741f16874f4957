"""Fixed-window throttles (factory/api/throttling.py), on whatever cache the suite runs with."""

import time

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


def test_window_ends_after_its_duration(monkeypatch, user_api):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/s"})
    assert [user_api.get("/api/products/").status_code for _ in range(2)] == [200, 200]
    limited = user_api.get("/api/products/")
    assert limited.status_code == 429
    assert limited["Retry-After"] == "1"
    time.sleep(1.05)  # the window (one second from its first request) is over
    assert user_api.get("/api/products/").status_code == 200
