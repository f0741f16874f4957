"""SPEC §12: bad input of every kind is a 4xx JSON answer and leaves every table as it was."""

import base64
import datetime
import json

import jwt
import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from products.tests.factories import make_product
from reports.tests.test_permission_matrix import domain_state

pytestmark = pytest.mark.django_db


@pytest.fixture
def ids():
    return {
        "customer": make_customer().pk,
        "employee": make_employee().pk,
        "product": make_product(stock=5).pk,
    }


def fill(value, ids):
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


HUGE = 10**40
BAD_BODIES = [
    ("/api/customers/", {"name": "x" * 101, "email": "a@example.com"}),
    ("/api/customers/", {"name": "Ünïcødé ✓", "email": "not-an-email"}),
    ("/api/customers/", {"name": ["a list"], "email": {"an": "object"}}),
    ("/api/employees/", {"name": "", "email": "x@"}),
    ("/api/employees/", {"name": "E", "hired_on": "yesterday"}),
    ("/api/products/", {"name": "P", "price": HUGE}),
    ("/api/products/", {"name": "P", "price": "-1"}),
    ("/api/products/", {"name": "P", "price": "1", "initial_stock": HUGE}),
    ("/api/products/", {"name": "P", "price": True}),
    ("/api/production/", {"product": "@product", "employee": "@employee", "quantity": 0}),
    ("/api/production/", {"product": "@product", "employee": "@employee", "quantity": -5}),
    ("/api/production/", {"product": HUGE, "employee": "@employee", "quantity": 1}),
    ("/api/production/", {"product": "@product", "employee": "@employee", "quantity": HUGE}),
    ("/api/orders/", {"customer": "@customer", "items": [{"product": "@product", "quantity": 0}]}),
    (
        "/api/orders/",
        {"customer": "@customer", "items": [{"product": "@product", "quantity": HUGE}]},
    ),
    ("/api/orders/", {"customer": 999_999, "items": [{"product": "@product", "quantity": 1}]}),
    ("/api/orders/", {"customer": "@customer", "items": [{"product": "abc", "quantity": 1}]}),
    ("/api/orders/", {"customer": "@customer", "items": {"product": "@product"}}),
    ("/api/orders/", {"customer": "@customer", "items": [], "notes": "∅" * 3000}),
    ("/api/orders/", ["not", "an", "object"]),
    ("/api/users/", {"username": "u" * 151, "password": "S3cure-pass-phrase"}),
    ("/api/users/", {"username": "weak", "password": "123"}),
]


@pytest.mark.parametrize(
    ("url", "body"), BAD_BODIES, ids=[f"{u} {i}" for i, (u, _) in enumerate(BAD_BODIES)]
)
def test_bad_body_is_400_json_and_changes_nothing(admin_api, ids, url, body):
    before = domain_state()
    response = admin_api.post(url, fill(body, ids), format="json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)
    assert domain_state() == before


@pytest.mark.parametrize(
    "url", ["/api/customers/", "/api/orders/", "/api/production/", "/api/products/"]
)
@pytest.mark.parametrize(
    "raw", ['{"name": ', "nul", '{"a": 1}}', "\x00\x01", '{"name": "\\ud800"}']
)
def test_malformed_json_is_400_json(admin_api, url, raw):
    before = domain_state()
    response = admin_api.generic(
        "POST", url, raw.encode("utf-8", "surrogatepass"), content_type="application/json"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert domain_state() == before


@pytest.mark.parametrize(
    "url", ["/api/auth/login/", "/api/users/", "/api/customers/", "/api/orders/", "/api/roles/"]
)
def test_deeply_nested_json_is_400_json_and_changes_nothing(admin_api, url):
    """Past Python's recursion limit (json raises RecursionError), yet under the 1 MB body limit."""
    from accounts.models import Role, User

    before = (domain_state(), User.objects.count(), Role.objects.count())
    body = "[" * 100_000 + "]" * 100_000
    response = admin_api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].startswith("JSON parse error - ")
    assert (domain_state(), User.objects.count(), Role.objects.count()) == before


@pytest.mark.parametrize("url", ["/api/orders/", "/api/production/"])
def test_json_nested_hundreds_deep_is_400_json_and_changes_nothing(admin_api, ids, url):
    """It parses, but Django recursed over the nested "id" looking the product up: a 500."""
    before = domain_state()
    nested_id = "[" * 500 + "]" * 500  # within the recursion limit: it parses
    body = (
        f'{{"customer": {ids["customer"]}, "employee": {ids["employee"]}, "quantity": 1,'
        f' "product": {nested_id}, "items": [{{"product": {nested_id}, "quantity": 1}}]}}'
    )
    response = admin_api.generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json() == {"detail": "JSON parse error - nested more than 32 levels deep."}
    assert domain_state() == before


def test_ten_megabyte_body_is_413_json(admin_api):
    before = domain_state()
    body = json.dumps({"name": "x" * (10 * 1024 * 1024), "email": "big@example.com"})
    response = admin_api.generic("POST", "/api/customers/", body, content_type="application/json")
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json" and "detail" in response.json()
    assert domain_state() == before


@pytest.mark.parametrize(
    "url", ["/api/customers/999999/", "/api/orders/abc/", "/api/products/99999999999999999999999/"]
)
def test_unknown_ids_are_404_json(admin_api, url):
    response = admin_api.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json" and "detail" in response.json()


def unsigned(payload: dict) -> str:
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def forged_tokens(user):
    now = timezone.now()
    good = AccessToken.for_user(user)
    claims = {**good.payload}
    expired = AccessToken.for_user(user)
    expired.set_exp(
        from_time=now - datetime.timedelta(hours=1), lifetime=datetime.timedelta(minutes=1)
    )
    return {
        "alg-none": unsigned(claims),
        "wrong-key": jwt.encode(
            claims, "not-the-secret-key-but-long-enough-for-hs256", algorithm="HS256"
        ),
        "tampered": str(good)[:-4] + ("AAAA" if not str(good).endswith("AAAA") else "BBBB"),
        "expired": str(expired),
        "refresh-as-access": str(RefreshToken.for_user(user)),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "kind", ["alg-none", "wrong-key", "tampered", "expired", "refresh-as-access", "garbage"]
)
def test_forged_and_expired_tokens_are_401_json(admin_account, ids, kind):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {forged_tokens(admin_account)[kind]}")
    before = domain_state()
    for method, url in [("get", "/api/products/"), ("post", "/api/customers/")]:
        response = getattr(client, method)(
            url, {"name": "Forged", "email": "forged@example.com"}, format="json"
        )
        assert response.status_code == 401, (kind, response.content)
        assert "detail" in response.json()
    assert domain_state() == before
    assert settings.SIMPLE_JWT["ALGORITHM"] == "HS256"
