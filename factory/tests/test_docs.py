"""The OpenAPI schema, Swagger UI and ReDoc (SPEC §3): pages and schema as negotiated, every error
JSON `{"detail"}`. That they fetch nothing from another host: test_foundation.py."""

import pytest
from django.test import Client

from factory.api.throttling import AnonRateThrottle

pytestmark = pytest.mark.django_db

SCHEMA, SWAGGER_UI, REDOC = "/api/schema/", "/api/docs/", "/api/redoc/"
PAGES = [SWAGGER_UI, REDOC]
ENDPOINTS = [SCHEMA, *PAGES]
# What each endpoint cannot offer: the pages are HTML only, the schema YAML or JSON only.
UNACCEPTABLE = {SCHEMA: "text/html", SWAGGER_UI: "application/json", REDOC: "application/json"}
UNKNOWN_FORMAT = {SCHEMA: "html", SWAGGER_UI: "json", REDOC: "json"}


@pytest.fixture
def client():
    return Client(raise_request_exception=False)  # a 500 is an answer to check, not a crash


@pytest.fixture
def anon_rate_1(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "1/min"})


def assert_json_detail(response, status: int) -> None:
    assert response.status_code == status, response.content[:200]
    assert response["Content-Type"] == "application/json", response.content[:200]
    assert set(response.json()) >= {"detail"}


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_docs_unsupported_method_is_405_json(client, url, method):
    assert_json_detail(getattr(client, method)(url), 405)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_docs_bad_bearer_token_is_401_json(client, url):
    assert_json_detail(client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token"), 401)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_docs_unacceptable_media_type_is_406_json(client, url):
    assert_json_detail(client.get(url, HTTP_ACCEPT=UNACCEPTABLE[url]), 406)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_docs_unknown_format_is_404_json(client, url):
    assert_json_detail(client.get(f"{url}?format={UNKNOWN_FORMAT[url]}"), 404)


@pytest.mark.parametrize("url", ENDPOINTS)
def test_docs_throttled_is_429_json_with_retry_after(client, url, anon_rate_1):
    assert client.get(url).status_code == 200
    response = client.get(url)
    assert_json_detail(response, 429)
    assert int(response["Retry-After"]) > 0


@pytest.mark.parametrize("url", ENDPOINTS)
def test_docs_options_is_200_json_metadata(client, url):
    response = client.options(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "name" in response.json()


@pytest.mark.parametrize("url", PAGES)
def test_docs_pages_are_html(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "/static/drf_spectacular_sidecar/" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        ("", "", "application/vnd.oai.openapi"),
        ("?format=json", "", "application/vnd.oai.openapi+json"),
        ("", "application/json", "application/json"),
    ],
)
def test_docs_schema_is_yaml_or_json_as_negotiated(client, query, accept, media_type):
    response = client.get(f"{SCHEMA}{query}", HTTP_ACCEPT=accept or "*/*")
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert b"openapi" in response.content[:50]
