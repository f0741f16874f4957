"""Test data for orders and production: customers, employees and stocked products."""

import itertools

from customers.models import Customer
from employees.models import Employee

_sequence = itertools.count(1)


def make_customer(**fields) -> Customer:
    n = next(_sequence)
    fields.setdefault("name", f"Customer {n}")
    fields.setdefault("email", f"customer{n}@example.com")
    fields.setdefault("phone", "555-0100")
    return Customer.objects.create(**fields)


def make_employee(**fields) -> Employee:
    n = next(_sequence)
    fields.setdefault("name", f"Employee {n}")
    return Employee.objects.create(**fields)
