from django.db.models import QuerySet

from customers.models import Customer


def customer_list() -> QuerySet[Customer]:
    """Every customer, by name. One query per page: a customer has no relations to load."""
    return Customer.objects.all()


def customer_email_taken(*, email: str, exclude_pk: int | None = None) -> bool:
    """Whether another customer already has this email, ignoring letter case."""
    customers = Customer.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        customers = customers.exclude(pk=exclude_pk)
    return customers.exists()
