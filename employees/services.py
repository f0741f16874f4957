"""Every write to employees."""

import datetime

from django.db import transaction

from employees import selectors
from employees.models import EMAIL_TAKEN, Employee
from factory.services import Conflicts, fields_check, instance_delete, instance_save

EDITABLE_FIELDS = ("name", "position", "email", "hired_on", "is_active")


def _save(
    employee: Employee,
    *,
    update_fields: list[str] | None = None,
    conflicts: Conflicts | None = None,
) -> Employee:
    """Stores a blank email as NULL (emails are unique only when given), then saves."""
    employee.email = employee.email or None
    return instance_save(
        employee,
        update_fields=update_fields,
        conflicts=conflicts
        or (
            lambda: (
                {"email": [EMAIL_TAKEN]}
                if employee.email
                and selectors.employee_email_taken(email=employee.email, exclude_pk=employee.pk)
                else {}
            )
        ),
    )


@transaction.atomic
def employee_create(
    *,
    name: str,
    position: str = "",
    email: str | None = None,
    hired_on: datetime.date | None = None,
    is_active: bool = True,
    conflicts: Conflicts | None = None,
) -> Employee:
    """Create an employee (`hired_on` defaults to today). ValidationError (400) for bad fields or a taken email.

    `conflicts`: the uniqueness answer for this row when the caller asked the database for many rows at once (an import, factory.imports); by default the service asks."""
    employee = Employee(name=name, position=position, email=email, is_active=is_active)
    if hired_on is not None:
        employee.hired_on = hired_on
    return _save(employee, conflicts=conflicts)


@transaction.atomic
def employee_update(
    *, employee: Employee, conflicts: Conflicts | None = None, **fields
) -> Employee:
    """Change the given fields (any of name, position, email, hired_on, is_active). Same errors as create."""
    fields_check(fields, editable=EDITABLE_FIELDS, entity="employee")
    for name, value in fields.items():
        setattr(employee, name, value)
    # Only the given fields are written, so a concurrent change to another one survives
    # (and an empty update writes nothing).
    return _save(employee, update_fields=list(fields), conflicts=conflicts)


def employee_delete(*, employee: Employee) -> None:
    """Delete an employee; InUse (409) if production records reference them, and nothing changes."""
    instance_delete(
        employee,
        in_use_message=(
            f"Employee '{employee.name}' has production records and cannot be deleted; "
            "set is_active to false instead."
        ),
    )
