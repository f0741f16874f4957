"""Sign-in, refresh, sign-out and the safety of tokens (SPEC §4 "Tokens")."""

import base64
import json
import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import aware_utcnow

from accounts import services
from accounts.models import User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD, accounts_state, bearer, make_account, token_pair
from accounts.throttling import LoginIPThrottle, LoginUsernameThrottle

pytestmark = pytest.mark.django_db

LOGIN, REFRESH, LOGOUT, ME = (
    "/api/auth/login/",
    "/api/auth/refresh/",
    "/api/auth/logout/",
    "/api/users/me/",
)
ROOT = Path(__file__).resolve().parents[2]
FULLWIDTH_CLERK = "\uff23\uff4c\uff45\uff52\uff4b"  # "Clerk" in fullwidth letters; NFKC folds them


def login(client: APIClient, username: str, password: str = PASSWORD, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# --- Sign-in -------------------------------------------------------------------------------


def test_login_returns_message_tokens_and_user(anon_api, user_account):
    response = login(anon_api, user_account.username)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"message", "access", "refresh", "user"}
    assert body["message"] == "Successfully signed in"
    assert body["user"] == {"id": user_account.pk, "username": "clerk", "role": USER}
    assert bearer(body["access"]).get(ME).json()["username"] == "clerk"
    user_account.refresh_from_db()
    assert user_account.last_login is not None


def test_login_tokens_are_hs256_with_spec_claims_and_lifetimes(anon_api, user_account):
    body = login(anon_api, user_account.username).json()
    assert jwt.get_unverified_header(body["access"])["alg"] == "HS256"
    access, refresh = claims(body["access"]), claims(body["refresh"])
    assert {"user_id", "exp", "iat", "jti", "token_type"} <= set(access)
    assert access["user_id"] == str(user_account.pk)
    assert (access["token_type"], refresh["token_type"]) == ("access", "refresh")
    # Claims are whole seconds taken from two clock readings: allow one second between them.
    access_lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    refresh_lifetime = settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()
    assert abs(access["exp"] - access["iat"] - access_lifetime) <= 1
    assert abs(refresh["exp"] - refresh["iat"] - refresh_lifetime) <= 1
    jwt.decode(body["access"], settings.SECRET_KEY, algorithms=["HS256"])


def test_token_lifetimes_default_to_15_minutes_and_1_day_and_follow_the_environment():
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "s = settings.SIMPLE_JWT; "
        "print(int(s['ACCESS_TOKEN_LIFETIME'].total_seconds()), "
        "int(s['REFRESH_TOKEN_LIFETIME'].total_seconds()))"
    )

    def lifetimes(**env):
        base = {k: v for k, v in os.environ.items() if not k.startswith("JWT_")}
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**base, "DJANGO_SETTINGS_MODULE": "factory.settings", **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.split()

    assert lifetimes() == ["900", "86400"]
    assert lifetimes(JWT_ACCESS_MINUTES="7", JWT_REFRESH_DAYS="3") == ["420", "259200"]


@pytest.mark.parametrize(
    ("username", "password"),
    [("clerk", "wrong-password"), ("nobody", PASSWORD), ("sleeper", PASSWORD)],
    ids=["wrong-password", "unknown-user", "inactive-user"],
)
def test_login_failure_is_the_same_401_and_changes_nothing(
    anon_api, user_account, username, password
):
    make_account(username="sleeper", is_active=False)
    before = accounts_state()
    response = login(anon_api, username, password)
    assert response.status_code == 401
    assert response.json() == {"detail": "No active account found with the given credentials"}
    assert accounts_state() == before
    assert not User.objects.filter(last_login__isnull=False).exists()


@pytest.mark.parametrize("body", [{}, {"username": "clerk"}, {"password": PASSWORD}], ids=str)
def test_login_missing_fields_is_400(anon_api, user_account, body):
    response = anon_api.post(LOGIN, body)
    assert response.status_code == 400
    assert set(response.json()) <= {"username", "password"}
    assert OutstandingToken.objects.count() == 0


# --- Access tokens that must be refused -------------------------------------------------------


