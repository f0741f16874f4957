import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.tests.factories import customer_rows, make_customer

pytestmark = pytest.mark.django_db
URL = "/api/customers/"
FIELDS = {"id", "name", "email", "phone", "address", "created_at"}


def detail(customer) -> str:
    return f"{URL}{customer.pk}/"


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


# --- Create, read, update, delete ---------------------------------------------------------


def test_customer_create_returns_the_customer(admin_api):
    payload = {
        "name": "Acme Ltd",
        "email": "buyer@acme.example",
        "phone": "+1 555 0100",
        "address": "1 Dock Street\nSpringfield",
    }
    response = admin_api.post(URL, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert {k: body[k] for k in payload} == payload
    assert body["created_at"].endswith("Z") or "+" in body["created_at"]
    assert Customer.objects.get(pk=body["id"]).email == "buyer@acme.example"


def test_customer_create_needs_only_name_and_email(user_api):
    response = user_api.post(URL, {"name": "Walk-in", "email": "walkin@example.com"})
    assert response.status_code == 201
    assert (response.json()["phone"], response.json()["address"]) == ("", "")


def test_customer_create_ignores_read_only_fields(admin_api):
    response = admin_api.post(
        URL,
        {"id": 999, "name": "A", "email": "a@example.com", "created_at": "2000-01-01T00:00:00Z"},
    )
    assert response.status_code == 201
    assert response.json()["id"] != 999
    assert not response.json()["created_at"].startswith("2000")


def test_customer_retrieve_returns_the_customer(user_api):
    customer = make_customer(name="Acme")
    response = user_api.get(detail(customer))
    assert response.status_code == 200
    assert response.json()["name"] == "Acme" and set(response.json()) == FIELDS


def test_customer_put_replaces_the_editable_fields(admin_api):
    customer = make_customer(phone="111", address="Old")
    response = admin_api.put(detail(customer), {"name": "New", "email": "new@example.com"})
    assert response.status_code == 200, response.json()
    customer.refresh_from_db()
    assert (customer.name, customer.email) == ("New", "new@example.com")
    # PUT without the optional fields keeps them (DRF: absent non-required fields are not touched).
    assert (customer.phone, customer.address) == ("111", "Old")


def test_customer_patch_changes_one_field(admin_api):
    customer = make_customer(name="Keep", phone="111")
    response = admin_api.patch(detail(customer), {"phone": "222"})
    assert response.status_code == 200
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("Keep", "222")


def test_customer_patch_may_change_the_case_of_its_own_email(admin_api):
    customer = make_customer(email="ann@example.com")
    response = admin_api.patch(detail(customer), {"email": "Ann@Example.com"})
    assert response.status_code == 200
    assert response.json()["email"] == "Ann@Example.com"


def test_customer_delete_removes_the_customer(admin_api):
    customer = make_customer()
    response = admin_api.delete(detail(customer))
    assert response.status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.parametrize("path", ["999999/", "abc/", "99999999999999999999999999/", "-1/"])
def test_customer_unknown_id_is_404_json(admin_api, path):
    response = admin_api.get(f"{URL}{path}")
    assert response.status_code == 404
    assert "detail" in response.json()


# --- Permissions -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "on_detail"),
    [
        ("get", False),
        ("post", False),
        ("get", True),
        ("put", True),
        ("patch", True),
        ("delete", True),
    ],
)
def test_customer_anonymous_is_401(anon_api, method, on_detail):
    customer = make_customer()
    before = customer_rows()
    url = detail(customer) if on_detail else URL
    response = getattr(anon_api, method)(url, {"name": "X", "email": "x@example.com"})
    assert response.status_code == 401
    assert "detail" in response.json()
    assert customer_rows() == before


