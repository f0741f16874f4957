"""Every write to customers."""

from django.db import transaction

from customers import selectors
from customers.models import EMAIL_TAKEN, Customer
from factory.services import Conflicts, fields_check, instance_delete, instance_save

EDITABLE_FIELDS = ("name", "email", "phone", "address")


def _save(
    customer: Customer,
    *,
    update_fields: list[str] | None = None,
    conflicts: Conflicts | None = None,
) -> Customer:
    return instance_save(
        customer,
        update_fields=update_fields,
        conflicts=conflicts
        or (
            lambda: (
                {"email": [EMAIL_TAKEN]}
                if selectors.customer_email_taken(email=customer.email, exclude_pk=customer.pk)
                else {}
            )
        ),
    )


@transaction.atomic
def customer_create(
    *,
    name: str,
    email: str,
    phone: str = "",
    address: str = "",
    conflicts: Conflicts | None = None,
) -> Customer:
    """Create a customer. ValidationError (400) for bad fields or an email already in use.

    `conflicts`: the uniqueness answer for this row when the caller asked the database for many rows at once (an import, factory.imports); by default the service asks."""
    customer = Customer(name=name, email=email, phone=phone, address=address)
    return _save(customer, conflicts=conflicts)


@transaction.atomic
def customer_update(
    *, customer: Customer, conflicts: Conflicts | None = None, **fields
) -> Customer:
    """Change the given fields (any of name, email, phone, address). Same errors as create."""
    fields_check(fields, editable=EDITABLE_FIELDS, entity="customer")
    for name, value in fields.items():
        setattr(customer, name, value)
    # Only the given fields are written, so a concurrent change to another one survives
    # (and an empty update writes nothing).
    return _save(customer, update_fields=list(fields), conflicts=conflicts)


def customer_delete(*, customer: Customer) -> None:
    """Delete a customer; InUse (409) if orders reference them, and nothing changes."""
    instance_delete(
        customer,
        in_use_message=f"Customer '{customer.name}' has orders and cannot be deleted.",
    )
