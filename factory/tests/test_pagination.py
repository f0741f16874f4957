"""The paginators `make bench` motivated: one query per report page, keys first, cached counts."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from customers.tests.factories import make_customer
from factory.api.pagination import KeysFirstPaginator, WindowCountPaginator
from products.models import Product
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_window_count_paginator_reads_page_and_count_in_one_query():
    for _ in range(5):
        make_product()
    rows = Product.objects.order_by("id").values("id", "name")
    with CaptureQueriesContext(connection) as captured:
        page = WindowCountPaginator(rows, 2).page(2)
        assert page.paginator.count == 5 and page.paginator.num_pages == 3
    assert len(captured) == 1
    assert list(page) == list(rows[2:4])  # the window column is not in the rows
    assert page.has_next() and page.has_previous()


@pytest.mark.parametrize(("per_page", "orphans"), [(3, 0), (4, 1), (10, 0)])
def test_keys_first_paginator_pages_as_django_does(per_page, orphans):
    for name in ["b", "a", "c", "a", "b", "d", "a"]:  # ties: the id breaks them
        make_customer(name=name)
    rows = Customer.objects.order_by("name", "id")
    plain, keys_first = (
        Paginator(rows, per_page, orphans),
        KeysFirstPaginator(rows, per_page, orphans),
    )
    assert keys_first.num_pages == plain.num_pages
    for number in plain.page_range:
        with CaptureQueriesContext(connection) as captured:
            page = keys_first.page(number)
        assert list(page) == list(plain.page(number))
        assert page.has_next() == plain.page(number).has_next()
        assert len(captured) == 2  # the keys, the rows (the count was read once, before)
        assert "ORDER BY" in captured[0]["sql"] and "LIMIT" in captured[0]["sql"]
    with pytest.raises(EmptyPage):
        keys_first.page(plain.num_pages + 1)


def test_window_count_paginator_past_the_end_and_empty():
    make_product()
    rows = Product.objects.order_by("id").values("id")
    with pytest.raises(EmptyPage):
        WindowCountPaginator(rows, 2).page(2)
    empty = WindowCountPaginator(rows.none(), 2).page(1)
    assert empty.paginator.count == 0 and list(empty) == []


def test_window_count_paginator_refuses_digits_other_than_ascii():
    make_product()
    rows = Product.objects.order_by("id").values("id")
    with pytest.raises(PageNotAnInteger):  # not a ValueError from int("²")
        WindowCountPaginator(rows, 2).page("²")


def test_window_count_paginator_page_beyond_any_offset_is_past_the_end():
    make_product()
    rows = Product.objects.order_by("id").values("id")
    with pytest.raises(EmptyPage):  # not an SQL error from an OFFSET MariaDB cannot take
        WindowCountPaginator(rows, 100).page(10**18)
