"""Shared fixtures of the end-to-end suite: a little committed data and signed-in identities.

The tests here talk to pytest-django's `live_server` (a real HTTP server in a thread of this
process), so their data must be committed: they use transactional databases, and
`serialized_rollback` puts the migrations' built-in roles back afterwards.
"""

from dataclasses import dataclass

import pytest
from _pytest import nodes
from django.conf import settings
from django.core.cache import cache
from hypothesis.configuration import set_hypothesis_home_dir
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role, User
from accounts.roles import ADMIN, USER
from accounts.tests.factories import PASSWORD, _password_hash
from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from orders.invoicing import invoice_issue
from orders.services import order_place
from production.services import production_create
from products.tests.factories import make_product

LIVE_DB = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Hypothesis (under Schemathesis) keeps small caches on disk: in the git-ignored var/, not the root.
set_hypothesis_home_dir(settings.BASE_DIR / "var" / "hypothesis")

if not hasattr(nodes.Node, "_nodeid"):
    # Schemathesis 4.32.5's pytest integration (`from_fixture`) renames the running item to
    # `test[METHOD /path]` through `node._nodeid`, an attribute pytest 9.2 replaced with a
    # structured `_id`. Give it back as a view of `_id` until Schemathesis follows (docs/hardening.md).
    from _pytest.nodeid import coerce_node_id

    nodes.Node._nodeid = property(
        lambda node: str(node._id),
        lambda node, value: setattr(node, "_id", coerce_node_id(value)),
    )


@dataclass
class Identity:
    """A user the end-to-end tests sign in as. `restore()` undoes whatever a test did to it."""

    username: str
    role_name: str

    def restore(self) -> User:
        """The user, active, with its role and known password, re-created if it was deleted."""
        role = Role.objects.get(name=self.role_name)
        user, _ = User.objects.update_or_create(
            username=self.username,
            defaults={"role": role, "is_active": True, "password": _password_hash(PASSWORD)},
        )
        return user

    def bearer(self) -> dict[str, str]:
        """A fresh `Authorization` header for the (restored) user."""
        token = RefreshToken.for_user(self.restore()).access_token
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def seeded(db):
    """A customer, an employee, three stocked products, a production record and an order, so
    that ids exist. (`db` follows the test's own `django_db` mark, transactional or not.)"""
    customer = make_customer(name="Ada Buyer")
    employee = make_employee(name="Bo Maker", position="Assembler")
    products = [
        make_product(name="Gear", stock=40, reorder_level=5),
        make_product(name="Spring", stock=25, reorder_level=30),
        make_product(name="Bolt", stock=100),
    ]
    clerk = Identity("e2e-clerk", USER).restore()
    production = production_create(product=products[2], employee=employee, quantity=10, user=clerk)
    order = order_place(
        customer=customer, items=[(products[0], 2), (products[1], 3)], user=clerk, notes="seed"
    )
    invoiced = order_place(customer=customer, items=[(products[2], 1)], user=clerk)
    invoice = invoice_issue(order=invoiced, user=clerk)
    cache.clear()
    return {
        "invoice": invoice,
        "customer": customer,
        "employee": employee,
        "products": products,
        "production": production,
        "order": order,
    }


@pytest.fixture
def admin_identity(db) -> Identity:
    identity = Identity("e2e-admin", ADMIN)
    identity.restore()
    return identity


@pytest.fixture
def user_identity(db) -> Identity:
    identity = Identity("e2e-clerk", USER)
    identity.restore()
    return identity
