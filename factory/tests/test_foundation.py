import json
import logging
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.exceptions import APIException

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_database_url_options_are_kept_beside_the_mariadb_ones():
    """`?ssl_mode=REQUIRED` in DATABASE_URL reaches the driver; the project adds its own."""
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; import json; "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS']))",
        env={"DATABASE_URL": "mysql://u:p@127.0.0.1:3306/n?ssl_mode=REQUIRED&connect_timeout=5"},
    )
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.strip().splitlines()[-1])
    assert options["ssl_mode"] == "REQUIRED" and str(options["connect_timeout"]) == "5"
    assert options["charset"] == "utf8mb4" and options["isolation_level"] == "read committed"


@pytest.mark.parametrize("rate", ["0.12345", "10", "-0.01", "nine percent"])
def test_a_tax_rate_orders_cannot_store_stops_the_start(rate):
    result = run_manage("check", env={"TAX_RATE": rate})
    assert result.returncode != 0
    assert "ImproperlyConfigured: TAX_RATE must be a decimal from 0 to 9.9999" in result.stderr


def test_healthz_answers_ok_without_auth(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/healthz", "/readyz"])
def test_health_probes_answer_head_without_a_body(client, url):
    response = client.head(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json" and response.content == b""


@pytest.mark.django_db
def test_readyz_reports_database_and_cache_ok(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failed_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]


def test_unknown_api_url_is_json_404(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_gets_413_json(client):
    response = client.post("/api/auth/login/", data=b"x" * 2048, content_type="application/json")
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


@pytest.mark.django_db
def test_ten_megabyte_body_is_refused_before_parsing(client):
    response = client.post(
        "/api/users/", data=b"{" + b" " * (10 * 1024 * 1024) + b"}", content_type="application/json"
    )
    assert response.status_code == 413


@pytest.mark.django_db
def test_malformed_json_is_a_400_json_error(anon_api):
    response = anon_api.post("/api/users/", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


def test_json_parser_takes_bodies_32_levels_deep_and_refuses_deeper():
    from io import BytesIO

    from rest_framework.exceptions import ParseError

    from factory.api.parsers import JSONParser

    def nested(depth: int) -> bytes:  # objects around an empty list, `depth` levels in all
        return b'{"a": ' * (depth - 1) + b"[]" + b"}" * (depth - 1)

    assert JSONParser().parse(BytesIO(nested(32))) == json.loads(nested(32))
    with pytest.raises(ParseError, match="nested more than 32 levels deep"):
        JSONParser().parse(BytesIO(nested(33)))


def _server_error(client, method, path, caplog, **kwargs):
    """Send a request that fails with an unknown exception and capture Django's 500 path."""
    from django.core.signals import got_request_exception

    fired = []

    def receiver(sender, request, **kw):
        fired.append(request.path)

    client.raise_request_exception = False  # answer as a server does, not re-raise in the test
    got_request_exception.connect(receiver)
    try:
        with caplog.at_level(logging.ERROR, logger="django.request"):
            response = getattr(client, method)(path, **kwargs)
    finally:
        got_request_exception.disconnect(receiver)
    records = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    return response, fired, records


@pytest.mark.django_db
def test_unexpected_error_is_djangos_logged_500_json_without_traceback(
    admin_api, monkeypatch, caplog
):
    from accounts.views import UserViewSet

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(UserViewSet, "list", explode)
    response, fired, records = _server_error(admin_api, "get", "/api/users/", caplog)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert "secret internals" not in response.content.decode()
    assert fired == ["/api/users/"]  # got_request_exception: error reporters see it
    assert len(records) == 1 and records[0].exc_info[0] is RuntimeError  # with its traceback


@pytest.mark.django_db
def test_sign_up_without_the_builtin_user_role_is_a_logged_500_not_a_404(anon_api, caplog):
    from accounts.models import Role, User

    Role.objects.filter(name="user").delete()  # a broken install: the data migration's row is gone
    response, fired, records = _server_error(
        anon_api,
        "post",
        "/api/users/",
        caplog,
        data={"username": "newcomer", "password": "a-long-passphrase-1"},
    )
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
    assert fired == ["/api/users/"]
    assert len(records) == 1 and issubclass(records[0].exc_info[0], Role.DoesNotExist)
    assert not User.objects.filter(username="newcomer").exists()


@pytest.mark.django_db
def test_database_outage_is_503_json(admin_api, monkeypatch):
    from django.db import OperationalError

    from accounts.views import UserViewSet

    def db_down(self, request, *args, **kwargs):
        raise OperationalError(2006, "MySQL server has gone away")

    monkeypatch.setattr(UserViewSet, "list", db_down)
    response = admin_api.get("/api/users/")
    assert response.status_code == 503
    assert "detail" in response.json()


def test_api_exception_shape_is_detail(rf):
    from factory.api.exceptions import exception_handler

    response = exception_handler(APIException("nope"), {})
    assert response.data == {"detail": "nope"}


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""", re.IGNORECASE)
FETCHING_ATTRIBUTES = {"src", "srcset", "poster", "data"}  # on any element


class FetchedUrls(HTMLParser):
    """The URLs a browser fetches on loading a page: `<link href>`, `src` and the like, `url(...)`
    and `@import` in inline CSS. Anchors (`<a href>`) and XML namespaces (`xmlns`) fetch nothing."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value:
                continue
            if name in FETCHING_ATTRIBUTES or (tag == "link" and name == "href"):
                self.urls += [part.split()[0] for part in value.split(",") if part.strip()]
            elif name == "style":
                self._css(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._css(data)

    def _css(self, css: str) -> None:
        self.urls += [a or b for a, b in CSS_URL.findall(css)]


def fetched_urls(html: str) -> list[str]:
    parser = FetchedUrls()
    parser.feed(html)
    return parser.urls


def is_external(url: str) -> bool:
    return bool(re.match(r"^\s*(https?:)?//", url, re.IGNORECASE))


def test_fetched_urls_finds_every_kind_of_external_reference():
    page = """<html xmlns="http://www.w3.org/1999/xhtml"><head>
      <link rel="preconnect" href="https://fonts.gstatic.com" crossorigin>
      <script src="//cdn.example.com/x.js"></script>
      <style>body { background: url('https://img.example.com/b.png') } @import "http://c.example/s.css";</style>
      </head><body><img srcset="/static/a.png 1x, https://img.example.com/a.png 2x">
      <div style="background-image:url(HTTPS://img.example.com/d.png)"></div>
      <a href="https://docs.example.com/">external docs</a></body></html>"""
    assert [url for url in fetched_urls(page) if is_external(url)] == [
        "https://fonts.gstatic.com",
        "//cdn.example.com/x.js",
        "https://img.example.com/b.png",
        "http://c.example/s.css",
        "https://img.example.com/a.png",
        "HTTPS://img.example.com/d.png",
    ]


@pytest.mark.django_db
def test_schema_and_docs_are_served_locally(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    for url in ("/api/docs/", "/api/redoc/"):
        fetched = fetched_urls(client.get(url).content.decode())
        assert any(src.startswith("/static/drf_spectacular_sidecar/") for src in fetched), url
        assert [src for src in fetched if is_external(src)] == [], url


@pytest.mark.django_db
def test_cors_allows_only_configured_origins(client):
    with override_settings(CORS_ALLOWED_ORIGINS=["https://app.example.com"]):
        allowed = client.get("/healthz", HTTP_ORIGIN="https://app.example.com")
        api_allowed = client.options(
            "/api/users/",
            HTTP_ORIGIN="https://app.example.com",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        )
        denied = client.options(
            "/api/users/",
            HTTP_ORIGIN="https://evil.example.com",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        )
    assert "access-control-allow-origin" not in allowed  # only /api/ speaks CORS
    assert api_allowed["access-control-allow-origin"] == "https://app.example.com"
    assert "access-control-allow-origin" not in denied


def test_secret_key_is_required_without_debug():
    result = run_manage("check", env={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-key-for-the-deploy-check",
            "DJANGO_ALLOWED_HOSTS": "factory.example.com",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_openapi_schema_validates_without_warnings():
    result = run_manage("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["page_size=null", "page_size=true", "page_size=0", "page_size=1&page_size=2"]
)
def test_bad_page_size_is_400(admin_api, query):
    response = admin_api.get(f"/api/users/?{query}")
    assert response.status_code == 400 and "page_size" in response.json()


PAGINATED = ["/api/users/", "/api/products/", "/api/reports/low-stock/"]
# Digits other than 0-9 that `str.isdigit()` is true for, by script: a two (or three), and a one.
OTHER_DIGITS = {
    "superscript": ("\u00b2", "\u00b9"),
    "arabic-indic": ("\u0663", "\u0661"),
    "full-width": ("\uff12", "\uff11"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGINATED)
@pytest.mark.parametrize(("size", "one"), list(OTHER_DIGITS.values()), ids=list(OTHER_DIGITS))
def test_pagination_in_digits_other_than_ascii_is_refused(admin_api, url, size, one):
    """Only 0-9 count: `int()` refuses a superscript digit (it was a 500) and reads the others.

    The page asked for is 1, which always exists: only its digit can refuse it.
    """
    response = admin_api.get(url, {"page_size": size})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/json" and "page_size" in response.json()
    response = admin_api.get(url, {"page": one})
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": "Invalid page."}


@pytest.mark.django_db
def test_repeated_page_is_404_and_empty_page_size_is_the_default(admin_api):
    assert admin_api.get("/api/users/?page=1&page=2").status_code == 404
    assert admin_api.get("/api/users/?page_size=").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unknown_api_url_is_json_404_for_every_method(client, method):
    response = getattr(client, method)("/api/nope/0.5/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_list_shaped_validation_error_becomes_non_field_errors(admin_api):
    response = admin_api.get("/api/roles/?search=%00")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": 123, "password": "S3cure-pass-phrase"}, "username"),
        ({"username": "typed", "password": 12345678901}, "password"),
        ({"username": "typed", "password": "S3cure-pass-phrase", "role": 0}, "role"),
    ],
)
def test_json_bodies_are_held_to_their_types(admin_api, body, field):
    from accounts.models import Role, User

    Role.objects.create(name="0")  # a role a number could otherwise name (Schemathesis found it)
    response = admin_api.post("/api/users/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not User.objects.filter(username="typed").exists()


@pytest.mark.django_db
def test_login_throttle_key_accepts_any_username(anon_api):
    response = anon_api.post(
        "/api/auth/login/", {"username": "\x1b\u0000 😀 " * 5, "password": "x"}, format="json"
    )
    assert response.status_code in (400, 401)
