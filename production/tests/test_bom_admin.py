"""SPEC §13 in the admin: BOMs with lines inline, activate/copy, consuming production, product page."""

import pytest
from django.urls import reverse

from employees.tests.factories import make_employee
from production.models import BOM, BOMLine, ProductionRecord
from production.services import bom_activate, bom_create, production_create
from products.models import Product, StockMovement
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


def bom_form(product, lines, notes="", existing=()):
    data = {
        "product": product.pk,
        "notes": notes,
        "lines-TOTAL_FORMS": len(lines),
        "lines-INITIAL_FORMS": len(existing),
        "lines-MIN_NUM_FORMS": 0,
        "lines-MAX_NUM_FORMS": 1000,
    }
    for i, (component, quantity) in enumerate(lines):
        data[f"lines-{i}-component"] = component.pk if component else ""
        data[f"lines-{i}-quantity"] = quantity
        if i < len(existing):
            data[f"lines-{i}-id"] = existing[i]
    return data


def test_admin_bom_add_with_lines_goes_through_the_service(staff):
    table, leg, top = make_product(name="Table"), make_product(name="Leg"), make_product()
    response = staff.post(
        reverse("admin:production_bom_add"), bom_form(table, [(leg, 4), (top, 1)])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    bom = BOM.objects.get()
    assert (bom.product, bom.version, bom.status) == (table, 1, "draft")
    assert sorted(bom.lines.values_list("component_id", "quantity")) == [(leg.pk, 4), (top.pk, 1)]


def test_admin_bom_with_the_product_as_component_is_a_form_error(staff):
    table, leg = make_product(), make_product()
    response = staff.post(
        reverse("admin:production_bom_add"), bom_form(table, [(leg, 1), (table, 1)])
    )
    assert response.status_code == 200
    assert "cannot be a component of itself" in response.content.decode()
    assert not BOM.objects.exists() and not BOMLine.objects.exists()


def test_admin_activate_and_copy_actions(staff, admin_account):
    table, leg = make_product(), make_product()
    bom = bom_create(product=table, lines=[(leg, 2)], user=admin_account)
    changelist = reverse("admin:production_bom_changelist")
    response = staff.post(changelist, {"action": "activate", "_selected_action": [bom.pk]})
    assert response.status_code == 302
    assert BOM.objects.get(pk=bom.pk).status == "active"
    staff.post(changelist, {"action": "copy", "_selected_action": [bom.pk]})
    copy = BOM.objects.get(version=2)
    assert copy.status == "draft" and list(copy.lines.values_list("component_id", "quantity")) == [
        (leg.pk, 2)
    ]


def test_admin_activate_of_a_cycle_changes_nothing(staff, admin_account):
    a, b = make_product(name="Ay"), make_product(name="Bee")
    bom_activate(bom=bom_create(product=a, lines=[(b, 1)], user=admin_account))
    closing = bom_create(product=b, lines=[(a, 1)], user=admin_account)
    response = staff.post(
        reverse("admin:production_bom_changelist"),
        {"action": "activate", "_selected_action": [closing.pk]},
        follow=True,
    )
    assert "cycle" in response.content.decode()
    assert BOM.objects.get(pk=closing.pk).status == "draft"


def test_admin_production_consumes_and_shortage_is_a_form_error(staff, admin_account):
    table, leg = make_product(name="Table"), make_product(name="Leg", stock=8)
    bom_activate(bom=bom_create(product=table, lines=[(leg, 4)], user=admin_account))
    employee = make_employee()
    add = reverse("admin:production_productionrecord_add")
    data = {"product": table.pk, "employee": employee.pk, "date": "2026-01-02"}
    response = staff.post(add, {**data, "quantity": 3})
    assert response.status_code == 200
    assert "Not enough stock for Leg" in response.content.decode()
    assert not ProductionRecord.objects.exists() and Product.objects.get(pk=leg.pk).stock == 8
    response = staff.post(add, {**data, "quantity": 2})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Product.objects.get(pk=leg.pk).stock == 0
    assert StockMovement.objects.filter(product=leg, reason="consumption").get().delta == -8


def test_admin_locked_bom_shows_lines_read_only(staff, admin_account):
    table, leg = make_product(), make_product(stock=5)
    bom = bom_create(product=table, lines=[(leg, 1)], user=admin_account)
    bom_activate(bom=bom)
    production_create(product=table, employee=make_employee(), quantity=1, user=admin_account)
    page = staff.get(reverse("admin:production_bom_change", args=[bom.pk])).content.decode()
    assert 'name="lines-0-quantity"' not in page


def test_admin_product_page_shows_active_bom_and_where_used(staff, admin_account):
    table, leg = make_product(name="Table"), make_product(name="Leg", unit="pcs")
    bom = bom_create(product=table, lines=[(leg, 4)], user=admin_account)
    bom_activate(bom=bom)
    table_page = staff.get(reverse("admin:products_product_change", args=[table.pk]))
    assert "4 pcs Leg" in table_page.content.decode()
    leg_page = staff.get(reverse("admin:products_product_change", args=[leg.pk]))
    assert "where used" in leg_page.content.decode().lower()
    assert reverse("admin:production_bom_change", args=[bom.pk]) in leg_page.content.decode()
