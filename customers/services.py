"""Every write to customers."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from customers import selectors
from customers.models import EMAIL_TAKEN, Customer
from factory.services import instance_delete

EDITABLE_FIELDS = ("name", "email", "phone", "address")


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Not editable customer fields: {', '.join(sorted(unknown))}")


def _validate_and_save(customer: Customer, *, update_fields: list[str] | None = None) -> Customer:
    """Field validation, the case-insensitive email check, then the write.

    The unique constraint catches a concurrent insert of the same email that
    the check could not see yet; that becomes the same field error.
    """
    customer.full_clean(validate_unique=False, validate_constraints=False)
    if selectors.customer_email_taken(email=customer.email, exclude_pk=customer.pk):
        raise ValidationError({"email": [EMAIL_TAKEN]})
    try:
        with transaction.atomic():
            customer.save(update_fields=update_fields)
    except IntegrityError:
        if selectors.customer_email_taken(email=customer.email, exclude_pk=customer.pk):
            raise ValidationError({"email": [EMAIL_TAKEN]}) from None
        raise
    return customer


@transaction.atomic
def customer_create(*, name: str, email: str, phone: str = "", address: str = "") -> Customer:
    """Create a customer. ValidationError (400) for bad fields or an email already in use."""
    customer = Customer(name=name, email=email, phone=phone, address=address)
    return _validate_and_save(customer)


@transaction.atomic
def customer_update(*, customer: Customer, **fields) -> Customer:
    """Change the given fields (any of name, email, phone, address). Same errors as create."""
    _check_fields(fields)
    for name, value in fields.items():
        setattr(customer, name, value)
    # Only the given fields are written, so a concurrent change to another one survives
    # (and an empty update writes nothing).
    return _validate_and_save(customer, update_fields=list(fields))


def customer_delete(*, customer: Customer) -> None:
    """Delete a customer; InUse (409) if orders reference them, and nothing changes."""
    instance_delete(
        customer,
        in_use_message=f"Customer '{customer.name}' has orders and cannot be deleted.",
    )
