import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from employees.models import Employee
from employees.tests.factories import employee_rows, make_employee

pytestmark = pytest.mark.django_db
URL = "/api/employees/"
FIELDS = {"id", "name", "position", "email", "hired_on", "is_active"}


def detail(employee) -> str:
    return f"{URL}{employee.pk}/"


def names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


# --- Create, read, update, delete ---------------------------------------------------------


def test_employee_create_returns_the_employee(admin_api):
    payload = {
        "name": "Ada Lovelace",
        "position": "Line supervisor",
        "email": "ada@factory.example",
        "hired_on": "2021-03-01",
        "is_active": False,
    }
    response = admin_api.post(URL, payload)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == FIELDS
    assert {k: body[k] for k in payload} == payload


def test_employee_create_defaults(user_api):
    before = timezone.localdate().isoformat()
    response = user_api.post(URL, {"name": "Ada"})
    assert response.status_code == 201
    body = response.json()
    assert body["position"] == "" and body["email"] is None and body["is_active"] is True
    assert body["hired_on"] in {before, timezone.localdate().isoformat()}  # today, midnight or not


@pytest.mark.parametrize("email", ["", None])
def test_employee_create_without_email_stores_null_for_everyone(admin_api, email):
    for name in ["A", "B"]:
        response = admin_api.post(URL, {"name": name, "email": email})
        assert response.status_code == 201
        assert response.json()["email"] is None
    assert list(Employee.objects.values_list("email", flat=True)) == [None, None]


def test_employee_retrieve_returns_the_employee(user_api):
    employee = make_employee(name="Ada")
    response = user_api.get(detail(employee))
    assert response.status_code == 200
    assert set(response.json()) == FIELDS and response.json()["name"] == "Ada"


def test_employee_put_replaces_the_given_fields(admin_api):
    employee = make_employee(position="Welder")
    response = admin_api.put(
        detail(employee), {"name": "New", "email": None, "hired_on": "2019-01-01"}
    )
    assert response.status_code == 200, response.json()
    employee.refresh_from_db()
    assert (employee.name, employee.email, employee.hired_on) == (
        "New",
        None,
        datetime.date(2019, 1, 1),
    )
    assert employee.position == "Welder"


def test_employee_patch_deactivates(admin_api):
    employee = make_employee()
    response = admin_api.patch(detail(employee), {"is_active": False})
    assert response.status_code == 200
    employee.refresh_from_db()
    assert employee.is_active is False


def test_employee_patch_blank_email_clears_it(admin_api):
    employee = make_employee(email="ada@factory.example")
    response = admin_api.patch(detail(employee), {"email": ""})
    assert response.status_code == 200 and response.json()["email"] is None
    employee.refresh_from_db()
    assert employee.email is None


def test_employee_patch_may_change_the_case_of_its_own_email(admin_api):
    employee = make_employee(email="ada@factory.example")
    response = admin_api.patch(detail(employee), {"email": "Ada@Factory.example"})
    assert response.status_code == 200
    assert response.json()["email"] == "Ada@Factory.example"


def test_employee_delete_removes_the_employee(admin_api):
    employee = make_employee()
    assert admin_api.delete(detail(employee)).status_code == 204
    assert not Employee.objects.exists()


@pytest.mark.parametrize("path", ["999999/", "abc/", "99999999999999999999999999/"])
def test_employee_unknown_id_is_404_json(admin_api, path):
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
def test_employee_anonymous_is_401(anon_api, method, on_detail):
    employee = make_employee()
    before = employee_rows()
    response = getattr(anon_api, method)(detail(employee) if on_detail else URL, {"name": "X"})
    assert response.status_code == 401
    assert "detail" in response.json()
    assert employee_rows() == before


