"""The reports' fast read path gives DRF's exact bytes: compiled statements, plain row functions,
memoised parameters and cached bodies (reports.statements, reports.serializers)."""

import datetime
import functools
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Count, Window
from django.test import override_settings
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from production.models import ProductionRecord
from products.models import Product
from reports import serializers as s
from reports import urls
from reports.renderers import CSVRenderer
from reports.statements import ReportRows

pytestmark = pytest.mark.django_db
BASE = "/api/reports/"
VIEWS = [pattern.callback.view_class for pattern in urls.urlpatterns]


@pytest.fixture
def demo(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # seed_demo writes .demo-logins in the working directory
    call_command("seed_demo", "--size", "small", "--seed", "7")
    capsys.readouterr()


@pytest.fixture
def clerk_api(demo):
    """The demo's clerk (role user), signed in."""
    from accounts.models import User
    from conftest import bearer_client

    return bearer_client(User.objects.get(username="clerk"))


def queries(view_class) -> list[str]:
    day = ProductionRecord.objects.order_by("-date").values_list("date", flat=True).first()
    wanted = {
        "employee-production": [f"date_from={day - datetime.timedelta(days=20)}"],
        "top-selling-products": [f"date_to={day}"],
        "product-margins": [f"date_from={day - datetime.timedelta(days=60)}&date_to={day}"],
        "customer-lifetime-value": ["threshold=100.50"],
    }
    base = "" if view_class.name != "production" else f"date={day}"
    paged = [f"{base}&page_size=3&page=2", f"{base}&page_size=3&page=last", f"{base}&page_size=100"]
    paged.append(f"{base}&page=9999")
    return [base, *paged, *wanted.get(view_class.name, [])]


def drf_page(view_class, query: str) -> tuple[int, bytes]:
    """The page as the reports built it before the fast path: the selector's queryset through
    WindowCountPaginator, DRF's row serializer and DRF's own JSON encoder."""
    request = Request(APIRequestFactory().get(f"{BASE}{view_class.name}/?{query}"))
    view = view_class()
    view.request, view.format_kwarg = request, None
    params = view.params_class(data=request.query_params)
    params.is_valid(raise_exception=True)
    paginator = view.pagination_class()
    try:
        page = paginator.paginate_queryset(
            view.rows(**view.arguments(params.validated_data)), request, view=view
        )
    except Exception as error:  # a page past the end: the 404 the API answers
        return error.status_code, json.dumps({"detail": str(error.detail)}).encode()
    data = paginator.get_paginated_response(view.row_class(page, many=True).data).data
    return 200, JSONRenderer().render(data)


@pytest.mark.parametrize("cache_seconds", [0, 300], ids=["uncached", "cached"])
def test_every_report_page_is_the_bytes_drf_made(clerk_api, cache_seconds):
    with override_settings(REPORT_CACHE_SECONDS=cache_seconds):
        for view_class in VIEWS:
            for query in queries(view_class):
                status, body = drf_page(view_class, query)
                for _ in range(2):  # computed, then (when cached) from the cache
                    response = clerk_api.get(f"{BASE}{view_class.name}/?{query}")
                    assert response.status_code == status, (view_class.name, query)
                    assert response["Content-Type"] == "application/json"
                    if status == 200:
                        assert response.content == body, (view_class.name, query)
                    else:
                        assert json.loads(response.content) == json.loads(body)


def test_every_report_csv_is_the_bytes_drf_made(clerk_api):
    for view_class in VIEWS:
        query = queries(view_class)[0]
        request = Request(APIRequestFactory().get(f"{BASE}{view_class.name}/?{query}"))
        params = view_class.params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        view = view_class()
        rows = view.row_class(view.rows(**view.arguments(params.validated_data)), many=True).data
        expected = CSVRenderer().render({"columns": list(view.row_class().fields), "rows": rows})
        response = clerk_api.get(f"{BASE}{view_class.name}/?{query}&format=csv")
        assert response.status_code == 200 and response.content == expected, view_class.name


@override_settings(REPORT_CACHE_SECONDS=300)
def test_a_cached_page_answers_as_the_computed_one_and_apart_from_other_renderings(
    clerk_api,
):
    url = f"{BASE}stock-valuation/?page_size=2"
    computed = clerk_api.get(url)
    indented = clerk_api.get(url, HTTP_ACCEPT="application/json; indent=2")
    cached = clerk_api.get(url)
    assert computed.content == cached.content and b"\n" not in cached.content
    assert {key: cached[key] for key in ("Content-Type", "Vary", "Allow")} == {
        key: computed[key] for key in ("Content-Type", "Vary", "Allow")
    }
    assert indented.content.startswith(b'{\n  "count"')
    assert json.loads(indented.content) == json.loads(cached.content)
    assert clerk_api.get(url, HTTP_ACCEPT="application/json; indent=2").content == indented.content


def test_statement_rows_are_the_querysets_rows(demo):
    """Every report's selector, with and without the window count, at every slice a page uses."""
    for view_class in VIEWS:
        view = view_class()
        request = Request(APIRequestFactory().get(f"{BASE}?{queries(view_class)[0]}"))
        params = view.params_class(data=request.query_params)
        params.is_valid(raise_exception=True)
        arguments = view.arguments(params.validated_data)
        rows = ReportRows(view_class.name, functools.partial(view.rows, **arguments), "default")
        window = {"window_total_count": Window(Count("*"))}
        queryset = view.rows(**arguments)
        for start, stop in [(0, 2), (2, 4), (0, 100), (1000, 1010)]:
            assert rows[start:stop] == list(queryset[start:stop]), view_class.name
            counted = list(queryset.annotate(**window)[start:stop])
            assert rows.annotate(**window)[start:stop] == counted, view_class.name
            assert rows[start:stop] == list(queryset[start:stop])  # compiled once, run again
        assert rows.count() == queryset.count()


def test_a_statement_no_row_can_match_reads_nothing(db, django_assert_num_queries):
    def nothing():
        return Product.objects.filter(pk__in=[]).values("id").order_by("id")

    with django_assert_num_queries(0):
        assert ReportRows("nothing", nothing, "default")[0:10] == []


def test_plain_rows_are_drfs_representation():
    """Each converter's cases: None, a decimal at and off its places, too many digits, scaled
    integers and the margins' whole-row fields."""
    cases = [
        (
            s.ReorderRow,
            {
                "product_id": 1,
                "product_name": "A",
                "supplier_id": None,
                "supplier_name": None,
                "stock": 0,
                "on_order": 3,
                "reorder_level": 5,
                "suggested_quantity": 3,
            },
        ),
        (
            s.TopSellingProductRow,
            {
                "product_id": 2,
                "product_name": 7,
                "total_quantity": Decimal("4"),
                "revenue": Decimal("12.5"),
            },
        ),
        (
            s.TopSellingProductRow,
            {
                "product_id": 2,
                "product_name": "B",
                "total_quantity": 4,
                "revenue": Decimal("12.50"),
            },
        ),
        (
            s.TopSellingProductRow,
            {"product_id": 2, "product_name": "B", "total_quantity": 4, "revenue": 3},
        ),
        (
            s.CustomerLifetimeValueRow,
            {
                "customer_id": 3,
                "customer_name": "C",
                "email": "c@example.com",
                "orders_count": 2,
                "lifetime_value": Decimal("-0.10"),
            },
        ),
        (
            s.ReceivablesRow,
            {
                "invoice_id": 4,
                "number": "INV-2026-000001",
                "customer_id": 3,
                "customer_name": "C",
                "total": Decimal("1.00"),
                "due_on": datetime.date(2026, 1, 31),
                "days_overdue": 0,
            },
        ),
        (
            s.StockValuationRow,
            {
                "product_id": 5,
                "product_name": "E",
                "stock": 3,
                "unit": "pcs",
                "average_cost": Decimal("1.2345"),
                "value_cents": 370,
            },
        ),
        (
            s.ProductMarginRow,
            {
                "product_id": 6,
                "product_name": "F",
                "quantity": 2,
                "revenue_cents": 0,
                "margin_e4": 0,
            },
        ),
        (
            s.ProductMarginRow,
            {
                "product_id": 6,
                "product_name": "F",
                "quantity": 2,
                "revenue_cents": Decimal("1999"),
                "margin_e4": -12345,
            },
        ),
    ]
    for row_class, row in cases:
        assert s.represent_row(row_class)(row) == row_class(row).data, row
    too_long = {
        "product_id": 2,
        "product_name": "B",
        "total_quantity": 4,
        "revenue": Decimal("1" * 25 + ".00"),
    }
    with pytest.raises(Exception) as drf:
        s.TopSellingProductRow(too_long).data  # noqa: B018 -- DRF refuses more than max_digits
    with pytest.raises(drf.type):
        s.represent_row(s.TopSellingProductRow)(too_long)


def test_parameters_are_validated_once_per_set_of_values_and_refused_every_time():
    parameters = s.ReportParameters(s.DateRangeParams)
    query = {"date_from": "2024-05-01"}

    class Query(dict):
        def getlist(self, name):
            return [self[name]]

    first = parameters.validated(Query(query))
    first["date_from"] = "changed"
    assert parameters.validated(Query(query)) == {"date_from": datetime.date(2024, 5, 1)}
    assert parameters.validated(Query({"unrelated": "x"})) == {}
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            parameters.validated(Query({"date_from": "2024-05-02", "date_to": "2024-05-01"}))
        assert "date_to" in refused.value.detail
    assert s.ReportParameters(s.ThresholdParams).validated(Query({})) == {"threshold": Decimal("0")}
