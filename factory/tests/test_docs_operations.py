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
from production.services import production_create
from products.models import Product
from products.services import stock_adjust

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


def test_every_operation_has_a_description_of_its_own(schema):
    """Not the viewset's docstring repeated on each of its operations (a view that has one
    operation, such as a report, describes that operation with its docstring)."""
    all_operations = list(operations(schema))
    view_of = {(path, method): resolve(path).func.cls for path, method, _ in all_operations}
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
    """The records the examples name (the demo data's first customer, employee and products), and
    for each resource the record an example for `{id}` changes."""
    admin = make_user("example-admin", "admin")
    customer = Customer.objects.create(pk=1, name="Acme", email="buyer@acme.example")
    employee = Employee.objects.create(pk=1, name="Bo Maker", position="Assembler")
    products = [Product.objects.create(pk=pk, name=f"Gear {pk}", price="2.50") for pk in (1, 2)]
    for product in products:
        stock_adjust(product=product, delta=100, note="opening", user=admin)
    record = production_create(product=products[0], employee=employee, quantity=5, user=admin)
    clerk = make_user("example-clerk", USER)
    role = Role.objects.create(name="packer", description="Packs orders")
    ids = {
        "customers": customer.pk,
        "employees": employee.pk,
        "products": products[0].pk,
        "production": record.pk,
        "users": clerk.pk,
        "roles": role.pk,
    }
    return admin, ids


def test_every_request_example_is_accepted_by_its_endpoint(schema, demo_like):
    """Each example is sent as it stands, by an admin, each in a transaction rolled back after it.

    The one thing an example cannot carry is a real password: the login example's user is made
    with the example's own password first (a sign-in with the right credentials is the request
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
            url = re.sub(r"\{[^}]+\}", str(ids.get(path.split("/")[2], "")), path)
            with transaction.atomic():
                if path == "/api/auth/login/":
                    User.objects.create(
                        username=body["username"],
                        password=_password_hash(body["password"]),
                        role=Role.objects.get(name=USER),
                    )
                    client = APIClient()
                else:
                    client = bearer_client(admin)
                response = getattr(client, method)(url, body, format="json")
                if response.status_code >= 400:
                    refused.append((method.upper(), url, name, response.status_code, response.data))
                transaction.set_rollback(True)
    # Every JSON body has an example but the two that need a live refresh token.
    assert without == ["POST /api/auth/logout/", "POST /api/auth/refresh/"], without
    assert not refused, refused
