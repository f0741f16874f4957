"""Every write to employees."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from employees import selectors
from employees.models import EMAIL_TAKEN, Employee
from factory.services import instance_delete

EDITABLE_FIELDS = ("name", "position", "email", "hired_on", "is_active")


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable employee fields: {', '.join(sorted(unknown))}")


def _validate_and_save(employee: Employee, *, update_fields: list[str] | None = None) -> Employee:
    """Normalise "" to NULL, validate fields and the case-insensitive email rule, then write.

    The unique constraint catches a concurrent insert of the same email that
    the check could not see yet; that becomes the same field error.
    """
    employee.email = employee.email or None
    employee.full_clean(validate_unique=False, validate_constraints=False)
    if employee.email and selectors.employee_email_taken(
        email=employee.email, exclude_pk=employee.pk
    ):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    try:
        with transaction.atomic():
            employee.save(update_fields=update_fields)
    except IntegrityError:
        if employee.email and selectors.employee_email_taken(
            email=employee.email, exclude_pk=employee.pk
        ):
            raise ValidationError({"email": [EMAIL_TAKEN]}) from None
        raise
    return employee


@transaction.atomic
def employee_create(
    *,
    name: str,
    position: str = "",
    email: str | None = None,
    hired_on: datetime.date | None = None,
    is_active: bool = True,
) -> Employee:
    """Create an employee (`hired_on` defaults to today). ValidationError (400) for bad fields or a taken email."""
    employee = Employee(name=name, position=position, email=email, is_active=is_active)
    if hired_on is not None:
        employee.hired_on = hired_on
    return _validate_and_save(employee)


@transaction.atomic
def employee_update(*, employee: Employee, **fields) -> Employee:
    """Change the given fields (any of name, position, email, hired_on, is_active). Same errors as create."""
    _check_fields(fields)
    for name, value in fields.items():
        setattr(employee, name, value)
    # Only the given fields are written, so a concurrent change to another one survives
    # (and an empty update writes nothing).
    return _validate_and_save(employee, update_fields=list(fields))


def employee_delete(*, employee: Employee) -> None:
    """Delete an employee; InUse (409) if production records reference them, and nothing changes."""
    instance_delete(
        employee,
        in_use_message=(
            f"Employee '{employee.name}' has production records and cannot be deleted; "
            "set is_active to false instead."
        ),
    )