def test_employee_user_role_may_list_retrieve_and_create(user_api):
    employee = make_employee()
    assert user_api.get(URL).status_code == 200
    assert user_api.get(detail(employee)).status_code == 200
    assert user_api.post(URL, {"name": "New"}).status_code == 201


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_employee_user_role_may_not_change_or_delete(user_api, method):
    employee = make_employee()
    before = employee_rows()
    response = getattr(user_api, method)(detail(employee), {"name": "Changed", "is_active": False})
    assert response.status_code == 403
    assert "detail" in response.json()
    assert employee_rows() == before


def test_employee_permissions_user_role_has_view_and_add_only(user_account):
    assert user_account.has_perm("employees.view_employee")
    assert user_account.has_perm("employees.add_employee")
    assert not user_account.has_perm("employees.change_employee")
    assert not user_account.has_perm("employees.delete_employee")


# --- Validation: 400 naming the field, nothing written ----------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "  "}, "name"),
        ({"name": None}, "name"),
        ({"name": "N" * 101}, "name"),
        ({"name": ["Ada"]}, "name"),
        ({"name": False}, "name"),
        ({"name": "nul\x00"}, "name"),
        ({"name": "A", "position": "P" * 101}, "position"),
        ({"name": "A", "position": {"title": "x"}}, "position"),
        ({"name": "A", "email": "nope"}, "email"),
        ({"name": "A", "email": 42}, "email"),
        ({"name": "A", "email": "a" * 64 + "@" + "b" * 185 + ".com"}, "email"),
        ({"name": "A", "email": "TAKEN@factory.example"}, "email"),
        ({"name": "A", "hired_on": "yesterday"}, "hired_on"),
        ({"name": "A", "hired_on": "2023-02-29"}, "hired_on"),
        ({"name": "A", "hired_on": "99999-01-01"}, "hired_on"),
        ({"name": "A", "hired_on": 20240101}, "hired_on"),
        ({"name": "A", "hired_on": "2024-01-01T10:00:00Z"}, "hired_on"),
        ({"name": "A", "hired_on": None}, "hired_on"),
        ({"name": "A", "is_active": "maybe"}, "is_active"),
        ({"name": "A", "is_active": None}, "is_active"),
        ({"name": "A", "is_active": 10**30}, "is_active"),
        ({"name": "A", "is_active": [True]}, "is_active"),
    ],
)
def test_employee_create_bad_input_is_400_naming_the_field(admin_api, payload, field):
    make_employee(email="taken@factory.example")
    before = employee_rows()
    response = admin_api.post(URL, payload)
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert employee_rows() == before


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"position": "P" * 101}, "position"),
        ({"email": "Other@Factory.Example"}, "email"),
        ({"hired_on": "2024-13-01"}, "hired_on"),
        ({"is_active": "perhaps"}, "is_active"),
    ],
)
def test_employee_patch_bad_input_is_400_naming_the_field(admin_api, payload, field):
    make_employee(email="other@factory.example")
    employee = make_employee()
    before = employee_rows()
    response = admin_api.patch(detail(employee), payload)
    assert response.status_code == 400
    assert field in response.json()
    assert employee_rows() == before


@pytest.mark.parametrize("body", ['{"name": ', "[]", "null", '"Ada"'])
def test_employee_create_malformed_body_is_400_json(admin_api, body):
    response = admin_api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)
    assert Employee.objects.count() == 0


def test_employee_create_unicode_round_trips(admin_api):
    payload = {"name": "Zoë Ångström 李雷 👷", "position": "Schweißer"}
    response = admin_api.post(URL, payload)
    assert response.status_code == 201
    body = admin_api.get(f"{URL}{response.json()['id']}/").json()
    assert (body["name"], body["position"]) == (payload["name"], payload["position"])


# --- List: filters, search, ordering, pagination, query count -------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", ["Active"]),
        ("false", ["Gone"]),
        ("1", ["Active"]),
        ("0", ["Gone"]),
        ("", ["Active", "Gone"]),
    ],
)
def test_employee_list_filter_is_active(user_api, value, expected):
    make_employee(name="Active")
    make_employee(name="Gone", is_active=False)
    assert names(user_api.get(URL, {"is_active": value})) == expected