def test_access_token_expired_is_401(user_account):
    token = AccessToken.for_user(user_account)
    token.set_exp(from_time=aware_utcnow() - timedelta(hours=1))
    response = bearer(str(token)).get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_access_token_that_worked_is_401_once_it_expires(user_account, monkeypatch):
    client = bearer(str(AccessToken.for_user(user_account)))
    assert client.get(ME).status_code == 200  # verified once, then kept by the process
    later = aware_utcnow() + timedelta(minutes=16)
    for module in ("accounts.authentication", "rest_framework_simplejwt.tokens"):
        monkeypatch.setattr(f"{module}.aware_utcnow", lambda: later)
    response = client.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_access_token_with_tampered_signature_is_401(user_account):
    access, _ = token_pair(user_account)
    header, payload, signature = access.split(".")
    forged = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    assert bearer(f"{header}.{payload}.{forged}").get(ME).status_code == 401


def test_access_token_with_tampered_claims_is_401(user_account, admin_account):
    access, _ = token_pair(user_account)
    header, _, signature = access.split(".")
    payload = b64({**claims(access), "user_id": str(admin_account.pk)})
    assert bearer(f"{header}.{payload}.{signature}").get(ME).status_code == 401


def test_access_token_signed_with_another_key_is_401(user_account):
    forged = jwt.encode(claims(token_pair(user_account)[0]), "not-the-secret-key-" * 3, "HS256")
    assert bearer(forged).get(ME).status_code == 401


def test_access_token_with_alg_none_is_401(user_account):
    access, _ = token_pair(user_account)
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(access))}."
    assert bearer(unsigned).get(ME).status_code == 401


def test_refresh_token_used_as_access_token_is_401(user_account):
    _, refresh = token_pair(user_account)
    assert bearer(refresh).get(ME).status_code == 401


def test_access_token_of_deactivated_user_is_401(user_account):
    access, _ = token_pair(user_account)
    assert bearer(access).get(ME).status_code == 200
    user_account.is_active = False
    user_account.save()
    assert bearer(access).get(ME).status_code == 401


def test_access_token_of_deleted_user_is_401(user_account):
    access, _ = token_pair(user_account)
    user_account.delete()
    assert bearer(access).get(ME).status_code == 401


def test_tokens_issued_before_a_password_change_are_401(anon_api, user_account):
    access, refresh = token_pair(user_account)
    services.user_update(actor=services.SYSTEM, user=user_account, password="Brand-new-passphrase")
    assert bearer(access).get(ME).status_code == 401
    assert anon_api.post(REFRESH, {"refresh": refresh}).status_code == 401
    fresh = login(anon_api, "clerk", "Brand-new-passphrase").json()["access"]
    assert bearer(fresh).get(ME).status_code == 200


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer a b", "Bearer not-a-jwt", "Bearer eyJ.eyJ.sig"], ids=str
)
def test_malformed_authorization_header_is_401(anon_api, header):
    anon_api.credentials(HTTP_AUTHORIZATION=header)
    response = anon_api.get(ME)
    assert response.status_code == 401
    assert "detail" in response.json()


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_access_token_with_the_scheme_in_any_letter_case_is_accepted(user_account, scheme):
    access, _ = token_pair(user_account)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {access}")
    response = client.get(ME)
    assert response.status_code == 200 and response.json()["id"] == user_account.pk


def test_access_token_invalid_under_a_lowercase_scheme_is_401_token_not_valid(anon_api):
    anon_api.credentials(HTTP_AUTHORIZATION="bearer not-a-jwt")
    response = anon_api.get(ME)
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"  # checked, not taken for no credentials


def test_access_without_credentials_is_401_with_bearer_challenge(anon_api):
    response = anon_api.get(ME)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- Refresh ------------------------------------------------------------------------------------


def test_refresh_rotates_and_blacklists_the_used_token(anon_api, user_account):
    _, refresh = token_pair(user_account)
    response = anon_api.post(REFRESH, {"refresh": refresh})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"} and body["refresh"] != refresh
    assert bearer(body["access"]).get(ME).status_code == 200
    assert BlacklistedToken.objects.filter(token__jti=claims(refresh)["jti"]).exists()

    reuse = anon_api.post(REFRESH, {"refresh": refresh})
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "token_not_valid"
    # A reuse revokes the rotation family: the token rotated from it is refused too.
    assert anon_api.post(REFRESH, {"refresh": body["refresh"]}).status_code == 401


