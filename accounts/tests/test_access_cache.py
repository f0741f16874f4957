"""The access memo (accounts.selectors): users and role permissions read once, never stale."""

import pytest
from django.conf import settings
from django.test import override_settings

from accounts import services
from accounts.models import Role
from accounts.roles import ADMIN
from accounts.tests.factories import PASSWORD, make_account, make_role, permissions_named
from conftest import bearer_client
from factory.tests.redis_outage import missing_redis, needs_redis

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_access_cache_on")]


@pytest.fixture
def _access_cache_on():
    with override_settings(ACCESS_CACHE=True):
        yield


def test_user_and_role_permissions_are_read_once_then_cached(django_assert_num_queries):
    client = bearer_client(make_account(role=make_role("accounts.view_user")))
    assert client.get("/api/users/").status_code == 200
    # Another page: no user query and no permissions query (the count is cached with Redis).
    with django_assert_num_queries(1 if settings.LIST_CACHE_SECONDS else 2):
        assert client.get("/api/users/?page_size=5").status_code == 200


def test_signing_in_keeps_the_memo_a_profile_change_retires_it(
    anon_api, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """Sign-in stamps last_login; that alone must not re-read every user in every process."""
    user = make_account(role=make_role("accounts.view_user"))
    client = bearer_client(user)
    assert client.get("/api/users/me/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        signed_in = anon_api.post(
            "/api/auth/login/", {"username": user.username, "password": PASSWORD}, format="json"
        )
    assert signed_in.status_code == 200
    with django_assert_num_queries(0):  # still memoised: no user or permission query
        assert client.get("/api/users/me/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update(actor=services.SYSTEM, user=user, first_name="Renamed")
    with django_assert_num_queries(2):  # the user and its role's permissions, read again
        assert client.get("/api/users/me/").status_code == 200


def test_each_request_gets_its_own_copy_of_the_user():
    user = make_account(role=make_role("accounts.view_user"))
    client = bearer_client(user)
    first = client.get("/api/users/me/").wsgi_request.user
    second = client.get("/api/users/me/").wsgi_request.user
    assert first == second and first.role == second.role  # the same user and role...
    # ...but nothing one request sets on them reaches the next
    assert first is not second and first.role is not second.role


def test_role_permission_change_is_seen_on_the_next_request(django_capture_on_commit_callbacks):
    role = make_role("accounts.view_user")
    client = bearer_client(make_account(role=role))
    assert client.get("/api/roles/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        services.role_update(
            actor=services.SYSTEM,
            role=role,
            permissions=permissions_named("accounts.view_user", "accounts.view_role"),
        )
    assert client.get("/api/roles/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        role.permissions.set(permissions_named("accounts.view_user"))
    assert client.get("/api/roles/").status_code == 403


def test_new_role_is_seen_on_the_next_request(django_capture_on_commit_callbacks):
    user = make_account(role=make_role("accounts.view_user"))
    client = bearer_client(user)
    assert client.get("/api/roles/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        services.user_update(actor=services.SYSTEM, user=user, role=Role.objects.get(name=ADMIN))
    assert client.get("/api/roles/").status_code == 200


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            lambda user: services.user_update(actor=services.SYSTEM, user=user, is_active=False),
            "user_inactive",
        ),
        (
            lambda user: services.user_update(
                actor=services.SYSTEM, user=user, password="A-much-longer-passphrase-9"
            ),
            "password_changed",
        ),
        (lambda user: services.user_delete(actor=services.SYSTEM, user=user), "user_not_found"),
    ],
    ids=["deactivated", "new-password", "deleted"],
)
def test_a_refused_user_is_refused_on_the_next_request(
    change, code, django_capture_on_commit_callbacks
):
    user = make_account(role=make_role("accounts.view_user"))
    client = bearer_client(user)
    assert client.get("/api/users/me/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        change(user)
    response = client.get("/api/users/me/")
    assert response.status_code == 401
    assert response.json()["code"] == code


@needs_redis
@override_settings(CACHE_RETRY_SECONDS=0)
def test_a_user_deactivated_while_redis_was_away_is_refused_once_it_is_back(
    django_capture_on_commit_callbacks,
):
    user = make_account(role=make_role("accounts.view_user"))
    client = bearer_client(user)
    assert client.get("/api/users/me/").status_code == 200  # memoised under the access version
    with missing_redis(), django_capture_on_commit_callbacks(execute=True):
        services.user_update(
            actor=services.SYSTEM, user=user, is_active=False
        )  # its bump of that version is lost
    # Redis is back, still holding the version the memo was filed under.
    response = client.get("/api/users/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
