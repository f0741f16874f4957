"""Each report against an oracle computed here, in Python, from the data the test creates."""

import csv
import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from orders.models import Order, OrderItem
from orders.services import order_cancel, order_place
from production.models import ProductionRecord
from production.services import production_create
from products.models import Product
from products.services import product_update
from products.tests.factories import make_product

pytestmark = pytest.mark.django_db
BASE = "/api/reports/"


@pytest.fixture
def world(admin_account):
    """Three customers, four products, three employees, production over a week, orders (one cancelled)."""
    today = timezone.localdate()
    customers = [make_customer(name=f"C{i}") for i in range(3)]
    products = [
        make_product(name=f"P{i}", price=Decimal(price), stock=0, reorder_level=level)
        for i, (price, level) in enumerate([("10.00", 50), ("2.50", 0), ("7.25", 5), ("0.99", 500)])
    ]
    employees = [make_employee(name=f"E{i}") for i in range(3)]
    plan = [(0, 0, 30, 0), (0, 1, 20, 1), (1, 2, 25, 0), (2, 0, 30, 3), (2, 3, 40, 3), (1, 1, 5, 6)]
    for emp, prod, qty, days_ago in plan:
        production_create(
            product=products[prod],
            employee=employees[emp],
            quantity=qty,
            date=today - datetime.timedelta(days=days_ago),
            user=admin_account,
        )
    orders = [
        order_place(
            customer=customers[0], items=[(products[0], 5), (products[1], 4)], user=admin_account
        ),
        order_place(customer=customers[1], items=[(products[0], 3)], user=admin_account),
        order_place(
            customer=customers[1], items=[(products[2], 9), (products[3], 30)], user=admin_account
        ),
        order_place(customer=customers[2], items=[(products[1], 1)], user=admin_account),
    ]
    order_cancel(order=orders[3], user=admin_account)
    return {
        "customers": customers,
        "products": products,
        "employees": employees,
        "orders": orders,
        "today": today,
    }


