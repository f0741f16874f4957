import pytest
from django.urls import reverse
from django.utils import timezone

from customers.tests.factories import make_customer
from employees.services import employee_update
from employees.tests.factories import make_employee
from orders.services import order_place
from production.models import ProductionRecord
from production.services import production_create
from products.models import StockMovement
from products.tests.factories import ledger_sum, make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def form(product, employee, quantity):
    return {
        "product": product.pk,
        "employee": employee.pk,
        "quantity": quantity,
        "date": timezone.localdate().isoformat(),
    }


def test_admin_records_production_through_the_service(staff, admin_account):
    product, employee = make_product(), make_employee()
    response = staff.post(
        reverse("admin:production_productionrecord_add"), form(product, employee, 6)
    )
    assert response.status_code == 302
    record = ProductionRecord.objects.get()
    assert record.created_by == admin_account
    product.refresh_from_db()
    assert product.stock == 6 == ledger_sum(product)


def test_admin_edit_that_would_oversell_is_a_form_error_and_changes_nothing(staff, admin_account):
    product, employee = make_product(), make_employee()
    record = production_create(product=product, employee=employee, quantity=5, user=admin_account)
    order_place(customer=make_customer(), items=[(product, 4)], user=admin_account)
    url = reverse("admin:production_productionrecord_change", args=[record.pk])
    response = staff.post(url, form(product, employee, 1))
    assert response.status_code == 200
    assert (
        f"Not enough stock for {product.name} (id {product.pk}): 4 requested, 1 available."
        in response.content.decode()
    )
    record.refresh_from_db()
    product.refresh_from_db()
    assert record.quantity == 5 and product.stock == 1 == ledger_sum(product)


def test_admin_inactive_employee_is_a_field_error(staff):
    product, employee = make_product(), make_employee(is_active=False)
    response = staff.post(
        reverse("admin:production_productionrecord_add"), form(product, employee, 2)
    )
    assert response.status_code == 200
    assert "inactive employee" in response.content.decode()
    assert not ProductionRecord.objects.exists()


def test_admin_delete_one_and_bulk_reverse_stock(staff, admin_account):
    product, employee = make_product(), make_employee()
    records = [
        production_create(product=product, employee=employee, quantity=2, user=admin_account)
        for _ in range(3)
    ]
    response = staff.post(
        reverse("admin:production_productionrecord_delete", args=[records[0].pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    response = staff.post(
        reverse("admin:production_productionrecord_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [r.pk for r in records[1:]],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not ProductionRecord.objects.exists()
    product.refresh_from_db()
    assert product.stock == 0 == ledger_sum(product)


def test_admin_bulk_delete_of_sold_units_changes_nothing(staff, admin_account):
    product, employee = make_product(), make_employee()
    records = [
        production_create(product=product, employee=employee, quantity=2, user=admin_account)
        for _ in range(2)
    ]
    order_place(customer=make_customer(), items=[(product, 3)], user=admin_account)
    response = staff.post(
        reverse("admin:production_productionrecord_changelist"),
        {"action": "delete_selected", "_selected_action": [r.pk for r in records], "post": "yes"},
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert ProductionRecord.objects.count() == 2
    product.refresh_from_db()
    assert product.stock == 1 == ledger_sum(product)


@pytest.mark.parametrize("quantity", [0, 1_000_001, 99999999999, 9223372036854775807])
def test_admin_production_quantity_outside_1_to_1000000_is_a_field_error(staff, quantity):
    product, employee = make_product(stock=3), make_employee()
    movements = StockMovement.objects.count()
    response = staff.post(
        reverse("admin:production_productionrecord_add"), form(product, employee, quantity)
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["quantity"]
    assert not ProductionRecord.objects.exists() and StockMovement.objects.count() == movements
    product.refresh_from_db()
    assert product.stock == 3 == ledger_sum(product)


def test_admin_production_employee_autocomplete_offers_active_employees_only(staff, admin_account):
    active, retired = make_employee(name="Ann Active"), make_employee(name="Rob Retired")
    record = production_create(
        product=make_product(), employee=retired, quantity=2, user=admin_account
    )
    employee_update(employee=retired, is_active=False)
    response = staff.get(
        reverse("admin:autocomplete"),
        {"app_label": "production", "model_name": "productionrecord", "field_name": "employee"},
    )
    assert [row["text"] for row in response.json()["results"]] == [active.name]
    # The employees' own list still finds them all.
    page = staff.get(reverse("admin:employees_employee_changelist"), {"q": "Rob"})
    assert retired.name in page.content.decode()
    # A record of a since-deactivated employee still shows and saves with that employee.
    url = reverse("admin:production_productionrecord_change", args=[record.pk])
    assert retired.name in staff.get(url).content.decode()
    response = staff.post(url, form(record.product, retired, 3))
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.employee, record.quantity) == (retired, 3)
