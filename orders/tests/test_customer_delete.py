"""A customer with orders cannot be deleted, from any side (SPEC §5): real orders, not stand-ins."""

import pytest
from django.urls import reverse

from customers.models import Customer
from customers.services import customer_delete
from customers.tests.factories import make_customer
from factory.errors import InUse
from orders.models import Order
from orders.services import order_place
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db

IN_USE = "Customer 'Acme' has orders and cannot be deleted."


@pytest.fixture
def acme(admin_account):
    customer = make_customer(name="Acme")
    order_place(customer=customer, items=[(make_product(stock=5), 2)], user=admin_account)
    return customer


def kept(customer):
    return Customer.objects.filter(pk=customer.pk).exists() and Order.objects.count() == 1


def test_customer_delete_service_with_orders_is_in_use_and_keeps_the_row(acme):
    with pytest.raises(InUse) as caught:
        customer_delete(customer=acme)
    assert (caught.value.code, caught.value.message) == ("in_use", IN_USE)
    assert kept(acme)


def test_customer_delete_api_with_orders_is_409_and_keeps_the_customer(admin_api, acme):
    response = admin_api.delete(f"/api/customers/{acme.pk}/")
    assert response.status_code == 409
    assert response.json() == {"detail": IN_USE, "code": "in_use"}
    assert kept(acme)


def test_customer_delete_admin_refused_lists_what_protects_it_and_keeps_it(
    client, admin_account, acme
):
    client.force_login(admin_account)
    url = reverse("admin:customers_customer_delete", args=[acme.pk])
    response = client.post(url, {"post": "yes"}, follow=True)
    # Django's own refusal: it names the protected records and deletes nothing.
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Cannot delete customer" in page
    assert "protected related objects" in page
    assert kept(acme)
