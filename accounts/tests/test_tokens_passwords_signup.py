"""Own password change, closed sign-up, tokens that stay dead, reuse detection, no-store (SPEC §4)."""

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts import services
from accounts.models import User
from accounts.roles import ADMIN
from accounts.tests.factories import PASSWORD, accounts_state, bearer, make_account
from accounts.tokens import PresentedRefreshToken, RefreshToken
from customers.models import Customer

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "A-brand-new-passphrase-42"


def sign_in(client, username, password=PASSWORD):
    response = client.post("/api/auth/login/", {"username": username, "password": password})
    assert response.status_code == 200, response.content
    return response.json()


def refresh(client, token):
    return client.post("/api/auth/refresh/", {"refresh": token})


# --- POST /api/users/me/password/ ---------------------------------------------------


def test_password_change_answers_204_and_every_earlier_token_stops_working(
    anon_api, django_capture_on_commit_callbacks
):
    clerk = make_account()
    first, second = sign_in(anon_api, clerk.username), sign_in(anon_api, clerk.username)
    with django_capture_on_commit_callbacks(execute=True):  # the access cache's bump (Redis)
        response = bearer(first["access"]).post(
            "/api/users/me/password/",
            {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
    assert response.status_code == 204, response.content
    for pair in (first, second):
        assert bearer(pair["access"]).get("/api/users/me/").status_code == 401
        assert refresh(anon_api, pair["refresh"]).status_code == 401
    assert (
        anon_api.post(
            "/api/auth/login/", {"username": clerk.username, "password": PASSWORD}
        ).status_code
        == 401
    )
    fresh = sign_in(anon_api, clerk.username, NEW_PASSWORD)
    assert bearer(fresh["access"]).get("/api/users/me/").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "not-my-password", "new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "12345678"}, "new_password"),  # validators
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD}, "new_password"),
    ],
)
def test_password_change_refused_is_400_on_the_field_and_changes_nothing(body, field):
    clerk = make_account()
    access = sign_in(APIClient(), clerk.username)["access"]
    before = accounts_state()
    response = bearer(access).post("/api/users/me/password/", body)
    assert response.status_code == 400
    assert field in response.json()
    assert accounts_state() == before
    assert bearer(access).get("/api/users/me/").status_code == 200


def test_password_change_needs_a_signed_in_caller(anon_api):
    response = anon_api.post(
        "/api/users/me/password/", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 401


# --- ALLOW_SIGNUP -------------------------------------------------------------------


SIGN_UP = {"username": "newcomer", "password": "Another-pass-phrase-9"}


@override_settings(ALLOW_SIGNUP=False)
def test_closed_sign_up_needs_an_admin_caller(anon_api, user_api, admin_api):
    assert anon_api.post("/api/users/", SIGN_UP).status_code == 401
    assert user_api.post("/api/users/", SIGN_UP).status_code == 403
    assert not User.objects.filter(username="newcomer").exists()
    assert admin_api.post("/api/users/", SIGN_UP).status_code == 201


@override_settings(ALLOW_SIGNUP=True)
def test_open_sign_up_lets_anyone_create_a_user_role_account(anon_api):
    response = anon_api.post("/api/users/", SIGN_UP)
    assert response.status_code == 201 and response.json()["role"] == "user"


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"DJANGO_DEBUG": "1"}, "True"),
        ({"DJANGO_DEBUG": "0"}, "False"),
        ({"DJANGO_DEBUG": "0", "ALLOW_SIGNUP": "1"}, "True"),
        ({"DJANGO_DEBUG": "1", "ALLOW_SIGNUP": "0"}, "False"),
    ],
)
def test_allow_signup_defaults_to_debug(env, expected):
    environ = {k: v for k, v in os.environ.items() if k != "ALLOW_SIGNUP"}
    environ.update(env, DJANGO_SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="factory.settings")
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.ALLOW_SIGNUP)"],
        env=environ,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == expected


# --- Deactivation: tokens issued before stay dead --------------------------------------


def test_tokens_issued_before_a_deactivation_stay_dead_after_reactivation(
    anon_api, admin_api, django_capture_on_commit_callbacks
):
    clerk = make_account()
    pair = sign_in(anon_api, clerk.username)
    detail = f"/api/users/{clerk.pk}/"
    with django_capture_on_commit_callbacks(execute=True):  # the access cache's bump (Redis)
        assert admin_api.patch(detail, {"is_active": False}).status_code == 200
    assert bearer(pair["access"]).get("/api/users/me/").status_code == 401
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_api.patch(detail, {"is_active": True}).status_code == 200
    response = bearer(pair["access"]).get("/api/users/me/")
    assert response.status_code == 401 and response.json()["code"] == "token_revoked"
    assert refresh(anon_api, pair["refresh"]).status_code == 401
    fresh = sign_in(anon_api, clerk.username)  # a new sign-in works
    assert bearer(fresh["access"]).get("/api/users/me/").status_code == 200
    assert refresh(anon_api, fresh["refresh"]).status_code == 200