def test_refresh_same_token_twice_yields_one_new_pair(user_account):
    _, refresh = token_pair(user_account)
    services.token_refresh(refresh=refresh)
    outstanding = OutstandingToken.objects.count()
    with pytest.raises(TokenError, match="blacklisted"):
        services.token_refresh(refresh=refresh)
    assert OutstandingToken.objects.count() == outstanding


@pytest.mark.parametrize("fate", ["deactivated", "deleted"])
def test_refresh_of_a_deactivated_or_deleted_user_is_401(anon_api, user_account, fate):
    _, refresh = token_pair(user_account)
    if fate == "deleted":
        user_account.delete()
    else:
        user_account.is_active = False
        user_account.save()
    before = accounts_state()
    response = anon_api.post(REFRESH, {"refresh": refresh})
    assert response.status_code == 401
    assert accounts_state() == before


def test_refresh_expired_token_is_401(anon_api, user_account):
    token = RefreshToken.for_user(user_account)
    token.set_exp(from_time=aware_utcnow() - timedelta(days=2))
    assert anon_api.post(REFRESH, {"refresh": str(token)}).status_code == 401


@pytest.mark.parametrize("which", ["access", "garbage", "tampered"])
def test_refresh_with_an_invalid_token_is_401(anon_api, user_account, which):
    access, refresh = token_pair(user_account)
    token = {"access": access, "garbage": "garbage", "tampered": refresh[:-3] + "abc"}[which]
    before = accounts_state()
    assert anon_api.post(REFRESH, {"refresh": token}).status_code == 401
    assert accounts_state() == before


def test_refresh_without_token_is_400(anon_api):
    response = anon_api.post(REFRESH, {})
    assert response.status_code == 400
    assert "refresh" in response.json()


# --- Sign-out -----------------------------------------------------------------------------------


def test_logout_blacklists_the_refresh_token(anon_api, user_account):
    access, refresh = token_pair(user_account)
    response = bearer(access).post(LOGOUT, {"refresh": refresh})
    assert response.status_code == 205
    assert BlacklistedToken.objects.filter(token__jti=claims(refresh)["jti"]).exists()
    assert anon_api.post(REFRESH, {"refresh": refresh}).status_code == 401


def test_logout_without_credentials_is_401_and_blacklists_nothing(anon_api, user_account):
    _, refresh = token_pair(user_account)
    response = anon_api.post(LOGOUT, {"refresh": refresh})
    assert response.status_code == 401
    assert BlacklistedToken.objects.count() == 0


def test_logout_with_someone_elses_refresh_token_is_401_and_blacklists_nothing(
    user_account, admin_account
):
    access, _ = token_pair(user_account)
    _, their_refresh = token_pair(admin_account)
    response = bearer(access).post(LOGOUT, {"refresh": their_refresh})
    assert response.status_code == 401
    assert BlacklistedToken.objects.count() == 0


@pytest.mark.parametrize(("body", "status"), [({}, 400), ({"refresh": "garbage"}, 401)], ids=str)
def test_logout_with_missing_or_invalid_token_is_refused(user_account, body, status):
    access, _ = token_pair(user_account)
    assert bearer(access).post(LOGOUT, body).status_code == status
    assert BlacklistedToken.objects.count() == 0


def test_flushexpiredtokens_removes_expired_outstanding_and_blacklisted_rows(user_account):
    _, live = token_pair(user_account)
    expired = RefreshToken.for_user(user_account)
    services.token_blacklist(refresh=str(expired), actor=user_account)
    OutstandingToken.objects.filter(jti=expired["jti"]).update(
        expires_at=aware_utcnow() - timedelta(seconds=1)
    )
    call_command("flushexpiredtokens")
    assert list(OutstandingToken.objects.values_list("jti", flat=True)) == [claims(live)["jti"]]
    assert BlacklistedToken.objects.count() == 0


# --- Throttling ---------------------------------------------------------------------------------


@pytest.fixture
def login_rate_3(monkeypatch):
    for throttle in (LoginIPThrottle, LoginUsernameThrottle):
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"login": "3/min"})


def test_login_is_throttled_per_ip(anon_api, user_account, login_rate_3):
    for name in ("a", "b", "c"):
        assert login(anon_api, name, "x").status_code == 401
    response = login(anon_api, "clerk")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert set(response.json()) == {"detail"}
    other_address = login(anon_api, "clerk", REMOTE_ADDR="10.0.0.9")
    assert other_address.status_code == 200


