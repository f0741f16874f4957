"""An employee with production records cannot be deleted, from any side (SPEC §5): real records."""

import pytest
from django.urls import reverse

from employees.models import Employee
from employees.services import employee_delete
from employees.tests.factories import make_employee
from factory.errors import InUse
from production.models import ProductionRecord
from production.services import production_create
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

IN_USE = (
    "Employee 'Ada' has production records and cannot be deleted; set is_active to false instead."
)


@pytest.fixture
def ada(admin_account):
    employee = make_employee(name="Ada")
    production_create(product=make_product(), employee=employee, quantity=3, user=admin_account)
    return employee


def kept(employee):
    return (
        Employee.objects.filter(pk=employee.pk).exists() and ProductionRecord.objects.count() == 1
    )


def test_employee_delete_service_with_production_is_in_use_and_keeps_the_row(ada):
    with pytest.raises(InUse) as caught:
        employee_delete(employee=ada)
    assert (caught.value.code, caught.value.message) == ("in_use", IN_USE)
    assert kept(ada)


def test_employee_delete_api_with_production_is_409_and_keeps_the_employee(admin_api, ada):
    response = admin_api.delete(f"/api/employees/{ada.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": IN_USE, "code": "in_use"}
    assert kept(ada)


def test_employee_delete_admin_refused_lists_what_protects_it_and_keeps_it(
    client, admin_account, ada
):
    client.force_login(admin_account)
    url = reverse("admin:employees_employee_delete", args=[ada.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    # Django's own refusal: it names the protected records and deletes nothing.
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Cannot delete employee" in page
    assert "protected related objects" in page
    assert kept(ada)
