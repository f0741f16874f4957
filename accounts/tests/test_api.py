"""The users and roles endpoints (SPEC §4 table)."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import (
    PASSWORD,
    accounts_state,
    bearer,
    make_account,
    make_role,
    token_pair,
)

pytestmark = pytest.mark.django_db

USERS, ROLES, ME = "/api/users/", "/api/roles/", "/api/users/me/"
REFRESH = "/api/auth/refresh/"
USER_KEYS = {"id", "username", "role", "is_active", "date_joined"}


def user_url(user) -> str:
    return f"{USERS}{user.pk}/"


def role_url(role) -> str:
    return f"{ROLES}{role.pk}/"


def as_user(user):
    return bearer(token_pair(user)[0])


# --- Sign-up ------------------------------------------------------------------------------------


def test_signup_anonymous_creates_a_user_role_account(anon_api):
    response = anon_api.post(USERS, {"username": "newbie", "password": PASSWORD})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_KEYS
    assert body["username"] == "newbie" and body["role"] == USER and body["is_active"] is True
    user = User.objects.get(pk=body["id"])
    assert user.password.startswith("argon2") and user.check_password(PASSWORD)
    assert (
        anon_api.post("/api/auth/login/", {"username": "newbie", "password": PASSWORD}).status_code
        == 200
    )


def test_signup_may_name_the_user_role(user_api):
    response = user_api.post(USERS, {"username": "newbie", "password": PASSWORD, "role": USER})
    assert response.status_code == 201 and response.json()["role"] == USER


def test_signup_ignores_read_only_fields(anon_api):
    response = anon_api.post(
        USERS,
        {"username": "newbie", "password": PASSWORD, "is_active": False, "id": 999},
    )
    assert response.status_code == 201
    assert response.json()["is_active"] is True and response.json()["id"] != 999


@pytest.mark.parametrize("caller", ["anonymous", "user", "viewer"])
@pytest.mark.parametrize("role_name", [ADMIN, "custom"])
def test_signup_with_another_role_needs_an_admin_caller(anon_api, user_api, caller, role_name):
    make_role(name="custom")
    client = {
        "anonymous": anon_api,
        "user": user_api,
        "viewer": as_user(make_account(role=make_role("accounts.view_user"))),
    }[caller]
    before = accounts_state()
    response = client.post(USERS, {"username": "climber", "password": PASSWORD, "role": role_name})
    assert response.status_code == 403
    assert "detail" in response.json()
    assert accounts_state() == before


@pytest.mark.parametrize("role_name", [ADMIN, USER, "custom"])
def test_signup_by_admin_may_give_any_role(admin_api, role_name):
    make_role(name="custom")
    response = admin_api.post(USERS, {"username": "hire", "password": PASSWORD, "role": role_name})
    assert response.status_code == 201
    assert User.objects.get(username="hire").role.name == role_name


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "newbie", "password": PASSWORD, "role": "wizard"}, "role"),
        ({"username": "clerk", "password": PASSWORD}, "username"),
        ({"username": "CLERK", "password": PASSWORD}, "username"),
        ({"username": "newbie"}, "password"),
        ({"username": "newbie", "password": ""}, "password"),
        ({"username": "newbie", "password": "short"}, "password"),
        ({"username": "newbie", "password": "password1"}, "password"),
        ({"username": "newbie", "password": "8675309123"}, "password"),
        ({"username": "newbie", "password": "newbie123"}, "password"),
        ({"username": "newbie", "password": "x" * 4097}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"username": "", "password": PASSWORD}, "username"),
        ({"username": "has space", "password": PASSWORD}, "username"),
        ({"username": "u" * 151, "password": PASSWORD}, "username"),
        ({"username": ["list"], "password": PASSWORD}, "username"),
        ({"username": "newbie", "password": PASSWORD, "role": None}, "role"),
    ],
    ids=[
        "unknown-role",
        "duplicate-username",
        "duplicate-username-other-case",
        "missing-password",
        "blank-password",
        "short-password",
        "common-password",
        "numeric-password",
        "similar-password",
        "huge-password",
        "missing-username",
        "blank-username",
        "bad-username",
        "long-username",
        "wrong-type",
        "null-role",
    ],
)
def test_signup_invalid_input_is_400_and_creates_nothing(anon_api, user_account, payload, field):
    before = accounts_state()
    response = anon_api.post(USERS, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert accounts_state() == before


@pytest.mark.parametrize(
    ("url", "payload"),
    [
        ("/api/users/", {"username": "echo!", "password": "Correct-Horse-42"}),  # bad name: 400
        ("/api/auth/login/", {"password": "Hunter2-secret-9"}),  # no username: 400
    ],
)
def test_browsable_api_never_shows_a_sent_password_back(anon_api, url, payload):
    response = anon_api.post(url, payload, format="json", HTTP_ACCEPT="text/html")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert 'name="password"' in response.content.decode()  # the form is shown again…
    assert payload["password"] not in response.content.decode()  # …without the password
    assert not User.objects.filter(username="echo!").exists()


def test_signup_malformed_json_is_400(anon_api):
    response = anon_api.post(USERS, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_signup_unicode_username_is_accepted(anon_api):
    response = anon_api.post(USERS, {"username": "zoë.ünïcode", "password": PASSWORD})
    assert response.status_code == 201
    assert response.json()["username"] == "zoë.ünïcode"


# --- Users: list, read, change, delete ------------------------------------------------------------


def test_user_list_is_paginated_with_role_names(admin_api, admin_account, user_account):
    response = admin_api.get(USERS)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [(u["username"], u["role"]) for u in body["results"]] == [
        ("boss", ADMIN),
        ("clerk", USER),
    ]
    assert all(set(u) == USER_KEYS for u in body["results"])


def test_user_list_filters_searches_and_orders(admin_api, user_account):
    make_account(username="sleepy", is_active=False)
    make_account(username="auditor", role=make_role("accounts.view_user", name="audit"))

    def names(query):
        response = admin_api.get(USERS + query)
        assert response.status_code == 200
        return [u["username"] for u in response.json()["results"]]

    assert names("?role=user") == ["clerk", "sleepy"]
    assert names("?role=audit") == ["auditor"]
    assert names("?is_active=false") == ["sleepy"]
    assert names("?search=sle") == ["sleepy"]
    assert names("?ordering=-username") == ["sleepy", "clerk", "boss", "auditor"]
    assert names("?page_size=2&ordering=username") == ["auditor", "boss"]


def test_user_list_bad_page_is_404_json(admin_api):
    response = admin_api.get(USERS + "?page=99")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_user_list_queries_do_not_grow_with_page_size(admin_api, django_assert_max_num_queries):
    for n in range(30):
        make_account(username=f"p{n:02d}", role=make_role() if n % 3 == 0 else USER)
    with django_assert_max_num_queries(6):
        response = admin_api.get(USERS + "?page_size=100")
    assert len(response.json()["results"]) == 31


def test_user_retrieve(admin_api, user_account):
    response = admin_api.get(user_url(user_account))
    assert response.status_code == 200
    assert response.json()["username"] == "clerk" and response.json()["role"] == USER


def test_user_retrieve_unknown_is_404(admin_api):
    assert admin_api.get(f"{USERS}999999/").status_code == 404


def test_user_me_returns_the_caller(user_api, user_account):
    response = user_api.get(ME)
    assert response.status_code == 200
    assert response.json()["id"] == user_account.pk and set(response.json()) == USER_KEYS


def test_user_patch_changes_role_active_flag_and_password(admin_api, user_account, anon_api):
    make_role(name="custom")
    response = admin_api.patch(
        user_url(user_account),
        {"role": "custom", "is_active": False, "password": "Brand-new-passphrase"},
    )
    assert response.status_code == 200
    assert set(response.json()) == USER_KEYS
    assert response.json()["role"] == "custom" and response.json()["is_active"] is False
    user_account.refresh_from_db()
    assert user_account.role.name == "custom" and not user_account.is_active
    assert user_account.check_password("Brand-new-passphrase")

    admin_api.patch(user_url(user_account), {"is_active": True})
    login = anon_api.post(
        "/api/auth/login/", {"username": "clerk", "password": "Brand-new-passphrase"}
    )
    assert login.status_code == 200 and login.json()["user"]["role"] == "custom"


def test_user_patch_ignores_username_and_date_joined(admin_api, user_account):
    response = admin_api.patch(
        user_url(user_account), {"username": "renamed", "date_joined": "2000-01-01T00:00:00Z"}
    )
    assert response.status_code == 200
    user_account.refresh_from_db()
    assert user_account.username == "clerk" and user_account.date_joined.year != 2000


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "wizard", "is_active": False}, "role"),
        ({"password": "123", "is_active": False}, "password"),
        ({"is_active": "maybe"}, "is_active"),
        ({"role": None}, "role"),
    ],
    ids=["unknown-role", "weak-password", "bad-boolean", "null-role"],
)
def test_user_patch_invalid_is_400_and_changes_nothing(admin_api, user_account, payload, field):
    before = accounts_state()
    response = admin_api.patch(user_url(user_account), payload)
    assert response.status_code == 400
    assert field in response.json()
    assert accounts_state() == before


def test_user_patch_own_role_by_non_admin_is_403_and_changes_nothing(user_api, user_account):
    before = accounts_state()
    for payload in ({"role": ADMIN}, {"role": USER}, {"is_active": False}):
        response = user_api.patch(user_url(user_account), payload)
        assert response.status_code == 403
    assert accounts_state() == before


def test_user_patch_by_manager_role_cannot_climb_to_admin(admin_account):
    manager = make_account(
        role=make_role("accounts.view_user", "accounts.change_user", name="manager")
    )
    client = as_user(manager)
    before = accounts_state()
    assert client.patch(user_url(manager), {"role": ADMIN}).status_code == 403
    assert (
        client.patch(user_url(admin_account), {"password": "Takeover-passphrase"}).status_code
        == 403
    )
    assert client.patch(user_url(admin_account), {"is_active": False}).status_code == 403
    assert accounts_state() == before


def test_user_patch_last_admin_is_409_and_changes_nothing(admin_api, admin_account):
    before = accounts_state()
    for payload in ({"role": USER}, {"is_active": False}):
        response = admin_api.patch(user_url(admin_account), payload)
        assert response.status_code == 409
        assert response.json()["code"] == "last_admin" and "detail" in response.json()
    assert admin_api.delete(user_url(admin_account)).status_code == 409
    assert accounts_state() == before


def test_user_patch_password_revokes_the_callers_own_tokens(
    admin_api, admin_account, django_capture_on_commit_callbacks
):
    make_account(role=ADMIN)
    with django_capture_on_commit_callbacks(execute=True):  # the test's transaction commits
        response = admin_api.patch(user_url(admin_account), {"password": "Fresh-admin-passphrase"})
    assert response.status_code == 200
    assert admin_api.get(ME).status_code == 401


def test_user_patch_deactivation_revokes_refresh_tokens_past_a_reactivation(
    admin_api, user_account, anon_api
):
    _, refresh = token_pair(user_account)
    _, other_refresh = token_pair(user_account)  # a second device
    assert admin_api.patch(user_url(user_account), {"is_active": False}).status_code == 200
    assert admin_api.patch(user_url(user_account), {"is_active": True}).status_code == 200
    for token in (refresh, other_refresh):
        response = anon_api.post(REFRESH, {"refresh": token})
        assert response.status_code == 401 and response.json()["code"] == "token_not_valid"
    signed_in = anon_api.post("/api/auth/login/", {"username": "clerk", "password": PASSWORD})
    assert signed_in.status_code == 200
    assert anon_api.post(REFRESH, {"refresh": signed_in.json()["refresh"]}).status_code == 200


def test_user_put_is_405(admin_api, user_account):
    before = accounts_state()
    response = admin_api.put(user_url(user_account), {"username": "x", "password": PASSWORD})
    assert response.status_code == 405
    assert accounts_state() == before


def test_user_delete(admin_api, user_account):
    assert admin_api.delete(user_url(user_account)).status_code == 204
    assert not User.objects.filter(pk=user_account.pk).exists()
    assert admin_api.delete(user_url(user_account)).status_code == 404


def test_user_list_accepts_an_admin_session_and_enforces_csrf(admin_account):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin_account)
    assert client.get(USERS).status_code == 200
    before = accounts_state()
    response = client.post(ROLES, {"name": "no-csrf"})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert accounts_state() == before


# --- Roles --------------------------------------------------------------------------------------


def test_role_list_shows_builtin_roles_with_permission_strings(admin_api):
    response = admin_api.get(ROLES)
    assert response.status_code == 200
    roles = {r["name"]: r for r in response.json()["results"]}
    assert {ADMIN, USER} <= set(roles)
    assert set(roles[ADMIN]) == {"id", "name", "description", "permissions"}
    assert len(roles[ADMIN]["permissions"]) == Permission.objects.count()
    assert "reports.view_reports" in roles[USER]["permissions"]
    assert roles[USER]["permissions"] == sorted(roles[USER]["permissions"])


def test_role_list_queries_do_not_grow_with_roles(admin_api, django_assert_max_num_queries):
    for n in range(20):
        make_role("accounts.view_user", "reports.view_reports", name=f"r{n:02d}")
    with django_assert_max_num_queries(8):
        response = admin_api.get(ROLES + "?page_size=100")
    assert response.json()["count"] == 22


def test_role_create_with_permissions(admin_api):
    response = admin_api.post(
        ROLES,
        {
            "name": "auditor",
            "description": "Reads users and reports",
            "permissions": ["reports.view_reports", "accounts.view_user", "accounts.view_user"],
        },
    )
    assert response.status_code == 201
    assert response.json()["permissions"] == ["accounts.view_user", "reports.view_reports"]
    role = Role.objects.get(name="auditor")
    assert role.permission_names() == {"accounts.view_user", "reports.view_reports"}


def test_role_create_without_permissions(admin_api):
    response = admin_api.post(ROLES, {"name": "nobody"})
    assert response.status_code == 201
    assert response.json()["permissions"] == [] and response.json()["description"] == ""


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x", "permissions": ["orders.fly_to_moon"]}, "permissions"),
        ({"name": "x", "permissions": ["no-dot"]}, "permissions"),
        ({"name": "x", "permissions": ["a.b.c"]}, "permissions"),
        ({"name": "x", "permissions": "accounts.view_user"}, "permissions"),
        ({"name": "x", "permissions": [None]}, "permissions"),
        ({"name": USER}, "name"),
        ({"name": "Not a slug!"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "n" * 51}, "name"),
        ({}, "name"),
        ({"name": "x", "permissions": [f"{n}.b" for n in range(1001)]}, "permissions"),
    ],
    ids=[
        "unknown-permission",
        "no-dot",
        "two-dots",
        "not-a-list",
        "null-item",
        "duplicate-name",
        "not-a-slug",
        "blank-name",
        "long-name",
        "missing-name",
        "over-1000-permissions",
    ],
)
def test_role_create_invalid_is_400_and_creates_nothing(admin_api, payload, field):
    before = accounts_state()
    response = admin_api.post(ROLES, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert accounts_state() == before


@pytest.mark.parametrize("name", ["Viewer", "VIEWER", "USER"])
def test_role_create_case_variant_of_a_taken_name_is_400_and_creates_nothing(admin_api, name):
    make_role(name="viewer")
    before = accounts_state()
    response = admin_api.post(ROLES, {"name": name})
    assert response.status_code == 400
    assert list(response.json()) == ["name"]
    assert accounts_state() == before


def test_role_patch_rename_to_a_case_variant_of_a_taken_name_is_400_and_changes_nothing(
    admin_api,
):
    make_role(name="viewer")
    role = make_role(name="auditor")
    before = accounts_state()
    response = admin_api.patch(role_url(role), {"name": "Viewer"})
    assert response.status_code == 400 and list(response.json()) == ["name"]
    assert accounts_state() == before


def test_role_patch_permissions_take_effect_on_the_next_request(
    admin_api, django_capture_on_commit_callbacks
):
    role = make_role(name="auditor")
    member = as_user(make_account(role=role))
    assert member.get(USERS).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):  # the test's transaction commits
        response = admin_api.patch(role_url(role), {"permissions": ["accounts.view_user"]})
    assert response.status_code == 200 and response.json()["permissions"] == ["accounts.view_user"]
    assert member.get(USERS).status_code == 200


def test_role_patch_user_role_description_and_permissions(admin_api):
    user_role = Role.objects.get(name=USER)
    response = admin_api.patch(
        role_url(user_role), {"description": "Clerks", "permissions": ["reports.view_reports"]}
    )
    assert response.status_code == 200
    assert response.json()["permissions"] == ["reports.view_reports"]


@pytest.mark.parametrize(
    ("role_name", "payload"),
    [(ADMIN, {"name": "root"}), (USER, {"name": "member"}), (ADMIN, {"permissions": []})],
    ids=["rename-admin", "rename-user", "admin-permissions"],
)
def test_role_patch_builtin_limits_are_409_and_change_nothing(admin_api, role_name, payload):
    before = accounts_state()
    response = admin_api.patch(role_url(Role.objects.get(name=role_name)), payload)
    assert response.status_code == 409
    assert response.json()["code"] == "builtin_role"
    assert accounts_state() == before


def test_role_patch_unknown_permission_is_400_and_changes_nothing(admin_api):
    role = make_role("accounts.view_user")
    before = accounts_state()
    response = admin_api.patch(role_url(role), {"permissions": ["accounts.view_user", "x.y"]})
    assert response.status_code == 400
    assert accounts_state() == before


@pytest.mark.parametrize("role_name", [ADMIN, USER])
def test_role_delete_builtin_is_409_and_deletes_nothing(admin_api, role_name):
    before = accounts_state()
    response = admin_api.delete(role_url(Role.objects.get(name=role_name)))
    assert response.status_code == 409
    assert response.json()["code"] == "builtin_role" and "detail" in response.json()
    assert accounts_state() == before


def test_role_delete_in_use_is_409_and_deletes_nothing(admin_api):
    role = make_role(name="held")
    make_account(role=role)
    before = accounts_state()
    response = admin_api.delete(role_url(role))
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert accounts_state() == before


def test_role_delete_unused(admin_api):
    role = make_role(name="spare")
    assert admin_api.delete(role_url(role)).status_code == 204
    assert not Role.objects.filter(pk=role.pk).exists()
    assert admin_api.get(role_url(role)).status_code == 404


def test_role_put_is_405(admin_api):
    role = make_role(name="spare")
    assert admin_api.put(role_url(role), {"name": "other"}).status_code == 405
    assert Role.objects.get(pk=role.pk).name == "spare"