def test_customer_user_role_may_list_retrieve_and_create(user_api):
    customer = make_customer()
    assert user_api.get(URL).status_code == 200
    assert user_api.get(detail(customer)).status_code == 200
    assert user_api.post(URL, {"name": "New", "email": "new@example.com"}).status_code == 201


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_customer_user_role_may_not_change_or_delete(user_api, method):
    customer = make_customer()
    before = customer_rows()
    response = getattr(user_api, method)(
        detail(customer), {"name": "Changed", "email": "changed@example.com"}
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    assert customer_rows() == before


def test_customer_permissions_user_role_has_view_and_add_only(user_account):
    assert user_account.has_perm("customers.view_customer")
    assert user_account.has_perm("customers.add_customer")
    assert not user_account.has_perm("customers.change_customer")
    assert not user_account.has_perm("customers.delete_customer")


# --- Validation: 400 naming the field, nothing written ----------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@example.com"}, "name"),
        ({"name": "", "email": "a@example.com"}, "name"),
        ({"name": "   ", "email": "a@example.com"}, "name"),
        ({"name": None, "email": "a@example.com"}, "name"),
        ({"name": "N" * 101, "email": "a@example.com"}, "name"),
        ({"name": ["A"], "email": "a@example.com"}, "name"),
        ({"name": {"first": "A"}, "email": "a@example.com"}, "name"),
        ({"name": True, "email": "a@example.com"}, "name"),
        ({"name": "nul\x00byte", "email": "a@example.com"}, "name"),
        ({"name": "A"}, "email"),
        ({"name": "A", "email": ""}, "email"),
        ({"name": "A", "email": None}, "email"),
        ({"name": "A", "email": "not-an-email"}, "email"),
        ({"name": "A", "email": "a@@example.com"}, "email"),
        ({"name": "A", "email": 12345}, "email"),
        ({"name": "A", "email": "a" * 64 + "@" + "b" * 185 + ".com"}, "email"),
        ({"name": "A", "email": "TAKEN@Example.COM"}, "email"),
        ({"name": "A", "email": "a@example.com", "phone": "1" * 21}, "phone"),
        ({"name": "A", "email": "a@example.com", "phone": ["555"]}, "phone"),
        ({"name": "A", "email": "a@example.com", "address": "x" * 1001}, "address"),
        ({"name": "A", "email": "a@example.com", "address": {"street": "x"}}, "address"),
    ],
)
def test_customer_create_bad_input_is_400_naming_the_field(admin_api, payload, field):
    make_customer(email="taken@example.com")
    before = customer_rows()
    response = admin_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert customer_rows() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "N" * 101}, "name"),
        ({"email": "nope"}, "email"),
        ({"email": "Other@EXAMPLE.com"}, "email"),
        ({"phone": "+" + "9" * 20}, "phone"),
        ({"name": "Fine", "address": "x" * 1001}, "address"),
    ],
)
def test_customer_patch_bad_input_is_400_naming_the_field(admin_api, payload, field):
    make_customer(email="other@example.com")
    customer = make_customer()
    before = customer_rows()
    response = admin_api.patch(detail(customer), payload)
    assert response.status_code == 400
    assert field in response.json()
    assert customer_rows() == before


def test_customer_put_missing_required_fields_is_400(admin_api):
    customer = make_customer()
    before = customer_rows()
    response = admin_api.put(detail(customer), {"phone": "1"})
    assert response.status_code == 400
    assert {"name", "email"} <= set(response.json())
    assert customer_rows() == before


def test_customer_create_lone_surrogate_is_400_naming_the_field(admin_api):
    body = '{"name": "lone \\ud800 surrogate", "email": "a@example.com"}'
    response = admin_api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "name" in response.json()
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("body", ['{"name": "A", "email": ', "[]", '"just a string"', "null", "12"])
def test_customer_create_malformed_body_is_400_json(admin_api, body):
    response = admin_api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)
    assert Customer.objects.count() == 0


def test_customer_create_unicode_round_trips(admin_api):
    payload = {
        "name": "Zürich Gießerei 工厂 🏭",
        "email": "info@zuerich.example",
        "address": "Bahnhofstraße 1 — 8001 Zürich",
    }
    response = admin_api.post(URL, payload)
    assert response.status_code == 201
    body = admin_api.get(f"{URL}{response.json()['id']}/").json()
    assert (body["name"], body["address"]) == (payload["name"], payload["address"])


def test_customer_create_name_of_exactly_100_characters_is_accepted(admin_api):
    response = admin_api.post(URL, {"name": "工" * 100, "email": "long@example.com"})
    assert response.status_code == 201
    assert Customer.objects.get().name == "工" * 100


def test_customer_create_surrounding_whitespace_is_trimmed(admin_api):
    response = admin_api.post(URL, {"name": "  Acme  ", "email": " acme@example.com "})
    assert response.status_code == 201
    assert (response.json()["name"], response.json()["email"]) == ("Acme", "acme@example.com")


# --- List: search, filters, ordering, pagination, query count -------------------------------


def test_customer_list_default_order_is_name_then_id(user_api):
    make_customer(name="Bravo")
    first_alpha = make_customer(name="Alpha")
    second_alpha = make_customer(name="Alpha")
    response = user_api.get(URL)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [
        first_alpha.pk,
        second_alpha.pk,
        Customer.objects.get(name="Bravo").pk,
    ]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Alpha", "Bravo", "Charlie"]),
        ("-name", ["Charlie", "Bravo", "Alpha"]),
        ("id", ["Charlie", "Alpha", "Bravo"]),
        ("-id", ["Bravo", "Alpha", "Charlie"]),
        ("created_at", ["Charlie", "Alpha", "Bravo"]),
        ("-created_at", ["Bravo", "Alpha", "Charlie"]),
    ],
)
def test_customer_list_ordering(user_api, ordering, expected):
    for name in ["Charlie", "Alpha", "Bravo"]:
        make_customer(name=name)
    response = user_api.get(URL, {"ordering": ordering})
    assert names(response) == expected