@pytest.mark.parametrize("value", ["maybe", "yes please", "2"])
def test_employee_list_bad_is_active_is_400_naming_it(user_api, value):
    response = user_api.get(URL, {"is_active": value})
    assert response.status_code == 400
    assert "is_active" in response.json()


def test_employee_list_filter_by_hiring_date(user_api):
    make_employee(name="Early", hired_on=datetime.date(2019, 5, 1))
    make_employee(name="Late", hired_on=datetime.date(2023, 5, 1))
    assert names(user_api.get(URL, {"hired_from": "2020-01-01"})) == ["Late"]
    assert names(user_api.get(URL, {"hired_to": "2020-01-01"})) == ["Early"]
    assert names(user_api.get(URL, {"hired_from": "2019-05-01", "hired_to": "2023-05-01"})) == [
        "Early",
        "Late",
    ]


@pytest.mark.parametrize("param", ["hired_from", "hired_to"])
def test_employee_list_bad_date_filter_is_400_naming_it(user_api, param):
    response = user_api.get(URL, {param: "2023-02-30"})
    assert response.status_code == 400
    assert param in response.json()


@pytest.mark.parametrize(
    ("term", "expected"),
    [("ada", ["Ada"]), ("WELD", ["Bob"]), ("@night.example", ["Cy"]), ("zzz", [])],
)
def test_employee_list_search_by_name_email_and_position(user_api, term, expected):
    make_employee(name="Ada", position="Supervisor", email="a@factory.example")
    make_employee(name="Bob", position="Welder", email="b@factory.example")
    make_employee(name="Cy", position="Guard", email="cy@night.example")
    assert names(user_api.get(URL, {"search": term})) == expected


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["Ada", "Bob", "Cy"]),
        ("name", ["Ada", "Bob", "Cy"]),
        ("-name", ["Cy", "Bob", "Ada"]),
        ("hired_on", ["Bob", "Cy", "Ada"]),
        ("-hired_on", ["Ada", "Cy", "Bob"]),
        ("id", ["Cy", "Ada", "Bob"]),
        ("-id", ["Bob", "Ada", "Cy"]),
    ],
)
def test_employee_list_ordering(user_api, ordering, expected):
    make_employee(name="Cy", hired_on=datetime.date(2021, 1, 1))
    make_employee(name="Ada", hired_on=datetime.date(2022, 1, 1))
    make_employee(name="Bob", hired_on=datetime.date(2020, 1, 1))
    params = {"ordering": ordering} if ordering else {}
    assert names(user_api.get(URL, params)) == expected


def test_employee_list_is_paginated_and_page_size_is_clamped_to_100(user_api):
    Employee.objects.bulk_create(Employee(name=f"E{i:03d}") for i in range(105))
    body = user_api.get(URL).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 105 and len(body["results"]) == 10
    assert body["previous"] is None and "page=2" in body["next"]
    second = user_api.get(URL, {"page": 2, "page_size": 50}).json()
    assert len(second["results"]) == 50 and second["previous"] and second["next"]
    assert len(user_api.get(URL, {"page_size": 1000}).json()["results"]) == 100
    assert user_api.get(URL, {"page": 999}).status_code == 404


def test_employee_list_query_count_is_constant(user_api, django_assert_max_num_queries):
    Employee.objects.bulk_create(Employee(name=f"E{i:03d}") for i in range(120))
    user_api.get(URL)  # warm-up: the role's permission set may be cached after the first request
    counts = {}
    for size in (1, 100):
        with CaptureQueriesContext(connection) as queries:
            assert len(user_api.get(URL, {"page_size": size}).json()["results"]) == size
        counts[size] = len(queries)
    assert counts[1] == counts[100]
    # auth (user + role permissions), count, page
    with django_assert_max_num_queries(4):
        user_api.get(
            URL, {"page_size": 100, "is_active": "true", "search": "E", "ordering": "-hired_on"}
        )
