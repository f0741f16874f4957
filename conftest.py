"""Fixtures shared by every app's tests: signed-in API clients for each built-in role."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test.utils import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD, _password_hash
from factory.cache import fresh_shared_cache
from factory.testing import FakeClock

ROOT = Path(__file__).resolve().parent
ON_MARIADB = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.mysql"


def pytest_configure(config):
    """Cheap Argon2 in the test process (the hash format unchanged): factory.testing says why."""
    others = [h for h in settings.PASSWORD_HASHERS if not h.endswith(".Argon2PasswordHasher")]
    quick = "factory.testing.QuickArgon2PasswordHasher"
    override_settings(PASSWORD_HASHERS=[quick, *others]).enable()


def pytest_collection_modifyitems(config, items):
    if settings.REPLICA_DATABASES:
        may_read_replicas(items)
    if ON_MARIADB:
        return
    skip = pytest.mark.skip(reason="needs MariaDB (runs in the second leg of make test)")
    for item in items:
        if "mariadb" in item.keywords:
            item.add_marker(skip)


def may_read_replicas(items):
    """With DATABASE_REPLICA_URLS (REPLICA=1 scripts/with-services.sh), every test that uses the
    database may also read the replicas, which mirror its test database (factory/settings.py).

    The reports' tests commit their rows (transactional), so that their reports are read from
    the replica, which sees committed rows only: inside a test's transaction they would be read
    from the primary (factory.replicas.report_database)."""
    uses_db = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
    reports = str(ROOT / "reports")
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not uses_db & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = {**(marker.kwargs if marker else {}), "databases": "__all__"}
        if str(item.path).startswith(reports):
            kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), False)


@pytest.fixture(autouse=True)
def shared_cache():
    """Each test gets its own SharedCache (breaker, owed invalidations, clock) and an empty cache.

    Its clock stands still (throttle windows never roll over in the middle of a test) until the
    test moves it (`clock`)."""
    cache.clear()
    with fresh_shared_cache(clock=FakeClock()) as fresh:
        yield fresh
    cache.clear()


@pytest.fixture
def clock(shared_cache) -> FakeClock:
    """The clock throttle windows are aligned to, moved by the test (`clock.advance(seconds)`)."""
    return shared_cache.clock


def make_user(username: str, role_name: str = USER, password: str = PASSWORD) -> User:
    """A user with a real Argon2 hash, computed once per password (hashing is slow by design)."""
    return User.objects.create(
        username=username, password=_password_hash(password), role=Role.objects.get(name=role_name)
    )


def bearer_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def admin_account(db) -> User:
    return make_user("boss", ADMIN)


@pytest.fixture
def user_account(db) -> User:
    return make_user("clerk", USER)


@pytest.fixture
def anon_api() -> APIClient:
    return APIClient()


@pytest.fixture
def admin_api(admin_account) -> APIClient:
    return bearer_client(admin_account)


@pytest.fixture
def user_api(user_account) -> APIClient:
    return bearer_client(user_account)
