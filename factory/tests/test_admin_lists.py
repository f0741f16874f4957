"""Change lists of the large tables read their page without joining (factory.admin.PrefetchListMixin)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from orders.services import order_place
from production.services import production_create
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, admin_account):
    client.force_login(admin_account)
    return client


@pytest.mark.parametrize(
    ("changelist", "table"),
    [
        ("admin:production_productionrecord_changelist", "production_productionrecord"),
        ("admin:orders_order_changelist", "orders_order"),
        ("admin:products_stockmovement_changelist", "products_stockmovement"),
    ],
)
def test_admin_change_list_page_is_read_without_a_join(staff, admin_account, changelist, table):
    for _ in range(3):
        product, employee = make_product(stock=5), make_employee()
        production_create(product=product, employee=employee, quantity=2, user=admin_account)
        order_place(customer=make_customer(), items=[(product, 1)], user=admin_account)
    with CaptureQueriesContext(connection) as captured:
        response = staff.get(reverse(changelist))
    assert response.status_code == 200
    # The page: the one query in the list's order (not the counts, nor the date hierarchy's).
    page = [q["sql"] for q in captured if f"FROM `{table}`" in q["sql"].replace('"', "`")]
    page = [sql for sql in page if "ORDER BY" in sql and "DISTINCT" not in sql]
    assert len(page) == 1, page
    assert "JOIN" not in page[0]  # on MariaDB a join here sorted the whole table for each page
    assert response.content.count(b'name="_selected_action"') >= 3


@pytest.mark.parametrize(
    "changelist",
    [
        "admin:customers_customer_changelist",
        "admin:products_product_changelist",
        "admin:products_stockmovement_changelist",
        "admin:orders_order_changelist",
        "admin:purchasing_supplier_changelist",
        "admin:accounts_user_changelist",
    ],
)
def test_admin_search_uses_the_api_search_bounds(staff, changelist):
    """1,000 words made one LIKE per word and field (issue 24); the box searches 10 of them."""
    make_customer(name="Ada Lovelace")
    make_product(name="Ada gear")
    words = " ".join(["ada"] * 1000)
    with CaptureQueriesContext(connection) as captured:
        response = staff.get(reverse(changelist), {"q": words})
    assert response.status_code == 200
    warnings = [str(m) for m in response.context["messages"]]
    assert any("first 10 words" in m for m in warnings), warnings
    assert max(q["sql"].upper().count(" LIKE ") for q in captured) <= 10 * 6
    assert staff.get(reverse(changelist), {"q": "ada"}).status_code == 200
