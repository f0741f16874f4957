"""Test data for customers. Plain functions, as in the other apps: the project package `factory/`
(named by the design card) shadows factory_boy's top-level `factory` module, so factory_boy cannot
be imported from inside the project."""

import itertools

from customers.models import Customer
from customers.services import customer_create

_sequence = itertools.count(1)


def make_customer(**fields) -> Customer:
    """A valid customer saved through the service; any field may be given."""
    n = next(_sequence)
    fields.setdefault("name", f"Customer {n}")
    fields.setdefault("email", f"customer{n}@example.com")
    fields.setdefault("phone", f"+1 555 01{n % 100:02d}")
    fields.setdefault("address", f"{n} Mill Road, Springfield")
    return customer_create(**fields)


def customer_rows() -> list[tuple]:
    """Everything stored about customers, to assert that a refused request changed nothing."""
    return list(
        Customer.objects.order_by("id").values_list(
            "id", "name", "email", "phone", "address", "created_at"
        )
    )