def test_login_is_throttled_per_username_across_addresses(anon_api, user_account, login_rate_3):
    for n in range(3):
        assert login(anon_api, "CLERK", "x", REMOTE_ADDR=f"10.0.1.{n}").status_code == 401
    response = login(anon_api, "clerk", REMOTE_ADDR="10.0.1.99")
    assert response.status_code == 429
    assert "Retry-After" in response and "detail" in response.json()
    assert login(anon_api, "someone-else", "x", REMOTE_ADDR="10.0.1.98").status_code == 401


def test_login_throttle_counts_padded_and_case_variants_of_a_username(
    anon_api, user_account, login_rate_3
):
    for n, variant in enumerate([" clerk", "CLERK\t", "  Clerk  "]):
        assert login(anon_api, variant, "x", REMOTE_ADDR=f"10.0.2.{n}").status_code == 401
    before = accounts_state()
    # The right password, from fresh addresses, under any spelling sign-in would accept.
    for n, variant in enumerate(["clerk", " " * 40 + "clerk", FULLWIDTH_CLERK.lower()]):
        response = login(anon_api, variant, REMOTE_ADDR=f"10.0.3.{n}")
        assert response.status_code == 429, variant
    assert accounts_state() == before
    assert login(anon_api, "clerk2", "x", REMOTE_ADDR="10.0.3.9").status_code == 401


def test_login_finds_the_username_trimmed_normalised_and_in_any_letter_case(anon_api, user_account):
    for variant in [" clerk ", "CLERK", FULLWIDTH_CLERK]:
        response = login(anon_api, variant)
        assert response.status_code == 200, variant
        assert response.json()["user"]["username"] == "clerk"


def test_login_with_names_from_before_case_insensitive_uniqueness(anon_api):
    """On SQLite, `createsuperuser` once made "legacy" and "LEGACY": each still signs in."""
    if connection.vendor == "mysql":
        pytest.skip("MariaDB's case-insensitive unique index never let such names exist")
    make_account(username="legacy")
    twin = make_account(username="twin")
    User.objects.filter(pk=twin.pk).update(username="LEGACY")
    assert login(anon_api, "legacy").json()["user"]["username"] == "legacy"
    assert login(anon_api, "LEGACY").json()["user"]["username"] == "LEGACY"
    assert login(anon_api, "Legacy").status_code == 401  # names either: names neither


def test_login_throttle_ignores_forged_forwarded_for(anon_api, user_account, login_rate_3):
    for n in range(3):
        login(anon_api, f"u{n}", "x", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login(anon_api, "u9", "x", HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 429


def test_login_throttle_uses_the_throttle_login_rate():
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"] == os.environ.get(
        "THROTTLE_LOGIN", "10/min"
    )
    assert (
        LoginIPThrottle().rate
        == LoginUsernameThrottle().rate
        == settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["login"]
    )


# --- Secrets never leak ---------------------------------------------------------------------------


def test_passwords_and_hashes_never_appear_in_responses_or_logs(anon_api, caplog):
    caplog.set_level(logging.DEBUG)
    secret, weak, newer = "Sup3r-secret-phrase", "weakling", "Even-n3wer-phrase"
    bodies = []

    def record(response):
        bodies.append(response.content.decode())
        return response

    record(anon_api.post("/api/users/", {"username": "spy", "password": secret}))
    record(anon_api.post("/api/users/", {"username": "spy2", "password": weak}))
    record(login(anon_api, "spy", secret))
    record(login(anon_api, "spy", weak))
    boss = make_account(role=ADMIN)
    admin = bearer(token_pair(boss)[0])
    spy = User.objects.get(username="spy")
    record(admin.get(f"/api/users/{spy.pk}/"))
    record(admin.get("/api/users/"))
    record(admin.patch(f"/api/users/{spy.pk}/", {"password": newer}))
    record(admin.patch(f"/api/users/{spy.pk}/", {"password": weak}))
    spy.refresh_from_db()

    everything = "\n".join([*bodies, caplog.text])
    for secret_text in (secret, weak, newer, spy.password, boss.password):
        assert secret_text not in everything
    assert "argon2" not in everything
    for body in bodies:
        data = json.loads(body)
        for user in [data, *data.get("results", [])]:
            assert "password" not in user or user["password"][0].startswith("This password")