def get(api, name, query=""):
    response = api.get(f"{BASE}{name}/?page_size=100&{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_employee_production_matches_oracle(user_api, world):
    totals = defaultdict(int)
    names = {}
    for record in ProductionRecord.objects.select_related("employee"):
        totals[record.employee_id] += record.quantity
        names[record.employee_id] = record.employee.name
    expected = [
        {"employee_id": pk, "employee_name": names[pk], "total_quantity": total}
        for pk, total in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    assert get(user_api, "employee-production") == expected
    since = world["today"] - datetime.timedelta(days=2)
    recent = defaultdict(int)
    for record in ProductionRecord.objects.filter(date__gte=since):
        recent[record.employee_id] += record.quantity
    assert [
        (r["employee_id"], r["total_quantity"])
        for r in get(user_api, "employee-production", f"date_from={since}")
    ] == sorted(recent.items(), key=lambda kv: (-kv[1], kv[0]))


def test_top_selling_products_excludes_cancelled_and_matches_oracle(user_api, world):
    quantity, revenue = defaultdict(int), defaultdict(Decimal)
    for item in OrderItem.objects.filter(order__status="placed"):
        quantity[item.product_id] += item.quantity
        revenue[item.product_id] += item.unit_price * item.quantity
    names = dict(Product.objects.values_list("pk", "name"))
    expected = [
        {
            "product_id": pk,
            "product_name": names[pk],
            "total_quantity": q,
            "revenue": f"{revenue[pk]:.2f}",
        }
        for pk, q in sorted(quantity.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    assert get(user_api, "top-selling-products") == expected
    ordered_on = timezone.localdate(world["orders"][-1].created_at)  # not a midnight later
    tomorrow = ordered_on + datetime.timedelta(days=1)
    assert get(user_api, "top-selling-products", f"date_from={tomorrow}") == []


def test_top_selling_products_ties_break_by_product_id(user_api, admin_account):
    customer = make_customer()
    a, b = make_product(stock=5), make_product(stock=5)
    order_place(customer=customer, items=[(b, 2), (a, 2)], user=admin_account)
    assert [r["product_id"] for r in get(user_api, "top-selling-products")] == [a.pk, b.pk]


def test_customer_lifetime_value_with_threshold(user_api, world):
    totals, counts = defaultdict(Decimal), defaultdict(int)
    for order in Order.objects.filter(status="placed"):
        totals[order.customer_id] += order.total
        counts[order.customer_id] += 1
    customers = {c.pk: c for c in world["customers"]}

    def expected(threshold):
        return [
            {
                "customer_id": pk,
                "customer_name": customers[pk].name,
                "email": customers[pk].email,
                "orders_count": counts[pk],
                "lifetime_value": f"{value:.2f}",
            }
            for pk, value in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
            if value > threshold
        ]

    assert get(user_api, "customer-lifetime-value") == expected(Decimal("0"))
    middle = sorted(totals.values())[0]
    assert get(user_api, "customer-lifetime-value", f"threshold={middle}") == expected(middle)
    assert len(expected(middle)) == len(totals) - 1


def test_production_on_a_date(user_api, world):
    day = world["today"] - datetime.timedelta(days=3)
    totals = defaultdict(int)
    for record in ProductionRecord.objects.filter(date=day):
        totals[record.product_id] += record.quantity
    rows = get(user_api, "production", f"date={day}")
    assert [(r["product_id"], r["total_quantity"]) for r in rows] == sorted(
        totals.items(), key=lambda kv: (-kv[1], kv[0])
    )
    assert rows and get(user_api, "production", "date=2001-01-01") == []


def test_low_stock_lists_products_at_or_below_a_set_reorder_level(user_api, world):
    expected = [
        {
            "product_id": p.pk,
            "product_name": p.name,
            "stock": p.stock,
            "reorder_level": p.reorder_level,
            "shortfall": p.reorder_level - p.stock,
        }
        for p in Product.objects.all()
        if p.reorder_level > 0 and p.stock <= p.reorder_level
    ]
    expected.sort(key=lambda r: (-r["shortfall"], r["product_id"]))
    assert get(user_api, "low-stock") == expected
    assert all(r["reorder_level"] > 0 for r in expected) and expected


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("production", "", "date"),
        ("production", "date=2024-02-30", "date"),
        ("production", "date=yesterday", "date"),
        ("employee-production", "date_from=2024-13-01", "date_from"),
        ("employee-production", "date_from=2024-05-02&date_to=2024-05-01", "date_to"),
        ("top-selling-products", "date_to=x", "date_to"),
        ("customer-lifetime-value", "threshold=lots", "threshold"),
        ("customer-lifetime-value", "threshold=1e99", "threshold"),
    ],
)
def test_report_bad_parameters_are_400(user_api, name, query, field):
    response = user_api.get(f"{BASE}{name}/?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_report_is_404_json(user_api):
    response = user_api.get(f"{BASE}best-customers/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_reports_need_the_view_reports_permission(anon_api, db):
    from accounts.models import Role
    from conftest import bearer_client, make_user

    Role.objects.create(name="no-reports")
    outsider = bearer_client(make_user("outsider", "no-reports"))
    for name in [
        "employee-production",
        "top-selling-products",
        "customer-lifetime-value",
        "low-stock",
    ]:
        assert anon_api.get(f"{BASE}{name}/").status_code == 401
        assert outsider.get(f"{BASE}{name}/").status_code == 403


def test_report_csv_has_header_and_every_row(user_api, world):
    response = user_api.get(f"{BASE}top-selling-products/?format=csv&page_size=1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="top-selling-products-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["product_id", "product_name", "total_quantity", "revenue"]
    json_rows = get(user_api, "top-selling-products")
    assert rows[1:] == [
        [str(r["product_id"]), r["product_name"], str(r["total_quantity"]), r["revenue"]]
        for r in json_rows
    ]


def test_report_csv_bad_parameters_are_still_400(user_api):
    response = user_api.get(f"{BASE}production/?format=csv")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "name,query",
    [
        ("employee-production", ""),
        ("top-selling-products", ""),
        ("customer-lifetime-value", ""),
        ("production", "date=TODAY"),
        ("low-stock", ""),
    ],
)
@pytest.mark.parametrize("page_size", [2, 100])
def test_report_page_query_count_is_constant(
    user_api, world, django_assert_max_num_queries, name, query, page_size
):
    query = query.replace("TODAY", world["today"].isoformat())
    with django_assert_max_num_queries(4):
        response = user_api.get(f"{BASE}{name}/?page_size={page_size}&{query}")
    assert response.status_code == 200


@override_settings(REPORT_CACHE_SECONDS=300)
def test_cached_report_is_fresh_after_every_kind_of_write(
    user_api,
    admin_account,
    world,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    url = f"{BASE}top-selling-products/?page_size=100"
    first = user_api.get(url).json()
    with django_assert_max_num_queries(2):  # auth only: the report comes from the cache
        assert user_api.get(url).json() == first

    def committed(write):
        """Run a write and its on-commit hooks, as a real commit would."""
        with django_capture_on_commit_callbacks(execute=True):
            write()

    p0 = world["products"][0]
    committed(
        lambda: order_place(customer=world["customers"][0], items=[(p0, 1)], user=admin_account)
    )
    after_order = user_api.get(url).json()
    assert after_order != first

    committed(lambda: order_cancel(order=world["orders"][1], user=admin_account))
    after_cancel = user_api.get(url).json()
    assert after_cancel != after_order

    committed(lambda: product_update(product=p0, name="Renamed"))
    assert "Renamed" in {row["product_name"] for row in user_api.get(url).json()["results"]}

    low = f"{BASE}low-stock/"
    before = user_api.get(low).json()
    committed(
        lambda: production_create(
            product=world["products"][3],
            employee=world["employees"][0],
            quantity=1,
            user=admin_account,
        )
    )
    assert user_api.get(low).json() != before


@override_settings(REPORT_CACHE_SECONDS=300)
@pytest.mark.parametrize("csv_first", [False, True], ids=["json-first", "csv-first"])
def test_cached_report_keeps_the_json_page_and_the_csv_apart(user_api, world, csv_first):
    """One URL, two renderings: each is cached as its own shape, whichever is asked first."""
    url = f"{BASE}low-stock/"

    def as_json():
        response = user_api.get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        return response.json()

    def as_csv():
        response = user_api.get(url, HTTP_ACCEPT="text/csv")
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(response.content.decode())))

    if csv_first:
        rows, page = as_csv(), as_json()
    else:
        page, rows = as_json(), as_csv()
    assert isinstance(page, dict), page
    assert set(page) == {"count", "next", "previous", "results"} and page["count"] > 0
    assert rows[0] == list(page["results"][0]) and len(rows) == page["count"] + 1
    assert (as_json(), as_csv()) == (page, rows)  # now both from the cache


def _csv_asked(api, url, how, method="get"):
    """Request `url` asking for CSV `how`: by `?format=csv` or by the Accept header."""
    if how == "format":
        return getattr(api, method)(f"{url}{'&' if '?' in url else '?'}format=csv")
    return getattr(api, method)(url, HTTP_ACCEPT="text/csv")


@pytest.mark.parametrize("how", ["format", "accept"])
def test_report_errors_and_options_are_json_when_csv_is_asked_for(anon_api, user_api, how):
    from accounts.models import Role
    from conftest import bearer_client, make_user

    Role.objects.create(name="no-reports")
    outsider = bearer_client(make_user("outsider", "no-reports"))
    answers = {
        400: _csv_asked(user_api, f"{BASE}production/", how),
        401: _csv_asked(anon_api, f"{BASE}production/?date=2024-05-01", how),
        403: _csv_asked(outsider, f"{BASE}production/?date=2024-05-01", how),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert response["Content-Type"] == "application/json"
        assert "Content-Disposition" not in response
    assert answers[400].json() == {"date": ["This field is required."]}
    assert set(answers[401].json()) == {"detail"} and set(answers[403].json()) == {"detail"}
    bad_page_size = _csv_asked(user_api, f"{BASE}low-stock/?page_size=lots", how)
    assert bad_page_size.status_code == 400 and "page_size" in bad_page_size.json()
    options = _csv_asked(user_api, f"{BASE}low-stock/", how, method="options")
    assert options.status_code == 200 and options["Content-Type"] == "application/json"
    assert options.json()["name"] == "low-stock"


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_top_selling_products_up_to_the_last_representable_day_is_unbounded(user_api, world, fmt):
    """`date_to=9999-12-31` (the day after it has no datetime) includes every order placed."""
    every_row = get(user_api, "top-selling-products")
    assert every_row
    url = f"{BASE}top-selling-products/?page_size=100&date_to=9999-12-31&format={fmt}"
    response = user_api.get(url)
    assert response.status_code == 200, response.content
    if fmt == "json":
        assert response.json()["results"] == every_row
    else:
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [int(row["product_id"]) for row in rows] == [r["product_id"] for r in every_row]
    since_today = get(user_api, "top-selling-products", f"date_from={world['today']}")
    assert since_today == get(
        user_api, "top-selling-products", f"date_from={world['today']}&date_to=9999-12-31"
    )


def test_report_schema_documents_csv_rows_and_json_errors(admin_api):
    schema = admin_api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    responses = schema.json()["paths"][f"{BASE}production/"]["get"]["responses"]
    assert set(responses["200"]["content"]) == {"application/json", "text/csv"}
    for status in ["400", "401", "403", "404", "429"]:
        assert set(responses[status]["content"]) == {"application/json"}, status
