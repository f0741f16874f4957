"""Several clerks writing at once on the embedded default (SQLite in a file, as `make run` serves it).

Real threads, each with its own database connection, send real requests through the whole stack
(middleware, authentication, views, services) to a file database: SPEC §2 says they wait their
turn, so not one answer is a 5xx, nothing is oversold and the ledger still adds up to the stock.
(Row-lock races are MariaDB's: orders/tests/test_concurrency.py. This is SQLite's database lock.)
"""

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from factory.testing import run_together
from orders.models import Order
from products.models import Product
from products.tests.factories import ledger_sum, make_product

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
        reason="SQLite's database lock (MariaDB's row locks: orders/tests/test_concurrency.py)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REQUESTS_PER_WRITER = 5


def api_client(user) -> APIClient:
    client = APIClient(raise_request_exception=False)  # a 500 is an answer to count, not a raise
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def admin_client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def writers(count, request):
    """`count` workers, each sending REQUESTS_PER_WRITER requests; returns their status codes."""

    def work():
        return [request(i) for i in range(REQUESTS_PER_WRITER)]

    results = run_together([work] * count)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return [status for statuses in results for status in statuses]


def assert_ledger_holds():
    for product in Product.objects.all():
        assert ledger_sum(product) == product.stock >= 0, product


def test_the_file_database_runs_wal_and_immediate_writes(db):
    assert not connection.is_in_memory_db()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] == settings.DATABASES["default"]["OPTIONS"]["timeout"] * 1000
    assert connection.transaction_mode == "IMMEDIATE"


@pytest.mark.parametrize("count", [2, 4, 8])
def test_concurrent_orders_answer_no_5xx_and_sell_only_the_stock(admin_account, count):
    customer = make_customer()
    stock = count * REQUESTS_PER_WRITER // 2
    product = make_product(stock=stock)

    def place(_):
        client = api_client(admin_account)
        body = {"customer": customer.pk, "items": [{"product": product.pk, "quantity": 1}]}
        return client.post("/api/orders/", body, format="json").status_code

    statuses = writers(count, place)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses.count(201) == stock
    product.refresh_from_db()
    assert product.stock == 0 and Order.objects.count() == stock
    assert_ledger_holds()


@pytest.mark.parametrize("count", [2, 4, 8])
def test_concurrent_production_answers_no_5xx_and_loses_no_unit(admin_account, count):
    employee = make_employee()
    product = make_product(stock=0)

    def produce(_):
        client = api_client(admin_account)
        body = {"product": product.pk, "employee": employee.pk, "quantity": 3}
        return client.post("/api/production/", body, format="json").status_code

    statuses = writers(count, produce)
    assert statuses == [201] * count * REQUESTS_PER_WRITER
    product.refresh_from_db()
    assert product.stock == 3 * count * REQUESTS_PER_WRITER
    assert_ledger_holds()


@pytest.mark.parametrize("count", [2, 4, 8])
def test_concurrent_admin_adjustments_and_production_answer_no_5xx(admin_account, count):
    """The admin's Adjust stock page while production is posted (the issue's 500 page)."""
    employee = make_employee()
    stock = count * REQUESTS_PER_WRITER // 2
    product = make_product(stock=stock)
    url = f"/admin/products/product/{product.pk}/adjust/"

    def adjust(i):
        if i % 2:  # every other request of each writer is production through the API
            body = {"product": product.pk, "employee": employee.pk, "quantity": 1}
            client = api_client(admin_account)
            return client.post("/api/production/", body, format="json").status_code
        return admin_client(admin_account).post(url, {"delta": -1, "note": "count"}).status_code

    statuses = writers(count, adjust)
    # 302: adjusted (back to the product); 200: the form again with the shortage; 201: produced.
    assert set(statuses) <= {302, 200, 201}, statuses
    assert statuses.count(201) == count * (REQUESTS_PER_WRITER // 2)
    product.refresh_from_db()
    produced = statuses.count(201)
    assert product.stock == stock + produced - statuses.count(302) >= 0
    assert_ledger_holds()
