import pytest
from django.test import override_settings

from accounts import services
from accounts.tests.factories import make_account, make_role, permissions_named
from conftest import bearer_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_role_cache_on")]


@pytest.fixture
def _role_cache_on():
    with override_settings(ROLE_PERMISSION_CACHE=True):
        yield


def test_role_permissions_are_read_once_then_cached(django_assert_num_queries):
    client = bearer_client(make_account(role=make_role("accounts.view_user")))
    assert client.get("/api/users/").status_code == 200
    # The caller (with role), the count and the page: no permissions query any more.
    with django_assert_num_queries(3):
        assert client.get("/api/users/").status_code == 200


def test_role_permission_change_is_seen_on_the_next_request(django_capture_on_commit_callbacks):
    role = make_role("accounts.view_user")
    client = bearer_client(make_account(role=role))
    assert client.get("/api/roles/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        services.role_update(
            role=role, permissions=permissions_named("accounts.view_user", "accounts.view_role")
        )
    assert client.get("/api/roles/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        role.permissions.set(permissions_named("accounts.view_user"))
    assert client.get("/api/roles/").status_code == 403
