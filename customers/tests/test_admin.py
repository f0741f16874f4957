"""Customers in the Django admin: the same services as the API."""

import csv
import io

import pytest
from django.urls import reverse

from customers import services
from customers.models import EMAIL_TAKEN, Customer
from customers.tests.factories import customer_rows, make_customer

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:customers_customer_changelist")
ADD = reverse("admin:customers_customer_add")


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def form(**fields) -> dict:
    return {"name": "Acme", "email": "acme@example.com", "phone": "", "address": "", **fields}


def test_admin_customer_changelist_lists_customers(staff):
    make_customer(name="Acme Ltd")
    make_customer(name="Globex")
    response = staff.get(CHANGELIST)
    assert response.status_code == 200
    assert [c.name for c in response.context["cl"].result_list] == ["Acme Ltd", "Globex"]


def test_admin_customer_changelist_search(staff):
    make_customer(name="Acme Ltd", email="hello@acme.example")
    make_customer(name="Globex", email="orders@globex.example", phone="555-777")
    for term, expected in [
        ("acme", ["Acme Ltd"]),
        ("globex.example", ["Globex"]),
        ("777", ["Globex"]),
    ]:
        response = staff.get(CHANGELIST, {"q": term})
        assert [c.name for c in response.context["cl"].result_list] == expected


def test_admin_customer_changelist_date_hierarchy(staff):
    customer = make_customer()
    response = staff.get(CHANGELIST, {"created_at__year": customer.created_at.year})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [customer]


def test_admin_customer_add_goes_through_the_service(staff, monkeypatch):
    calls = []
    real = services.customer_create

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "customer_create", spy)
    assert staff.get(ADD).status_code == 200
    response = staff.post(ADD, form(phone="+1 555 0100", address="1 Dock St"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    customer = Customer.objects.get()
    assert (customer.name, customer.email, customer.phone) == (
        "Acme",
        "acme@example.com",
        "+1 555 0100",
    )
    assert calls == [
        {
            "name": "Acme",
            "email": "acme@example.com",
            "phone": "+1 555 0100",
            "address": "1 Dock St",
        }
    ]
    assert response["Location"] == CHANGELIST


def test_admin_customer_add_email_taken_in_another_case_is_a_form_error(staff):
    make_customer(email="acme@example.com")
    before = customer_rows()
    response = staff.post(ADD, form(email="ACME@Example.com"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [EMAIL_TAKEN]
    assert customer_rows() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "N" * 101}, "name"),
        ({"email": "nope"}, "email"),
        ({"phone": "1" * 21}, "phone"),
        ({"address": "x" * 1001}, "address"),
    ],
)
def test_admin_customer_add_bad_input_is_a_form_error(staff, fields, field):
    response = staff.post(ADD, form(**fields))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Customer.objects.count() == 0


def test_admin_customer_change_goes_through_the_service(staff, monkeypatch):
    customer = make_customer(name="Old", phone="111")
    calls = []
    real = services.customer_update

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "customer_update", spy)
    url = reverse("admin:customers_customer_change", args=[customer.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(url, form(name="New", email=customer.email, phone="222"))
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.name, customer.phone) == ("New", "222")
    assert len(calls) == 1 and calls[0]["customer"].pk == customer.pk


def test_admin_customer_delete_goes_through_the_service(staff, monkeypatch):
    customer = make_customer()
    calls = []
    real = services.customer_delete

    def spy(**kwargs):
        calls.append(kwargs["customer"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "customer_delete", spy)
    url = reverse("admin:customers_customer_delete", args=[customer.pk])
    response = staff.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Customer.objects.exists()
    assert calls == [customer.pk]


def test_admin_customer_bulk_delete_goes_through_the_service(staff, monkeypatch):
    customers = [make_customer(), make_customer(), make_customer()]
    deleted = []
    real = services.customer_delete

    def spy(**kwargs):
        deleted.append(kwargs["customer"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "customer_delete", spy)
    response = staff.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [c.pk for c in customers[:2]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert sorted(deleted) == sorted(c.pk for c in customers[:2])
    assert list(Customer.objects.all()) == [customers[2]]


def test_admin_customer_export_as_csv(staff):
    acme = make_customer(name="Acme", email="acme@example.com", phone="555")
    evil = make_customer(name='=HYPERLINK("http://x")', email="evil@example.com", phone="")
    make_customer(name="Not selected")
    response = staff.post(
        CHANGELIST, {"action": "export_as_csv", "_selected_action": [acme.pk, evil.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Email", "Phone", "Created at"]  # as the change list heads them
    # Rows in the change list's order (by name); a formula is neutralised with a leading quote.
    assert [row[:3] for row in rows[1:]] == [
        ['\'=HYPERLINK("http://x")', "evil@example.com", ""],
        ["Acme", "acme@example.com", "555"],
    ]
