"""Employees in the Django admin: the same services as the API."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from employees import services
from employees.models import EMAIL_TAKEN, Employee
from employees.tests.factories import employee_rows, make_employee

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:employees_employee_changelist")
ADD = reverse("admin:employees_employee_add")


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def form(**fields) -> dict:
    return {
        "name": "Ada",
        "position": "Welder",
        "email": "",
        "hired_on": "2022-04-01",
        "is_active": "on",
        **fields,
    }


def test_admin_employee_changelist_lists_employees(staff):
    make_employee(name="Bob")
    make_employee(name="Ada")
    response = staff.get(CHANGELIST)
    assert response.status_code == 200
    assert [e.name for e in response.context["cl"].result_list] == ["Ada", "Bob"]


def test_admin_employee_changelist_search_and_filter(staff):
    make_employee(name="Ada", position="Welder")
    make_employee(name="Bob", position="Guard", is_active=False)
    for params, expected in [
        ({"q": "weld"}, ["Ada"]),
        ({"q": "bob"}, ["Bob"]),
        ({"is_active__exact": "0"}, ["Bob"]),
        ({"hired_on__year": str(timezone.localdate().year)}, ["Ada", "Bob"]),
    ]:
        response = staff.get(CHANGELIST, params)
        assert response.status_code == 200
        assert [e.name for e in response.context["cl"].result_list] == expected


def test_admin_employee_add_goes_through_the_service(staff, monkeypatch):
    calls = []
    real = services.employee_create

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "employee_create", spy)
    assert staff.get(ADD).status_code == 200
    response = staff.post(ADD, form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    employee = Employee.objects.get()
    assert (employee.name, employee.email, employee.hired_on) == (
        "Ada",
        None,
        datetime.date(2022, 4, 1),
    )
    assert len(calls) == 1 and calls[0]["name"] == "Ada"


def test_admin_employee_add_two_without_email(staff):
    assert staff.post(ADD, form(name="A")).status_code == 302
    assert staff.post(ADD, form(name="B")).status_code == 302
    assert list(Employee.objects.values_list("email", flat=True)) == [None, None]


def test_admin_employee_add_email_taken_in_another_case_is_a_form_error(staff):
    make_employee(email="ada@factory.example")
    before = employee_rows()
    response = staff.post(ADD, form(email="ADA@factory.example"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [EMAIL_TAKEN]
    assert employee_rows() == before


def test_admin_employee_change_goes_through_the_service(staff, monkeypatch):
    employee = make_employee(name="Ada", email="ada@factory.example")
    calls = []
    real = services.employee_update

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(services, "employee_update", spy)
    url = reverse("admin:employees_employee_change", args=[employee.pk])
    assert staff.get(url).status_code == 200
    response = staff.post(url, {**form(name="Ada L.", email=""), "is_active": ""})
    assert response.status_code == 302
    employee.refresh_from_db()
    assert (employee.name, employee.email, employee.is_active) == ("Ada L.", None, False)
    assert len(calls) == 1


def test_admin_employee_delete_goes_through_the_service(staff, monkeypatch):
    employee = make_employee()
    calls = []
    real = services.employee_delete

    def spy(**kwargs):
        calls.append(kwargs["employee"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "employee_delete", spy)
    url = reverse("admin:employees_employee_delete", args=[employee.pk])
    assert staff.post(url, {"post": "yes"}).status_code == 302
    assert not Employee.objects.exists()
    assert calls == [employee.pk]


def test_admin_employee_bulk_delete_goes_through_the_service(staff, monkeypatch):
    employees = [make_employee(), make_employee(), make_employee()]
    deleted = []
    real = services.employee_delete

    def spy(**kwargs):
        deleted.append(kwargs["employee"].pk)
        return real(**kwargs)

    monkeypatch.setattr(services, "employee_delete", spy)
    response = staff.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [e.pk for e in employees[:2]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert sorted(deleted) == sorted(e.pk for e in employees[:2])
    assert list(Employee.objects.all()) == [employees[2]]


def test_admin_employee_export_as_csv(staff):
    ada = make_employee(
        name="Ada", position="Welder", email=None, hired_on=datetime.date(2022, 4, 1)
    )
    bob = make_employee(name="Bob", position="+Guard", email="bob@factory.example", is_active=False)
    response = staff.post(
        CHANGELIST, {"action": "export_as_csv", "_selected_action": [ada.pk, bob.pk]}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Name", "Position", "Email", "Hired on", "Is active"]
    assert rows[1] == ["Ada", "Welder", "", "2022-04-01", "True"]
    assert rows[2][:3] == ["Bob", "'+Guard", "bob@factory.example"]
