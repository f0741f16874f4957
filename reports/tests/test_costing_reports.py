"""SPEC §15's reports, stock-valuation and product-margins, against hand-computed numbers."""

import csv
import datetime
import io
from decimal import Decimal as D

import pytest
from django.test import override_settings
from django.utils import timezone

from customers.tests.factories import make_customer
from orders.models import Order
from orders.services import order_cancel, order_place
from products.services import stock_adjust
from products.tests.factories import make_product
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order

pytestmark = pytest.mark.django_db
VALUATION = "/api/reports/stock-valuation/"
MARGINS = "/api/reports/product-margins/"


@pytest.fixture
def stock():
    """Four products in stock and one without; values that round at the half cent."""
    return [
        make_product(name="Bolt", stock=3, unit_cost=D("0.0015")),  # 0.0045 -> 0.00
        make_product(name="Nut", stock=5, unit_cost=D("0.0010")),  # 0.0050 -> 0.01 (half-up)
        make_product(name="Gear", stock=7, unit_cost=D("2.3333")),  # 16.3331 -> 16.33
        make_product(name="Axle", stock=2, unit_cost=D("8.1650")),  # 16.3300 -> 16.33 (a tie)
        make_product(name="Empty"),  # no stock: not a row
    ]


def test_stock_valuation_rows_values_order_and_total(user_api, stock):
    body = user_api.get(VALUATION).json()
    bolt, nut, gear, axle, _ = stock
    assert body["results"] == [
        {
            "product_id": gear.pk,
            "product_name": "Gear",
            "stock": 7,
            "unit": "pcs",
            "average_cost": "2.3333",
            "value": "16.33",
        },
        {
            "product_id": axle.pk,
            "product_name": "Axle",
            "stock": 2,
            "unit": "pcs",
            "average_cost": "8.1650",
            "value": "16.33",
        },
        {
            "product_id": nut.pk,
            "product_name": "Nut",
            "stock": 5,
            "unit": "pcs",
            "average_cost": "0.0010",
            "value": "0.01",
        },
        {
            "product_id": bolt.pk,
            "product_name": "Bolt",
            "stock": 3,
            "unit": "pcs",
            "average_cost": "0.0015",
            "value": "0.00",
        },
    ]
    assert body["count"] == 4
    assert body["total_value"] == "32.67"  # 16.33 + 16.33 + 0.01 + 0.00: each row rounded


def test_stock_valuation_total_is_over_every_row_not_the_page(user_api, stock):
    first = user_api.get(f"{VALUATION}?page_size=1").json()
    last = user_api.get(f"{VALUATION}?page_size=1&page=4").json()
    assert len(first["results"]) == 1 and first["total_value"] == last["total_value"] == "32.67"


def test_stock_valuation_with_nothing_in_stock_totals_zero(user_api, db):
    make_product(name="Empty")
    body = user_api.get(VALUATION).json()
    assert body["results"] == [] and body["count"] == 0 and body["total_value"] == "0.00"


