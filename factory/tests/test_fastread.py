"""The fast list serializer gives exactly DRF's representation, on every list of the demo data."""

import datetime
import json
import zoneinfo
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.urls import resolve
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from accounts.views import RoleViewSet, UserViewSet
from customers.views import CustomerViewSet
from employees.views import EmployeeViewSet
from events.views import EventViewSet
from factory.api.fastread import compile_serializer, fast_list
from orders.views import InvoiceViewSet, OrderViewSet
from production.views import BOMViewSet, ProductionViewSet
from products.models import Product
from products.selectors import movement_list
from products.serializers import MovementSerializer
from products.views import ProductViewSet
from purchasing.views import PurchaseOrderViewSet, SupplierViewSet

pytestmark = pytest.mark.django_db

VIEWSETS = [
    ProductViewSet,
    OrderViewSet,
    CustomerViewSet,
    EmployeeViewSet,
    ProductionViewSet,
    SupplierViewSet,
    PurchaseOrderViewSet,
    BOMViewSet,
    InvoiceViewSet,
    UserViewSet,
    RoleViewSet,
    EventViewSet,
]


@pytest.fixture
def demo(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # seed_demo writes .demo-logins in the working directory
    call_command("seed_demo", "--size", "small", "--seed", "7")
    capsys.readouterr()


def rendered(data) -> object:
    return json.loads(JSONRenderer().render(data))


def drf_request():
    return Request(APIRequestFactory().get("/api/", HTTP_HOST="127.0.0.1"))


def test_fast_lists_are_drfs_representation(demo):
    """Every list viewset's rows and a product's ledger, as DRF and as the fast path give them."""
    for viewset in VIEWSETS:
        view = viewset(action="list", request=drf_request(), format_kwarg=None, kwargs={})
        serializer_class = view.get_serializer_class()
        rows = list(view.get_queryset()[:60])
        assert rows, f"the demo data has rows for {viewset.__name__}"
        context = view.get_serializer_context()
        expected = rendered(serializer_class(rows, many=True, context=context).data)
        fast = rendered(fast_list(serializer_class, rows, context=context).data)
        assert fast == expected, viewset.__name__
        assert rendered(view.get_serializer(rows, many=True).data) == expected, viewset.__name__
    product = Product.objects.order_by("-stock").first()
    rows = list(movement_list(product=product)[:60])
    assert rows
    expected = rendered(MovementSerializer(rows, many=True).data)
    assert rendered(fast_list(MovementSerializer, rows).data) == expected


class Moment(serializers.Serializer):
    at = serializers.DateTimeField()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/St_Johns"])
def test_date_times_are_drfs_in_the_current_time_zone(zone):
    """The fast path reads the time zone once a list: the same text as DRF's, in any zone."""
    moments = [
        datetime.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=datetime.UTC),  # before DST
        datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.UTC),  # no microseconds
        datetime.datetime(2026, 12, 1, 12, 30, 5, 1, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")),
    ]
    rows = [SimpleNamespace(at=moment) for moment in moments]
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        expected = Moment(rows, many=True).data
        assert fast_list(Moment, rows).data == expected
    assert expected[1]["at"].endswith("Z") == (zone == "UTC")
    assert compile_serializer(Moment())(rows[0]) == Moment(rows[0]).data  # outside a list


def test_a_missing_related_object_is_null_and_pages_repeat(demo, admin_api):
    from orders.models import Order
    from orders.serializers import OrderSerializer

    order = Order.objects.filter(invoice__isnull=True).first()
    assert order is not None
    represent = compile_serializer(OrderSerializer())
    assert represent(order)["invoice"] is None
    assert rendered(represent(order)) == rendered(OrderSerializer(order).data)
    # The API's pages (fast path) keep their shape and repeat.
    for url in ("/api/orders/?page_size=100", "/api/production/?page_size=100"):
        first, second = admin_api.get(url), admin_api.get(url)
        assert first.status_code == 200
        assert first.json() == second.json()
        assert resolve(url.split("?")[0]).func.cls in VIEWSETS


def _page_lists():
    """(list URL, the selector of its single rows, their DRF serializer) of every list whose
    page attaches plain related rows instead of prefetching model instances."""
    from orders.selectors import invoice_list, order_list
    from orders.serializers import InvoiceSerializer, OrderSerializer
    from production.selectors import bom_list, production_list
    from production.serializers import BOMSerializer, ProductionSerializer
    from purchasing.selectors import purchase_order_list
    from purchasing.serializers import PurchaseOrderSerializer

    return [
        ("/api/orders/", order_list, OrderSerializer),
        ("/api/invoices/", invoice_list, InvoiceSerializer),
        ("/api/production/", production_list, ProductionSerializer),
        ("/api/purchase-orders/", purchase_order_list, PurchaseOrderSerializer),
        ("/api/boms/", bom_list, BOMSerializer),
    ]


PAGE_QUERIES = ["page_size=100", "page=2&ordering=-id", "cursor=&page_size=30"]


def test_the_plain_row_pages_are_drfs_representation(demo, admin_api):
    """The lists that attach plain rows (e.g. orders.selectors.order_page) give the same
    bytes as DRF's serializer on the prefetched model instances, whatever the page."""
    for url, selector, serializer_class in _page_lists():
        for query in PAGE_QUERIES:
            body = admin_api.get(f"{url}?{query}").json()
            ids = [row["id"] for row in body["results"]]
            assert 0 < len(ids) <= (10 if "page=2" in query else int(query.rsplit("=", 1)[1]))
            by_pk = selector().in_bulk(ids)
            expected = rendered(serializer_class([by_pk[pk] for pk in ids], many=True).data)
            # Key order too: the same bytes, not only the same values.
            assert json.dumps(body["results"]) == json.dumps(expected), f"{url}?{query}"
