"""SPEC §11: every list and report page issues the same number of queries whatever its page size.

One test per endpoint, each at a page size of 2 and of 25 over more rows than that: the
maximum is the same for both, so a query per row (N+1) fails the larger page. Endpoints of
apps whose own tests already check this are covered again here, so the rule has one home.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import Role
from conftest import make_user
from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from events.models import Delivery, DeliveryAttempt, Event
from events.tests.factories import make_webhook
from orders.invoicing import invoice_issue
from orders.services import order_cancel, order_place
from production.services import bom_activate, bom_create, production_create
from products.services import stock_adjust
from products.tests.factories import make_product
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order, make_supplier

pytestmark = pytest.mark.django_db
ROWS = 30
PAGE_SIZES = [2, 25]


@pytest.fixture
def world(admin_account):
    """ROWS of everything: products with ledgers, customers, employees, production, orders, users, roles."""
    today = timezone.localdate()
    products = [make_product(stock=1_000, reorder_level=2_000) for _ in range(ROWS)]
    for delta in range(1, ROWS):
        stock_adjust(product=products[0], delta=delta, user=admin_account)
    # Every product has an active bill of materials, so every production record consumes.
    raw = [make_product(stock=100_000) for _ in range(3)]
    for i, product in enumerate(products):
        lines = [(raw[0], 1), (raw[1], 2)] if i % 2 else [(raw[2], 1), (raw[1], 1), (raw[0], 3)]
        bom_activate(bom=bom_create(product=product, lines=lines, user=admin_account))
    customers = [make_customer() for _ in range(ROWS)]
    employees = [make_employee() for _ in range(ROWS)]
    for i in range(ROWS):
        production_create(
            product=products[i],
            employee=employees[i],
            quantity=1 + i,
            date=today - datetime.timedelta(days=i % 3),
            user=admin_account,
        )
        order = order_place(
            customer=customers[i],
            items=[(products[i], 1 + i % 4), (products[(i + 1) % ROWS], 1)],
            user=admin_account,
        )
        if i % 7 == 0:
            order_cancel(order=order, user=admin_account)
        else:
            invoice_issue(order=order, user=admin_account)
    for i in range(ROWS):
        # Purchase orders of their own suppliers, on the products above (so `on_order` and the
        # reorder report have rows); every third partly received.
        supplier = make_supplier()
        products[i].default_supplier = supplier
        products[i].save(update_fields=["default_supplier"])
        order = make_purchase_order(
            user=admin_account,
            supplier=supplier,
            lines=[(products[i], 5, "1.0000"), (products[(i + 2) % ROWS], 3, "2.0000")],
            place=i % 2 == 0,
        )
        if i % 6 == 0:
            line = order.lines.order_by("id").first()
            purchase_order_receive(order=order, receipts=[(line.pk, 2)], user=admin_account)
    permissions = list(Permission.objects.all()[:5])
    for i in range(ROWS):
        make_user(f"user{i}")
        Role.objects.create(name=f"role-{i}").permissions.set(permissions)
    # Webhooks, and one with ROWS deliveries of two attempts each (the events above are ROWS+).
    webhooks = [make_webhook(f"https://hooks.example.com/{i}") for i in range(ROWS)]
    for event in Event.objects.all()[:ROWS]:
        delivery = Delivery.objects.create(webhook=webhooks[0], event=event, status="failed")
        DeliveryAttempt.objects.bulk_create(
            DeliveryAttempt(
                delivery=delivery,
                number=n,
                started_at=event.created_at,
                finished_at=event.created_at,
                outcome="failed",
            )
            for n in (1, 2)
        )
    return {"today": today, "product": products[0], "webhook": webhooks[0]}


# endpoint: (url, most queries a page may take: sign-in and permissions included).
# Sign-in reads the user (1) and, for the clerk, the role's permissions (1); a list then
# counts (1) and reads its page (1), plus one per prefetched relation; a report reads its
# page and its count in one query (factory.api.pagination.WindowCountPaginator).
ENDPOINTS = {
    "products": ("/api/products/", 4),
    "movements": ("/api/products/{product}/movements/", 5),  # + the product
    "customers": ("/api/customers/", 5),  # the page's keys, then its rows (KeysFirstPaginator)
    "employees": ("/api/employees/", 4),
    "production": ("/api/production/", 5),  # names in the page query; + BOM lines
    "boms": ("/api/boms/", 5),  # + lines with their components
    "orders": ("/api/orders/", 7),  # + customers, items with products, invoices
    "invoices": ("/api/invoices/", 5),  # + lines
    "users": ("/api/users/", 3),
    "roles": ("/api/roles/", 6),  # + permissions, content types
    "report employee-production": ("/api/reports/employee-production/", 3),
    "report top-selling-products": ("/api/reports/top-selling-products/", 3),
    "report customer-lifetime-value": ("/api/reports/customer-lifetime-value/", 3),
    "report production": ("/api/reports/production/?date={today}", 3),
    "report low-stock": ("/api/reports/low-stock/", 3),
    "report reorder": ("/api/reports/reorder/", 3),
    "suppliers": ("/api/suppliers/", 4),
    "purchase orders": ("/api/purchase-orders/", 5),  # names in the page query; + lines
    "report receivables": ("/api/reports/receivables/", 3),
    "events": ("/api/events/", 3),
    "webhooks": ("/api/webhooks/", 3),
    "webhook deliveries": ("/api/webhooks/{webhook}/deliveries/", 5),  # + webhook, attempts
    "report stock-valuation": ("/api/reports/stock-valuation/", 3),  # total_value: same query
    "report product-margins": ("/api/reports/product-margins/", 3),
}


# Read as the clerk (role user), whose permissions are looked up per request; users and
# roles need the admin role, whose every permission needs no lookup.
ADMIN_ONLY = {"users", "roles", "events", "webhooks", "webhook deliveries"}


@pytest.mark.parametrize("page_size", PAGE_SIZES)
@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_page_query_count_does_not_grow_with_page_size(
    admin_api, user_api, world, django_assert_max_num_queries, endpoint, page_size
):
    template, most = ENDPOINTS[endpoint]
    url = template.format(
        product=world["product"].pk, today=world["today"].isoformat(), webhook=world["webhook"].pk
    )
    url += ("&" if "?" in url else "?") + f"page_size={page_size}"
    api = admin_api if endpoint in ADMIN_ONLY else user_api
    with django_assert_max_num_queries(most):
        response = api.get(url)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    if endpoint == "production":  # what each record consumed is on the page, not a query a row
        assert all(row["bom"] and row["consumed"] for row in body["results"])
    if endpoint != "report production":  # one day's production has fewer rows than a page
        assert len(body["results"]) == page_size
        assert body["count"] >= page_size