def test_stock_valuation_csv_has_every_row(user_api, stock):
    response = user_api.get(f"{VALUATION}?format=csv&page_size=1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["product_id", "product_name", "stock", "unit", "average_cost", "value"]
    assert [row[1] for row in rows[1:]] == ["Gear", "Axle", "Nut", "Bolt"]
    assert rows[1][4:] == ["2.3333", "16.33"]


@pytest.fixture
def sales(admin_account):
    """Gear (cost 2.0000, price 5.00) and Shim (cost 0.3333, price 0.00) sold; one order cancelled."""
    gear = make_product(name="Gear", stock=20, unit_cost=D("2.0000"), price=D("5.00"))
    shim = make_product(name="Shim", stock=20, unit_cost=D("0.3333"), price=D("0.00"))
    pin = make_product(name="Pin", stock=20, unit_cost=D("1.0000"), price=D("1.10"))
    customer = make_customer()
    order_place(customer=customer, items=[(gear, 3), (shim, 2)], user=admin_account)
    stock_adjust(product=gear, delta=3, unit_cost=D("4.0000"), user=admin_account)
    # gear: (17 x 2 + 3 x 4) / 20 = 46 / 20 = 2.3
    order_place(customer=customer, items=[(gear, 1), (pin, 7)], user=admin_account)
    cancelled = order_place(customer=customer, items=[(gear, 5)], user=admin_account)
    order_cancel(order=cancelled, user=admin_account)
    return gear, shim, pin


def test_product_margins_hand_computed(user_api, sales):
    gear, shim, pin = sales
    body = user_api.get(MARGINS).json()
    assert body["results"] == [
        # revenue 4 x 5.00; cost 3 x 2.0000 + 1 x 2.3000 = 8.3; margin 11.7; 11.7 / 20 = 58.5 %
        {
            "product_id": gear.pk,
            "product_name": "Gear",
            "quantity": 4,
            "revenue": "20.00",
            "cost": "8.3000",
            "margin": "11.7000",
            "margin_percent": "58.50",
        },
        # revenue 7 x 1.10 = 7.70; cost 7.0000; margin 0.70; 0.7 / 7.7 = 9.0909... -> 9.09 %
        {
            "product_id": pin.pk,
            "product_name": "Pin",
            "quantity": 7,
            "revenue": "7.70",
            "cost": "7.0000",
            "margin": "0.7000",
            "margin_percent": "9.09",
        },
        # given away: revenue 0, cost 2 x 0.3333; no percent of nothing
        {
            "product_id": shim.pk,
            "product_name": "Shim",
            "quantity": 2,
            "revenue": "0.00",
            "cost": "0.6666",
            "margin": "-0.6666",
            "margin_percent": None,
        },
    ]


def test_product_margins_percent_rounds_half_up(user_api, admin_account):
    # revenue 8.00, cost 7.9996: margin 0.0004 / 8 = 0.005 % -> 0.01 (half-up, not 0.00)
    part = make_product(name="Part", stock=4, unit_cost=D("1.9999"), price=D("2.00"))
    order_place(customer=make_customer(), items=[(part, 4)], user=admin_account)
    # and a loss: -0.005 % -> -0.01 (half away from zero)
    loss = make_product(name="Loss", stock=4, unit_cost=D("2.0001"), price=D("2.00"))
    order_place(customer=make_customer(), items=[(loss, 4)], user=admin_account)
    rows = {row["product_name"]: row for row in user_api.get(MARGINS).json()["results"]}
    assert rows["Part"]["margin"] == "0.0004" and rows["Part"]["margin_percent"] == "0.01"
    assert rows["Loss"]["margin"] == "-0.0004" and rows["Loss"]["margin_percent"] == "-0.01"


def test_product_margins_date_range_and_ties(user_api, admin_account):
    a = make_product(name="A", stock=10, unit_cost=D("1.0000"), price=D("2.00"))
    b = make_product(name="B", stock=10, unit_cost=D("1.0000"), price=D("2.00"))
    old = order_place(customer=make_customer(), items=[(b, 1), (a, 1)], user=admin_account)
    today = timezone.localdate()
    Order.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    order_place(customer=make_customer(), items=[(b, 2), (a, 2)], user=admin_account)
    all_rows = user_api.get(MARGINS).json()["results"]
    assert [(r["product_id"], r["quantity"], r["margin"]) for r in all_rows] == [
        (a.pk, 3, "3.0000"),
        (b.pk, 3, "3.0000"),  # the same margin: by product id
    ]
    recent = user_api.get(f"{MARGINS}?date_from={today.isoformat()}").json()["results"]
    assert [r["quantity"] for r in recent] == [2, 2]
    past = today - datetime.timedelta(days=5)
    older = user_api.get(f"{MARGINS}?date_to={past.isoformat()}").json()["results"]
    assert [r["quantity"] for r in older] == [1, 1]


@pytest.mark.parametrize(
    "query",
    ["date_from=2026-13-01", "date_from=2026-05-02&date_to=2026-05-01", "date_to=yesterday"],
)
def test_product_margins_bad_dates_are_400(user_api, query):
    response = user_api.get(f"{MARGINS}?{query}")
    assert response.status_code == 400 and response["Content-Type"] == "application/json"


def test_product_margins_csv(user_api, sales):
    rows = list(csv.reader(io.StringIO(user_api.get(f"{MARGINS}?format=csv").content.decode())))
    assert rows[0] == [
        "product_id",
        "product_name",
        "quantity",
        "revenue",
        "cost",
        "margin",
        "margin_percent",
    ]
    assert rows[1][1:] == ["Gear", "4", "20.00", "8.3000", "11.7000", "58.50"]
    assert rows[3][-1] == ""  # no percent for zero revenue


@pytest.mark.parametrize("url", [VALUATION, MARGINS])
@pytest.mark.parametrize("page_size", [1, 100])
def test_costing_report_query_count_is_constant(
    user_api, sales, django_assert_max_num_queries, url, page_size
):
    with django_assert_max_num_queries(3):  # sign-in (user, role) and the page with its count
        response = user_api.get(f"{url}?page_size={page_size}")
    assert response.status_code == 200 and response.json()["results"]


@override_settings(REPORT_CACHE_SECONDS=300)
def test_cached_costing_reports_are_never_stale(
    user_api,
    admin_account,
    sales,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    gear = sales[0]

    def committed(write):
        with django_capture_on_commit_callbacks(execute=True):
            write()

    valuation, margins = user_api.get(VALUATION).json(), user_api.get(MARGINS).json()
    with django_assert_max_num_queries(4):  # sign-in (2 a request) only: both from the cache
        assert user_api.get(VALUATION).json() == valuation
        assert user_api.get(MARGINS).json() == margins

    # A receipt at a new cost moves the average: the valuation shows it at once.
    order = make_purchase_order(user=admin_account, lines=[(gear, 4, D("9.0000"))], place=True)
    line = order.lines.get()
    committed(
        lambda: purchase_order_receive(order=order, receipts=[(line.pk, 4)], user=admin_account)
    )
    fresh = user_api.get(VALUATION).json()
    row = next(r for r in fresh["results"] if r["product_id"] == gear.pk)
    # gear: 19 at 2.3 + 4 at 9 = (43.7 + 36) / 23 = 3.46521... -> 3.4652; 23 x 3.4652 = 79.6996
    assert row["stock"] == 23 and row["average_cost"] == "3.4652" and row["value"] == "79.70"
    assert fresh["total_value"] != valuation["total_value"]

    # A sale at the new average: the margins show its cost at once.
    committed(lambda: order_place(customer=make_customer(), items=[(gear, 1)], user=admin_account))
    row = next(r for r in user_api.get(MARGINS).json()["results"] if r["product_id"] == gear.pk)
    assert (row["quantity"], row["cost"]) == (5, "11.7652")  # 8.3 + 3.4652


# --- the admin ----------------------------------------------------------------------


def test_dashboard_shows_the_stock_value_and_a_margins_chart(client, admin_account, sales):
    from django.urls import reverse

    client.force_login(admin_account)
    page = client.get(reverse("admin:reports_report_changelist")).content.decode()
    # Gear 19 x 2.3 = 43.70, Shim 18 x 0.3333 = 5.9994 -> 6.00, Pin 13 x 1 = 13.00
    assert 'id="stock-value"' in page and "62.70" in page
    assert 'id="margins"' in page and "Gear: 11.70" in page and "Shim: -0.67" in page
    assert reverse("report-stock-valuation") in page and reverse("report-product-margins") in page


def test_admin_product_page_shows_average_cost_read_only_and_adjust_takes_a_cost(
    client, admin_account
):
    from django.urls import reverse

    from products.models import Product

    client.force_login(admin_account)
    response = client.post(
        reverse("admin:products_product_add"),
        {
            "name": "Gear",
            "price": "1.00",
            "reorder_level": 0,
            "initial_stock": 4,
            "unit_cost": "2.5",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    gear = Product.objects.get(name="Gear")
    assert gear.average_cost == D("2.5000")
    page = client.get(reverse("admin:products_product_change", args=[gear.pk])).content.decode()
    assert "2.5000" in page and 'name="average_cost"' not in page
    adjust = reverse("admin:products_product_adjust", args=[gear.pk])
    refused = client.post(adjust, {"delta": -1, "unit_cost": "1.0000"})
    assert refused.status_code == 200 and "positive" in refused.content.decode()
    assert Product.objects.get(pk=gear.pk).stock == 4
    assert client.post(adjust, {"delta": 4, "unit_cost": "3.5"}).status_code == 302
    assert Product.objects.get(pk=gear.pk).average_cost == D("3.0000")  # (4 x 2.5 + 4 x 3.5) / 8
