"""What the docs say about each operation (SPEC §3): a one-line summary, a description of its own, the
JWT bearer scheme offered first, and request examples that their own endpoints accept."""

import re

import pytest
from django.db import transaction
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import get_doc
from rest_framework.test import APIClient

from accounts.models import Role, User
from accounts.roles import USER
from accounts.tests.factories import _password_hash
from conftest import bearer_client, make_user
from customers.models import Customer
from employees.models import Employee
from events.services import webhook_create
from orders.invoicing import invoice_issue
from orders.services import order_place
from production.services import bom_create, production_create
from products.models import Product
from products.services import stock_adjust
from purchasing.models import PurchaseOrderLine, Supplier
from purchasing.services import LineInput, purchase_order_create, purchase_order_place

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_operation_has_a_one_line_summary(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(schema)
        if not operation.get("summary")
        or "\n" in operation["summary"]
        or len(operation["summary"]) > 90
    ]
    assert not missing, f"operations without a one-line summary: {missing}"


def view_class_of(path: str) -> type:
    """The view class that answers a schema path, resolved with a real id in place of each
    `{param}` (a route such as `<int:pk>` matches no `{id}`, and would fall to the API's 404)."""
    func = resolve(re.sub(r"\{[^}]+\}", "1", path)).func
    # DRF's as_view() sets `cls` (viewsets and API views alike); Django's sets `view_class`.
    view_class = getattr(func, "cls", None) or getattr(func, "view_class", None)
    assert view_class is not None, f"{path} resolves to {func!r}, not a view of the schema"
    return view_class


def test_every_operation_has_a_description_of_its_own(schema):
    """Not the viewset's docstring repeated on each of its operations (a view that has one
    operation, such as a report, describes that operation with its docstring)."""
    all_operations = list(operations(schema))
    view_of = {(path, method): view_class_of(path) for path, method, _ in all_operations}
    operations_of = {}
    for view_class in view_of.values():
        operations_of[view_class] = operations_of.get(view_class, 0) + 1
    repeated = []
    for path, method, operation in all_operations:
        view_class = view_of[path, method]
        description = operation.get("description", "")
        shared = operations_of[view_class] > 1 and get_doc(view_class)
        if not description or (shared and get_doc(view_class) in description):
            repeated.append(f"{method.upper()} {path}")
    assert not repeated, f"operations repeating their view's text (or with none): {repeated}"
    descriptions = [operation["description"] for _, _, operation in operations(schema)]
    assert len(set(descriptions)) == len(descriptions), "two operations share one description"


def test_swagger_authorize_offers_the_jwt_bearer_scheme_first(schema):
    schemes = schema["components"]["securitySchemes"]
    name, first = next(iter(schemes.items()))
    assert first == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}, name
    order = next(op["security"] for _, _, op in operations(schema) if "security" in op)
    assert next(iter(order[0])) == name


@pytest.fixture
def demo_like(db):
    """The records the examples name (the demo data's first customer, employee, products and
    supplier, and line 1 of a purchase order), and for each resource the record an example for
    `{id}` changes: by the resource's name, or by the full path where that path needs a record
    in another state (a draft purchase order is replaced, an ordered one receives goods)."""
    admin = make_user("example-admin", "admin")
    customer = Customer.objects.create(pk=1, name="Acme", email="buyer@acme.example")
    employee = Employee.objects.create(pk=1, name="Bo Maker", position="Assembler")
    products = [Product.objects.create(pk=pk, name=f"Gear {pk}", price="2.50") for pk in (1, 2)]
    for product in products:
        stock_adjust(product=product, delta=100, note="opening", user=admin)
    record = production_create(product=products[0], employee=employee, quantity=5, user=admin)
    bom = bom_create(product=products[1], lines=[(products[0], 2)], user=admin)
    supplier = Supplier.objects.create(pk=1, name="Foundry Supplies", email="sales@foundry.example")
    ordered = purchase_order_create(
        supplier=supplier,
        lines=[LineInput(product=products[0], quantity=30, unit_cost="1.2500")],
        user=admin,
    )
    purchase_order_place(order=ordered, user=admin)
    # The receipt example names line 1: the ordered one's line, whatever id the database gave it
    # (MariaDB does not hand ids back when a test's transaction rolls back).
    PurchaseOrderLine.objects.filter(order=ordered).update(id=1)
    draft = purchase_order_create(
        supplier=supplier,
        lines=[LineInput(product=products[1], quantity=10, unit_cost="0.5000")],
        user=admin,
    )
    placed = order_place(customer=customer, items=[(products[0], 1)], user=admin)
    invoiced = order_place(customer=customer, items=[(products[1], 1)], user=admin)
    invoice = invoice_issue(order=invoiced, user=admin)
    clerk = make_user("example-clerk", USER)
    role = Role.objects.create(name="packer", description="Packs orders")
    ids = {
        "customers": customer.pk,
        "employees": employee.pk,
        "products": products[0].pk,
        "production": record.pk,
        "boms": bom.pk,
        "suppliers": supplier.pk,
        "purchase-orders": draft.pk,
        "/api/purchase-orders/{id}/receive/": ordered.pk,
        "orders": placed.pk,
        "invoices": invoice.pk,
        "users": clerk.pk,
        "roles": role.pk,
        "webhooks": webhook_create(url="https://hooks.example.com/a", events=["stock.low"]).pk,
    }
    return admin, ids


def record_id(ids: dict, path: str):
    """The id an example for `path` acts on: the path's own, else its resource's."""
    return ids.get(path, ids.get(path.split("/")[2], ""))


def test_every_request_example_is_accepted_by_its_endpoint(schema, demo_like):
    """Each example is sent as it stands, by an admin, each in a transaction rolled back after it.

    The one thing an example cannot carry is a real password: the login example's user is made
    with the example's own password first, and the caller who changes their own password is
    a user of their own with the example's current one (a request with the right credentials is what
    the example stands for).
    """
    admin, ids = demo_like
    refused, without = [], []
    for path, method, operation in operations(schema):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        if content and not content.get("examples"):
            without.append(f"{method.upper()} {path}")
        for name, example in content.get("examples", {}).items():
            body = example["value"]
            url = re.sub(r"\{[^}]+\}", str(record_id(ids, path)), path)
            with transaction.atomic():
                if path == "/api/auth/login/":
                    User.objects.create(
                        username=body["username"],
                        password=_password_hash(body["password"]),
                        role=Role.objects.get(name=USER),
                    )
                    client = APIClient()
                elif path == "/api/users/me/password/":
                    # A user of their own who knows the example's current password (not the
                    # admin's row changed in place: the access memo would still hold its old hash).
                    client = bearer_client(
                        make_user("example-password", "admin", password=body["current_password"])
                    )
                else:
                    client = bearer_client(admin)
                response = getattr(client, method)(url, body, format="json")
                if response.status_code >= 400:
                    answer = getattr(response, "data", None) or response.content
                    refused.append((method.upper(), url, name, response.status_code, answer))
                transaction.set_rollback(True)
    # Every JSON body has an example but the two that need a live refresh token.
    assert without == ["POST /api/auth/logout/", "POST /api/auth/refresh/"], without
    assert not refused, refused
