"""The permission matrix: which caller gets which status from which endpoint (SPEC §4).

A `Case` is one request and the status each kind of caller must get. Callers are an anonymous
visitor, the built-in `user` and `admin` roles, and a custom role holding only
`accounts.view_user`. Other apps describe their endpoints the same way and run them with
`case_check`; a refused request must leave their data exactly as it was (`Case.state`).

    from accounts.tests.matrix import ADMIN_ROLE, ANON, CUSTOM, USER_ROLE, Case, case_check
    CASES = [Case("get", "/api/orders/", {ANON: 401, USER_ROLE: 200, CUSTOM: 403, ADMIN_ROLE: 200})]

See docs/accounts.md ("Tests") for a fuller example.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import get_resolver
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD, accounts_state, make_account, make_role, token_pair

ANON, USER_ROLE, CUSTOM, ADMIN_ROLE = "anonymous", "user", "custom", "admin"
CALLERS = (ANON, USER_ROLE, CUSTOM, ADMIN_ROLE)
CUSTOM_ROLE_PERMISSIONS = ("accounts.view_user",)


@dataclass
class World:
    """The accounts a matrix case runs against; built afresh for every case."""

    callers: dict[str, User | None]
    refresh: dict[str, str]
    clients: dict[str, APIClient]
    target: User  # a `user`-role account that cases read, change and delete
    spare_role: Role  # a custom role nobody holds

    @classmethod
    def build(cls) -> "World":
        callers = {
            ANON: None,
            USER_ROLE: make_account(role=USER, username="m-user"),
            CUSTOM: make_account(
                role=make_role(*CUSTOM_ROLE_PERMISSIONS, name="viewer"), username="m-custom"
            ),
            ADMIN_ROLE: make_account(role=ADMIN, username="m-admin"),
        }
        clients, refresh = {ANON: APIClient()}, {}
        for caller, user in callers.items():
            if user is not None:
                access, refresh[caller] = token_pair(user)
                clients[caller] = APIClient()
                clients[caller].credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
        target = make_account(role=USER, username="m-target")
        _, refresh[ANON] = token_pair(target)
        return cls(callers, refresh, clients, target, make_role(name="spare"))

    def me(self, caller: str) -> User:
        return self.callers[caller] or self.target


Body = dict | Callable[[World, str], dict] | None


@dataclass(frozen=True)
class Case:
    """One request. `url` may use `{w}` (the World) and `{me}` (the caller's own user id), or be
    a function of the World that creates what it needs and returns the URL."""

    method: str
    url: str | Callable[[World], str]
    expect: dict[str, int]
    body: Body = None
    label: str = ""
    state: Callable[[], object] = field(default=accounts_state, compare=False)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.url}{' ' + self.label if self.label else ''}"


def case_check(case: Case, caller: str, world: World) -> None:
    """Send `case` as `caller`; assert the status, and that a refusal is JSON and changed nothing."""
    if callable(case.url):
        url = case.url(world)
    else:
        url = case.url.format(w=world, me=world.me(caller).pk)
    body = case.body(world, caller) if callable(case.body) else case.body
    before = case.state()
    response = getattr(world.clients[caller], case.method)(url, body, format="json")
    expected = case.expect[caller]
    assert response.status_code == expected, (
        f"{case} as {caller}: {response.status_code} {response.content[:300]!r}"
    )
    if expected >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert expected == 400 or "detail" in response.json()
        assert case.state() == before, f"{case} as {caller} changed data although refused"


def case_params(cases) -> list:
    """`pytest.param(case, caller)` for every case and caller, each named for its report."""
    return [
        pytest.param(
            case,
            caller,
            id=f"{case.method.upper()} {getattr(case.url, '__name__', case.url)} {case.label} as {caller}",
        )
        for case in cases
        for caller in CALLERS
    ]


def api_route_names(prefixes: set[str]) -> set[str]:
    """The names of the /api/ routes whose name starts with one of `prefixes` (`order-list`:
    `order`), for the tests that fail when a route has no matrix case."""
    routes = set()
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/":
            continue
        for app in pattern.url_patterns:
            for route in getattr(app, "url_patterns", []):
                name = getattr(route, "name", None) or ""
                if name.split("-")[0] in prefixes:
                    routes.add(name)
    return routes


def signup(role: str | None = None) -> Callable[[World, str], dict]:
    def body(world: World, caller: str) -> dict:
        data = {"username": f"new-{caller}", "password": PASSWORD}
        return data if role is None else {**data, "role": role}

    return body


def _expect(anonymous: int, user: int, custom: int, admin: int) -> dict[str, int]:
    return {ANON: anonymous, USER_ROLE: user, CUSTOM: custom, ADMIN_ROLE: admin}


ACCOUNTS_CASES = [
    # Tokens: anyone may sign in and refresh; signing out needs a signed-in caller.
    Case(
        "post",
        "/api/auth/login/",
        _expect(200, 200, 200, 200),
        {"username": "m-target", "password": PASSWORD},
    ),
    Case(
        "post",
        "/api/auth/refresh/",
        _expect(200, 200, 200, 200),
        lambda w, caller: {"refresh": w.refresh[caller]},
    ),
    Case(
        "post",
        "/api/auth/logout/",
        _expect(401, 205, 205, 205),
        lambda w, caller: {"refresh": w.refresh[caller]},
    ),
    # Sign-up is open; any role but `user` needs an admin.
    Case("post", "/api/users/", _expect(201, 201, 201, 201), signup(), "sign-up"),
    Case("post", "/api/users/", _expect(201, 201, 201, 201), signup(USER), "role user"),
    Case("post", "/api/users/", _expect(403, 403, 403, 201), signup(ADMIN), "role admin"),
    Case("post", "/api/users/", _expect(403, 403, 403, 201), signup("spare"), "role custom"),
    # Users: view needs accounts.view_user, change/delete the admin's permissions.
    Case("get", "/api/users/", _expect(401, 403, 200, 200)),
    Case("get", "/api/users/{w.target.pk}/", _expect(401, 403, 200, 200)),
    Case("get", "/api/users/me/", _expect(401, 200, 200, 200)),
    Case("patch", "/api/users/me/", _expect(401, 405, 405, 405), {"username": "renamed"}),
    # One's own password: any signed-in caller, whatever their role.
    Case(
        "post",
        "/api/users/me/password/",
        _expect(401, 204, 204, 204),
        {"current_password": PASSWORD, "new_password": "Changed-by-myself-42"},
    ),
    Case("get", "/api/users/me/password/", _expect(401, 405, 405, 405)),
    Case(
        "patch",
        "/api/users/{w.target.pk}/",
        _expect(401, 403, 403, 200),
        {"is_active": False},
        "deactivate",
    ),
    Case(
        "patch",
        "/api/users/{w.target.pk}/",
        _expect(401, 403, 403, 200),
        {"role": ADMIN},
        "promote",
    ),
    Case(
        "patch",
        "/api/users/{w.target.pk}/",
        _expect(401, 403, 403, 200),
        {"password": "Reset-by-admin-42"},
        "password",
    ),
    Case(
        "patch",
        "/api/users/{me}/",
        _expect(401, 403, 403, 200),
        {"role": ADMIN},
        "own role",
    ),
    Case(
        "put",
        "/api/users/{w.target.pk}/",
        _expect(401, 405, 405, 405),
        {"username": "m-target", "password": PASSWORD},
    ),
    Case("delete", "/api/users/{w.target.pk}/", _expect(401, 403, 403, 204)),
    Case("get", "/api/users/{w.target.pk}/history/", _expect(401, 403, 200, 200)),
    # Roles: admin only.
    Case("get", "/api/roles/", _expect(401, 403, 403, 200)),
    Case(
        "post",
        "/api/roles/",
        _expect(401, 403, 403, 201),
        {"name": "fresh", "permissions": ["accounts.view_user"]},
    ),
    Case("get", "/api/roles/{w.spare_role.pk}/", _expect(401, 403, 403, 200)),
    Case(
        "patch",
        "/api/roles/{w.spare_role.pk}/",
        _expect(401, 403, 403, 200),
        {"permissions": ["accounts.view_user", "accounts.change_user"]},
    ),
    Case("put", "/api/roles/{w.spare_role.pk}/", _expect(401, 405, 405, 405), {"name": "x"}),
    Case("delete", "/api/roles/{w.spare_role.pk}/", _expect(401, 403, 403, 204)),
    Case("get", "/api/roles/{w.spare_role.pk}/history/", _expect(401, 403, 403, 200)),
    Case(
        "delete",
        "/api/roles/{w.target.role_id}/",
        _expect(401, 403, 403, 409),
        label="built-in user role",
    ),
]
