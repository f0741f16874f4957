"""Product names and SKUs are unique in any letter case, on every database (SPEC §5)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from products.models import NAME_TAKEN, SKU_TAKEN, Product
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

URL = "/api/products/"


def product_rows():
    return list(Product.objects.order_by("id").values_list("id", "name", "sku"))


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"name": "GEAR", "sku": "NEW-1"}, "name", NAME_TAKEN),
        ({"name": "gear", "sku": ""}, "name", NAME_TAKEN),
        ({"name": "Sprocket", "sku": "ab-1"}, "sku", SKU_TAKEN),
    ],
)
def test_product_create_taken_in_another_letter_case_is_400_on_the_field(
    admin_api, body, field, message
):
    make_product(name="Gear", sku="AB-1")
    before = product_rows()
    response = admin_api.post(URL, {**body, "price": "1.00"})
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert product_rows() == before


def test_product_create_with_both_taken_names_both_fields_in_one_query(admin_api):
    make_product(name="Gear", sku="AB-1")
    with CaptureQueriesContext(connection) as queries:
        response = admin_api.post(URL, {"name": "gEAR", "sku": "Ab-1", "price": "1.00"})
    assert response.status_code == 400
    assert response.json() == {"name": [NAME_TAKEN], "sku": [SKU_TAKEN]}
    assert sum("LIKE" in q["sql"] for q in queries.captured_queries) == 1


def test_product_update_may_keep_its_own_name_in_another_case(admin_api):
    gear = make_product(name="Gear", sku="AB-1")
    response = admin_api.patch(f"{URL}{gear.pk}/", {"name": "GEAR", "sku": "ab-1"})
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["sku"]) == ("GEAR", "ab-1")


@pytest.mark.parametrize("field", ["name", "sku"])
def test_the_database_refuses_a_case_twin_that_skips_the_service(field):
    make_product(name="Gear", sku="AB-1")
    twin = {"name": "Other", "sku": "OTHER-1", "price": 1}
    twin[field] = {"name": "GEAR", "sku": "ab-1"}[field]
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(**twin)
    assert Product.objects.count() == 1


def test_admin_product_add_taken_name_is_the_services_form_error(client, admin_account):
    make_product(name="Gear")
    client.force_login(admin_account)
    before = product_rows()
    response = client.post(
        reverse("admin:products_product_add"),
        {
            "name": "gear",
            "sku": "",
            "description": "",
            "price": "4.00",
            "reorder_level": 0,
            "initial_stock": 0,
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"name": [NAME_TAKEN]}
    assert product_rows() == before
