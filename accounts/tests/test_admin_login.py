"""The admin's sign-in under the API sign-in's limits (accounts/admin_login.py, issue 24)."""

import pytest
from django.test import Client

from accounts.tests.factories import PASSWORD
from accounts.throttling import LoginIPThrottle, LoginUsernameThrottle
from factory.cache import fresh_shared_cache

pytestmark = pytest.mark.django_db
ADMIN_LOGIN = "/admin/login/?next=/admin/"
API_LOGIN = "/api/auth/login/"


@pytest.fixture
def login_rate_3(monkeypatch, clock):
    for throttle in (LoginIPThrottle, LoginUsernameThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"login": "3/min"})
    clock.now = 1_699_999_980.0 + 20  # 20 s into a minute window: 40 s left


def admin_sign_in(username, password=PASSWORD, address="127.0.0.1", client=None):
    client = client or Client()
    response = client.post(
        ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )
    return client, response


def signed_in(client) -> bool:
    return client.get("/admin/").status_code == 200


def test_wrong_passwords_then_the_right_one_is_refused_saying_when_to_retry(
    admin_account, login_rate_3, clock
):
    for _ in range(3):
        client, response = admin_sign_in("boss", "wrong")
        assert response.status_code == 200 and not signed_in(client)
    client, response = admin_sign_in("boss")  # the right password, over the limit
    assert response.status_code == 200
    assert "Too many sign-in attempts. Try again in 40 seconds." in response.content.decode()
    assert not signed_in(client)
    clock.advance(40)  # the next window
    client, response = admin_sign_in("boss")
    assert response.status_code == 302 and signed_in(client)


def test_limited_per_username_across_addresses(admin_account, login_rate_3):
    for n in range(3):
        admin_sign_in("BOSS", "wrong", address=f"10.0.5.{n}")  # any spelling sign-in accepts
    client, response = admin_sign_in("boss", address="10.0.5.99")
    assert "Too many sign-in attempts" in response.content.decode()
    assert not signed_in(client)


def test_limited_per_address_across_usernames(admin_account, login_rate_3):
    for name in ("a", "b", "c"):
        admin_sign_in(name, "wrong", address="10.0.6.1")
    client, response = admin_sign_in("boss", address="10.0.6.1")
    assert "Too many sign-in attempts" in response.content.decode()
    client, response = admin_sign_in("boss", address="10.0.6.2")
    assert response.status_code == 302 and signed_in(client)


def test_the_admin_and_the_api_share_one_budget(admin_account, anon_api, login_rate_3):
    for _ in range(2):
        wrong = {"username": "boss", "password": "wrong"}
        assert anon_api.post(API_LOGIN, wrong, REMOTE_ADDR="10.0.7.1").status_code == 401
    admin_sign_in("boss", "wrong", address="10.0.7.2")
    right = {"username": "boss", "password": PASSWORD}
    assert anon_api.post(API_LOGIN, right, REMOTE_ADDR="10.0.7.3").status_code == 429
    _, response = admin_sign_in("boss", address="10.0.7.4")
    assert "Too many sign-in attempts" in response.content.decode()


def test_counted_where_every_worker_sees_it(admin_account, login_rate_3, clock):
    """Another worker (its own SharedCache, the same cache) counts on the same counters."""
    for _ in range(2):
        admin_sign_in("boss", "wrong")
    with fresh_shared_cache(clock=clock):
        admin_sign_in("boss", "wrong")
        _, response = admin_sign_in("boss")
    assert "Too many sign-in attempts" in response.content.decode()
