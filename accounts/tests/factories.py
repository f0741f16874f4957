"""Test data for accounts. Plain functions: the project package `factory/` shadows factory_boy."""

import functools
import itertools

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Role, User
from accounts.roles import USER
from accounts.tokens import RefreshToken

PASSWORD = "S3cure-pass-phrase"  # the password conftest.make_user gives too
_sequence = itertools.count(1)


def permissions_named(*names: str) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


def make_role(*permission_names: str, name: str | None = None, description: str = "") -> Role:
    role = Role.objects.create(name=name or f"role-{next(_sequence)}", description=description)
    role.permissions.set(permissions_named(*permission_names))
    return role


@functools.cache
def _password_hash(password: str) -> str:
    # A real Argon2 hash, computed once: hashing costs ~0.1 s by design.
    return make_password(password)


def make_account(
    *, role: Role | str = USER, username: str | None = None, password: str = PASSWORD, **fields
) -> User:
    """A user with `role` (a Role or a role name) and a known password."""
    if isinstance(role, str):
        role = Role.objects.get(name=role)
    user = User(username=username or f"person{next(_sequence)}", role=role, **fields)
    user.password = _password_hash(password)
    user.save()
    return user


def token_pair(user: User) -> tuple[str, str]:
    """`(access, refresh)` as the login endpoint would issue them."""
    refresh = RefreshToken.for_user(user)
    return str(refresh.access_token), str(refresh)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def accounts_state() -> dict:
    """Everything accounts stores, to assert that a refused request changed nothing."""
    return {
        "users": list(
            User.objects.order_by("id").values_list(
                "id", "username", "role_id", "is_active", "password", "email"
            )
        ),
        "roles": [
            (role.pk, role.name, role.description, sorted(role.permission_names()))
            for role in Role.objects.exclude(name="admin").order_by("id")
        ],
        "role_names": list(Role.objects.order_by("id").values_list("name", flat=True)),
        "outstanding_tokens": OutstandingToken.objects.count(),
        "blacklisted_tokens": BlacklistedToken.objects.count(),
    }
