"""Order-list read paths tuned by `make bench` (docs/bench.md): cached counts, creator name."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from customers.tests.factories import make_customer
from orders.models import Order
from orders.serializers import OrderSerializer
from orders.services import order_cancel, order_place
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
URL = "/api/orders/"


def counts(captured) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


@override_settings(LIST_CACHE_SECONDS=300)
def test_order_list_count_is_cached_until_an_order_write_commits(
    user_api, admin_account, django_capture_on_commit_callbacks
):
    customer, product = make_customer(), make_product(stock=100)
    with django_capture_on_commit_callbacks(execute=True):
        first = order_place(customer=customer, items=[(product, 1)], user=admin_account)
    assert user_api.get(URL).json()["count"] == 1
    with CaptureQueriesContext(connection) as captured:
        assert user_api.get(URL).json()["count"] == 1
    assert counts(captured) == 0  # from the cache

    with django_capture_on_commit_callbacks(execute=True):
        order_place(customer=customer, items=[(product, 2)], user=admin_account)
    assert user_api.get(URL).json()["count"] == 2
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order=first, user=admin_account)
    assert user_api.get(f"{URL}?status=cancelled").json()["count"] == 1
    assert user_api.get(f"{URL}?status=placed").json()["count"] == 1


@override_settings(LIST_CACHE_SECONDS=300)
def test_order_list_count_is_fresh_inside_the_writing_transaction(user_api, admin_account):
    """Invalidation runs at the write (and again at commit): the writer never reads a stale count."""
    customer, product = make_customer(), make_product(stock=100)
    assert user_api.get(URL).json()["count"] == 0
    order_place(customer=customer, items=[(product, 1)], user=admin_account)
    assert user_api.get(URL).json()["count"] == 1


def test_order_serializer_reads_the_creator_without_the_selector(admin_account):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=5), 1)], user=admin_account
    )
    assert (
        OrderSerializer(Order.objects.get(pk=order.pk)).data["created_by"] == admin_account.username
    )
