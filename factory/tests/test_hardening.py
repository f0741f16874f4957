"""Issue 24: what an outside probe got through, held now (docs/hardening.md, "Probe of issue 24")."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import bearer_client

MANY_FIELDS = {f"f{i}": "x" for i in range(1001)}  # DATA_UPLOAD_MAX_NUMBER_FIELDS is 1,000


def _assert_refused_as_warning(response, caplog, status=400):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert set(response.json()) == {"detail"}
    records = [r for r in caplog.records if r.name.startswith("django.security.")]
    assert records, "Django's security logger saw nothing"
    for record in records:
        assert record.levelno == logging.WARNING
        assert record.exc_info is None and record.exc_text is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.django_db
def test_api_too_many_query_parameters_is_400_json_and_a_warning(user_account, caplog):
    response = bearer_client(user_account).get("/api/products/", MANY_FIELDS)
    _assert_refused_as_warning(response, caplog)


@pytest.mark.django_db
def test_sign_in_form_with_too_many_fields_is_400(caplog):
    response = Client().post("/api/auth/login/", MANY_FIELDS)
    _assert_refused_as_warning(response, caplog)


@pytest.mark.django_db
def test_sign_in_multipart_with_too_many_files_is_400(caplog):
    files = {f"f{i}": SimpleUploadedFile(f"f{i}.txt", b"x") for i in range(101)}
    response = Client().post("/api/auth/login/", files)  # multipart/form-data
    _assert_refused_as_warning(response, caplog)


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_too_many_fields_is_400_json(method, caplog):
    response = getattr(Client(), method)("/admin/login/", MANY_FIELDS)
    _assert_refused_as_warning(response, caplog)


@pytest.mark.django_db
def test_forged_host_is_400_json(caplog):
    response = Client().get("/api/", headers={"host": "evil.example"})
    _assert_refused_as_warning(response, caplog)


def _search_list_urls():
    """Every list URL whose view searches (router list routes, `<prefix>-list`)."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    urls = []
    for name in get_resolver().reverse_dict:
        if not isinstance(name, str) or not name.endswith("-list"):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:  # needs arguments (nested lists)
            continue
        view = get_resolver().resolve(url).func
        if getattr(getattr(view, "cls", None), "search_fields", None):
            urls.append(url)
    return sorted(set(urls))


SEARCH_URLS = _search_list_urls()


def test_every_searchable_list_is_found():
    assert {"/api/customers/", "/api/products/", "/api/users/"} <= set(SEARCH_URLS)


@pytest.mark.django_db
@pytest.mark.parametrize("url", SEARCH_URLS)
def test_search_is_capped_on_every_list(url, admin_account):
    client = bearer_client(admin_account)
    assert client.get(url, {"search": " ".join(f"w{i}" for i in range(10))}).status_code == 200
    too_many = client.get(url, {"search": " ".join(f"w{i}" for i in range(11))})
    assert too_many.status_code == 400
    assert too_many.json() == {"search": ["At most 10 words."]}
    thousand = client.get(url, {"search": " ".join("w" for _ in range(1000))})
    assert thousand.status_code == 400
    too_long = client.get(url, {"search": "x" * 201})
    assert too_long.status_code == 400
    assert too_long.json() == {"search": ["At most 200 characters."]}