# --- Refresh-token reuse revokes the rotation family ----------------------------------


def test_refresh_token_reuse_revokes_its_whole_rotation_family_only(anon_api):
    clerk = make_account()
    stolen = sign_in(anon_api, clerk.username)["refresh"]
    other_device = sign_in(anon_api, clerk.username)["refresh"]
    rotated = refresh(anon_api, stolen)
    assert rotated.status_code == 200
    descendant = refresh(anon_api, rotated.json()["refresh"]).json()["refresh"]
    assert RefreshToken(descendant)["fam"] == PresentedRefreshToken(stolen)["jti"]

    assert refresh(anon_api, stolen).status_code == 401  # reuse: someone holds a copy
    assert refresh(anon_api, descendant).status_code == 401  # the family is revoked
    assert refresh(anon_api, other_device).status_code == 200  # another sign-in is not


def test_refresh_token_reuse_revokes_what_the_service_issued():
    clerk = make_account()
    first = str(RefreshToken.for_user(clerk))
    issued = services.token_refresh(refresh=first)
    with pytest.raises(Exception, match="blacklisted"):
        services.token_refresh(refresh=first)
    with pytest.raises(Exception, match="blacklisted"):
        services.token_refresh(refresh=issued["refresh"])


# --- Cache-Control: no-store ----------------------------------------------------------


def test_token_and_data_answers_say_no_store_and_the_schema_does_not(anon_api, admin_api):
    admin = make_account(role=ADMIN)
    login = anon_api.post("/api/auth/login/", {"username": admin.username, "password": PASSWORD})
    assert login["Cache-Control"] == "no-store"
    assert refresh(anon_api, login.json()["refresh"])["Cache-Control"] == "no-store"
    assert (
        anon_api.post("/api/auth/login/", {"username": "x", "password": "y"})["Cache-Control"]
        == "no-store"
    )
    Customer.objects.create(name="Ada", email="ada@example.com")
    for path in (
        "/api/customers/",
        "/api/orders/",
        "/api/users/me/",
        "/api/reports/top-customers/",
    ):
        assert admin_api.get(path)["Cache-Control"] == "no-store", path
    assert "no-store" not in admin_api.get("/api/schema/").get("Cache-Control", "")


# --- Required actor -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: services.user_create(username="nobody", password=NEW_PASSWORD),
        lambda: services.user_create(actor=None, username="nobody", password=NEW_PASSWORD),
        lambda: services.user_update(user=make_account(), is_active=False),
        lambda: services.user_update(user=make_account(), actor=None, is_active=False),
        lambda: services.user_delete(user=make_account()),
        lambda: services.role_create(name="auditor"),
        lambda: services.role_create(actor=None, name="auditor"),
    ],
)
def test_services_without_an_actor_are_a_type_error_and_change_nothing(call):
    with pytest.raises(TypeError, match="actor"):
        call()
    assert not User.objects.filter(username="nobody").exists()
    assert not User.objects.filter(is_active=False).exists()


# --- One uniqueness query a request ---------------------------------------------------


def _likes(queries, table):
    """The case-insensitive lookups (`iexact` is a LIKE on SQLite and MariaDB) on `table`."""
    return [
        q["sql"]
        for q in queries
        if "LIKE" in q["sql"] and f"{table}`" in q["sql"].replace('"', "`")
    ]


@pytest.mark.parametrize(
    ("path", "body", "table"),
    [
        ("/api/customers/", {"name": "Ada", "email": "ada@example.com"}, "customers_customer"),
        ("/api/products/", {"name": "Gear", "sku": "G-1", "price": "1.00"}, "products_product"),
        ("/api/users/", {"username": "newbie", "password": NEW_PASSWORD}, "accounts_user"),
        ("/api/roles/", {"name": "auditor"}, "accounts_role"),
        ("/api/employees/", {"name": "Bo", "email": "bo@example.com"}, "employees_employee"),
    ],
)
def test_a_create_asks_the_database_once_whether_a_value_is_taken(admin_api, path, body, table):
    with CaptureQueriesContext(connection) as queries:
        response = admin_api.post(path, body)
    assert response.status_code == 201, response.content
    assert len(_likes(queries.captured_queries, table)) == 1, queries.captured_queries
