"""Test data for employees. Plain functions, as in the other apps: the project package `factory/`
(named by the design card) shadows factory_boy's top-level `factory` module, so factory_boy cannot
be imported from inside the project."""

import itertools

from employees.models import Employee
from employees.services import employee_create

_sequence = itertools.count(1)


def make_employee(**fields) -> Employee:
    """A valid, active employee saved through the service; any field may be given."""
    n = next(_sequence)
    fields.setdefault("name", f"Employee {n}")
    fields.setdefault("position", "Machine operator")
    fields.setdefault("email", f"employee{n}@factory.example")
    return employee_create(**fields)


def employee_rows() -> list[tuple]:
    """Everything stored about employees, to assert that a refused request changed nothing."""
    return list(
        Employee.objects.order_by("id").values_list(
            "id", "name", "position", "email", "hired_on", "is_active"
        )
    )