@pytest.mark.django_db
def test_cors_preflight_allows_the_idempotency_key_header(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    response = client.options(
        "/api/orders/",
        HTTP_ORIGIN="https://app.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert response.status_code == 200
    allowed = {h.strip() for h in response["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed


# --- What an Idempotency-Key costs ------------------------------------------------


def _order(customer, products, quantity):
    return {
        "customer": customer.pk,
        "items": [{"product": p.pk, "quantity": quantity} for p in products],
    }


@pytest.fixture
def shop(db):
    from customers.tests.factories import make_customer
    from products.tests.factories import make_product

    return make_customer(), [make_product(stock=1) for _ in range(100)]


def test_large_refusal_is_not_stored_and_acts_afresh(user_account, shop):
    from factory.api import idempotency
    from factory.models import IdempotencyRecord
    from orders.models import Order

    customer, products = shop
    client = bearer_client(user_account)
    key = "k" * 255
    refused = client.post(
        "/api/orders/", _order(customer, products, 2), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert refused.status_code == 409 and len(refused.json()["items"]) == 100
    assert len(refused.content) > idempotency.REFUSAL_MAX_CHARS
    assert not IdempotencyRecord.objects.exists()
    assert not Order.objects.exists()
    # A refusal changed nothing, so the repeat is answered afresh: the same refusal.
    again = client.post(
        "/api/orders/", _order(customer, products, 2), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert again.status_code == 409 and again.json() == refused.json()
    assert not IdempotencyRecord.objects.exists()


def test_refusals_kept_per_user_are_capped(user_account, admin_account, shop, monkeypatch):
    from factory.api import idempotency
    from factory.models import IdempotencyRecord

    monkeypatch.setattr(idempotency, "REFUSALS_PER_USER", 3)
    customer, products = shop
    client = bearer_client(user_account)
    for i in range(5):
        response = client.post(
            "/api/orders/",
            _order(customer, products[:1], 5),
            format="json",
            HTTP_IDEMPOTENCY_KEY=f"r{i}",
        )
        assert response.status_code == 409
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == ["r0", "r1", "r2"]
    # Another user's quota is their own; a success is always kept.
    other = bearer_client(admin_account)
    assert (
        other.post(
            "/api/orders/",
            _order(customer, products[:1], 5),
            format="json",
            HTTP_IDEMPOTENCY_KEY="r0",
        ).status_code
        == 409
    )
    assert (
        client.post(
            "/api/orders/",
            _order(customer, products[:1], 1),
            format="json",
            HTTP_IDEMPOTENCY_KEY="ok",
        ).status_code
        == 201
    )
    assert IdempotencyRecord.objects.filter(user=admin_account).count() == 1
    assert IdempotencyRecord.objects.filter(user=user_account, key="ok", status_code=201).exists()


def test_expired_records_are_purged_on_write_now_and_then(user_account, shop, monkeypatch):
    import datetime

    from django.core.cache import cache
    from django.utils import timezone

    from factory.api import idempotency
    from factory.models import IdempotencyRecord

    monkeypatch.setattr(idempotency, "PURGE_BATCH", 2)
    customer, products = shop
    old = timezone.now() - datetime.timedelta(hours=25)
    IdempotencyRecord.objects.bulk_create(
        IdempotencyRecord(user=user_account, key=f"old{i}", fingerprint="0" * 64, status_code=400)
        for i in range(3)
    )
    IdempotencyRecord.objects.update(created_at=old)
    client = bearer_client(user_account)

    def post(key):
        body = _order(customer, products[:1], 5)
        return client.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)

    post("new1")  # purges a batch of the oldest (2), then sets the mark
    assert (
        IdempotencyRecord.objects.filter(
            created_at__lt=timezone.now() - idempotency.LIFETIME
        ).count()
        == 1
    )
    post("new2")  # within PURGE_EVERY of the last purge: nothing deleted
    assert IdempotencyRecord.objects.filter(key__startswith="old").count() == 1
    cache.delete(idempotency.PURGE_MARK)  # the period has passed
    post("new3")
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == [
        "new1",
        "new2",
        "new3",
    ]


# --- Headers and files ------------------------------------------------------------


def _script_src(policy: str) -> str:
    return next(d for d in policy.split(";") if d.strip().startswith("script-src")).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/admin/login/", "/api/docs/", "/api/redoc/"])
def test_admin_and_docs_pages_carry_a_policy_with_no_inline_script(url):
    import re

    response = Client().get(url)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert _script_src(policy) == "script-src 'self'"
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    inline_scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", response.content.decode())
    assert [tag for tag in inline_scripts if "application/json" not in tag] == []


@pytest.mark.django_db
def test_swagger_ui_start_script_is_served_as_javascript():
    response = Client().get("/api/docs/", {"script": ""})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in response.content


def test_new_sqlite_database_file_is_private(tmp_path):
    from factory.sqlite.base import create_private

    path = tmp_path / "db.sqlite3"
    create_private(str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    path.chmod(0o640)
    create_private(str(path))  # an existing file keeps its permissions
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_real_connection_creates_the_file_private(tmp_path):
    import subprocess
    import sys

    from systemtests.stack import ROOT

    path = tmp_path / "new.sqlite3"
    code = "import django; django.setup(); from django.db import connection; connection.ensure_connection()"
    env = {
        "DJANGO_SETTINGS_MODULE": "factory.settings",
        "DATABASE_URL": f"sqlite:///{path}",
        "PATH": "",
    }
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    assert path.stat().st_mode & 0o777 == 0o600


def test_password_hashing_is_bounded_per_process(monkeypatch):
    import threading
    import time

    from django.contrib.auth import hashers as django_hashers

    from factory.hashers import Argon2PasswordHasher

    active, peak, lock = 0, 0, threading.Lock()

    def slow_verify(self, password, encoded):
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return True

    monkeypatch.setattr(django_hashers.Argon2PasswordHasher, "verify", slow_verify)
    monkeypatch.setattr(Argon2PasswordHasher, "slots", threading.BoundedSemaphore(2))
    hasher = Argon2PasswordHasher()
    threads = [threading.Thread(target=hasher.verify, args=("pw", "argon2$x")) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2


def test_the_hasher_in_use_reads_django_argon2_hashes():
    from django.contrib.auth.hashers import check_password, get_hasher, make_password

    from factory.hashers import Argon2PasswordHasher

    assert isinstance(get_hasher(), Argon2PasswordHasher)  # the tests' is a cheaper subclass
    encoded = make_password("Corr3ct-horse")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("Corr3ct-horse", encoded)


@pytest.mark.django_db
def test_schema_states_the_search_limit(admin_account):
    schema = bearer_client(admin_account).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    parameters = [
        parameter
        for operation in schema.json()["paths"]["/api/customers/"].values()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == "search"
    ]
    assert [p["schema"]["maxLength"] for p in parameters] == [200]
