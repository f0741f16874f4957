import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import ON_MARIADB
from employees import selectors, services
from employees.models import EMAIL_TAKEN, Employee
from employees.services import employee_create, employee_delete, employee_update
from employees.tests.factories import employee_rows, make_employee

pytestmark = pytest.mark.django_db


def test_employee_create_defaults():
    employee = employee_create(name="Ada")
    employee.refresh_from_db()
    assert (employee.position, employee.email, employee.is_active) == ("", None, True)
    assert employee.hired_on == timezone.localdate()


def test_employee_create_saves_every_field():
    employee = employee_create(
        name="Ada",
        position="Welder",
        email="Ada@Factory.example",
        hired_on=datetime.date(2020, 2, 29),
        is_active=False,
    )
    employee.refresh_from_db()
    assert (employee.name, employee.position, employee.email) == (
        "Ada",
        "Welder",
        "Ada@Factory.example",
    )
    assert (employee.hired_on, employee.is_active) == (datetime.date(2020, 2, 29), False)


@pytest.mark.parametrize("email", ["", None])
def test_employee_create_without_email_stores_null(email):
    employee_create(name="A", email=email)
    employee_create(name="B", email=email)
    assert list(Employee.objects.values_list("email", flat=True)) == [None, None]


def test_employee_create_email_taken_in_another_case_is_refused():
    make_employee(email="ada@factory.example")
    before = employee_rows()
    with pytest.raises(ValidationError) as caught:
        employee_create(name="Ada again", email="ADA@factory.EXAMPLE")
    assert caught.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert employee_rows() == before


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "N" * 101}, "name"),
        ({"position": "P" * 101}, "position"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_employee_create_invalid_field_is_refused(fields, field):
    with pytest.raises(ValidationError) as caught:
        employee_create(**{"name": "Valid", **fields})
    assert field in caught.value.message_dict
    assert Employee.objects.count() == 0


def test_employee_create_email_race_lost_at_the_constraint_is_the_same_field_error(monkeypatch):
    """Two requests check the same email before either inserts: the unique constraint decides."""
    make_employee(email="race@factory.example")
    real_check = selectors.employee_email_taken
    calls = []

    def check_that_misses_the_first_time(**kwargs):
        calls.append(kwargs)
        return False if len(calls) == 1 else real_check(**kwargs)

    monkeypatch.setattr(selectors, "employee_email_taken", check_that_misses_the_first_time)
    with pytest.raises(ValidationError) as caught:
        employee_create(name="Second", email="race@factory.example")
    assert caught.value.message_dict == {"email": [EMAIL_TAKEN]}
    assert len(calls) == 2
    assert Employee.objects.count() == 1


def test_employee_update_changes_only_the_given_fields():
    employee = make_employee(name="Old", position="Welder")
    Employee.objects.filter(pk=employee.pk).update(position="Foreman")
    employee_update(employee=employee, name="New")
    employee.refresh_from_db()
    assert (employee.name, employee.position) == ("New", "Foreman")


def test_employee_update_blank_email_clears_it_to_null():
    employee = make_employee(email="ada@factory.example")
    employee_update(employee=employee, email="")
    employee.refresh_from_db()
    assert employee.email is None


def test_employee_update_deactivates():
    employee = make_employee()
    employee_update(employee=employee, is_active=False)
    employee.refresh_from_db()
    assert employee.is_active is False


def test_employee_update_to_an_email_taken_in_another_case_changes_nothing():
    make_employee(email="taken@factory.example")
    employee = make_employee(name="Keep")
    before = employee_rows()
    with pytest.raises(ValidationError) as caught:
        employee_update(employee=employee, name="Changed", email="Taken@Factory.example")
    assert "email" in caught.value.message_dict
    assert employee_rows() == before


def test_employee_update_with_nothing_writes_nothing():
    employee = make_employee()
    before = employee_rows()
    with CaptureQueriesContext(connection) as queries:
        employee_update(employee=employee)
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert employee_rows() == before


def test_employee_update_unknown_field_is_a_programming_error():
    with pytest.raises(TypeError, match="salary"):
        employee_update(employee=make_employee(), salary=1)


def test_employee_delete_removes_the_employee():
    employee = make_employee()
    employee_delete(employee=employee)
    assert not Employee.objects.exists()


def test_employee_delete_goes_through_instance_delete(monkeypatch):
    """The 409-on-PROTECT helper is the delete path (the production FK will be PROTECT)."""
    employee = make_employee(name="Ada")
    seen = []
    real = services.instance_delete

    def spy(instance, *, in_use_message):
        seen.append((instance.pk, in_use_message))
        return real(instance, in_use_message=in_use_message)

    monkeypatch.setattr(services, "instance_delete", spy)
    pk = employee.pk
    employee_delete(employee=employee)
    assert seen == [
        (
            pk,
            "Employee 'Ada' has production records and cannot be deleted; "
            "set is_active to false instead.",
        )
    ]
    assert not Employee.objects.exists()


def test_employee_email_unique_constraint_allows_many_nulls_and_refuses_duplicates():
    Employee.objects.create(name="A", email=None)
    Employee.objects.create(name="B", email=None)
    Employee.objects.create(name="C", email="c@factory.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Employee.objects.create(name="D", email="c@factory.example")


def test_employee_email_check_constraint_refuses_blank():
    with pytest.raises(IntegrityError), transaction.atomic():
        Employee.objects.create(name="Blank", email="")


@pytest.mark.mariadb
def test_employee_email_unique_constraint_ignores_case_on_mariadb():
    assert ON_MARIADB
    make_employee(email="case@factory.example")
    with pytest.raises(IntegrityError), transaction.atomic():
        Employee.objects.create(name="Bypass", email="CASE@factory.example")