def test_customer_list_unknown_ordering_field_falls_back_to_the_default(user_api):
    for name in ["Bravo", "Alpha"]:
        make_customer(name=name)
    assert names(user_api.get(URL, {"ordering": "phone"})) == ["Alpha", "Bravo"]


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("acme", ["Acme Ltd", "Initech"]),  # Initech's email contains "acme"
        ("ORDERS@glob", ["Globex"]),
        ("initech", ["Initech"]),
        ("zzz", []),
    ],
)
def test_customer_list_search_by_name_and_email_ignores_case(user_api, term, expected):
    make_customer(name="Acme Ltd", email="hello@acme.example")
    make_customer(name="Globex", email="orders@globex.example")
    make_customer(name="Initech", email="acme-lookalike@initech.example")
    assert names(user_api.get(URL, {"search": term})) == expected


def test_customer_list_search_does_not_look_at_phone_or_address(user_api):
    make_customer(name="A", phone="777", address="Needle Street")
    assert names(user_api.get(URL, {"search": "777"})) == []
    assert names(user_api.get(URL, {"search": "Needle"})) == []


def test_customer_list_filter_by_email_ignores_case(user_api):
    make_customer(name="Acme", email="hello@acme.example")
    make_customer(name="Acme Two", email="hello2@acme.example")
    assert names(user_api.get(URL, {"email": "HELLO@acme.example"})) == ["Acme"]


def test_customer_list_filter_by_creation_date(user_api):
    old = make_customer(name="Old")
    make_customer(name="New")
    Customer.objects.filter(pk=old.pk).update(created_at="2020-01-15T12:00:00Z")
    assert names(user_api.get(URL, {"created_to": "2020-01-15"})) == ["Old"]
    assert names(user_api.get(URL, {"created_from": "2020-01-16"})) == ["New"]
    assert names(user_api.get(URL, {"created_from": "2020-01-15", "created_to": "2020-01-15"})) == [
        "Old"
    ]


@pytest.mark.parametrize("param", ["created_from", "created_to"])
@pytest.mark.parametrize("value", ["yesterday", "2024-02-30", "99999-01-01"])
def test_customer_list_bad_date_filter_is_400_naming_it(user_api, param, value):
    response = user_api.get(URL, {param: value})
    assert response.status_code == 400
    assert param in response.json()


def test_customer_list_is_paginated_ten_a_page(user_api):
    Customer.objects.bulk_create(
        Customer(name=f"C{i:03d}", email=f"c{i}@example.com") for i in range(25)
    )
    body = user_api.get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 25 and len(body["results"]) == 10
    assert body["previous"] is None and "page=2" in body["next"]
    last = user_api.get(URL, {"page": 3}).json()
    assert len(last["results"]) == 5 and last["next"] is None and last["previous"]


def test_customer_list_page_size_is_honoured_and_clamped_to_100(user_api):
    Customer.objects.bulk_create(
        Customer(name=f"C{i:03d}", email=f"c{i}@example.com") for i in range(105)
    )
    assert len(user_api.get(URL, {"page_size": 7}).json()["results"]) == 7
    assert len(user_api.get(URL, {"page_size": 1000}).json()["results"]) == 100


@pytest.mark.parametrize("page", ["99", "0", "abc"])
def test_customer_list_page_out_of_range_is_404_json(user_api, page):
    make_customer()
    response = user_api.get(URL, {"page": page})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_customer_list_query_count_is_constant(user_api, django_assert_max_num_queries):
    Customer.objects.bulk_create(
        Customer(name=f"C{i:03d}", email=f"c{i}@example.com") for i in range(120)
    )
    user_api.get(URL)  # warm-up: the role's permission set may be cached after the first request
    counts = {}
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(user_api.get(URL, {"page_size": size}).json()["results"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[100]
    # auth (user + role permissions), count, the page's keys, its rows (KeysFirstPaginator)
    with django_assert_max_num_queries(5):
        user_api.get(URL, {"page_size": 100, "search": "C", "ordering": "-created_at"})


def test_customer_list_schema_reads_like_the_spec(admin_api):
    schema = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(schema.content)["paths"]
    operation = paths["/api/customers/"]["get"]
    params = {p["name"] for p in operation["parameters"]}
    assert {"search", "ordering", "page", "page_size"} <= params
    assert "409" in paths["/api/customers/{id}/"]["delete"]["responses"]
