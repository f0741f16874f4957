"""Issuing and paying invoices (SPEC §16): one invoice per order, numbered without gaps.

Numbers are `INV-<year>-<6 digits>`, consecutive per calendar year (UTC). The year's
`InvoiceCounter` row is locked and incremented inside the issuing transaction, after the
order row: a rolled-back issue rolls the counter back with it (no gap), and concurrent
issues wait for the row lock in turn (no repeat). The unique (year, sequence) constraint is
the database's backstop.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from events.services import event_record
from factory.db import atomic_with_retry
from factory.errors import AlreadyCancelled
from orders.errors import AlreadyInvoiced, AlreadyPaid
from orders.models import Invoice, InvoiceCounter, InvoiceLine, Order


def utc_today() -> datetime.date:
    """Today in UTC: invoice years, issue and due dates are counted in UTC."""
    return timezone.now().astimezone(datetime.UTC).date()


def invoice_number(*, year: int, sequence: int) -> str:
    return f"INV-{year}-{sequence:06d}"


def invoice_counter_ensure(*, year: int) -> None:
    """Create the year's counter row if it is missing, race-safely.

    `INSERT … IGNORE` (SQLite: `ON CONFLICT DO NOTHING`): of two first issues of a year, one
    inserts and the other's insert does nothing. Run before the issuing transaction, so
    the insert commits on its own and issues only ever lock an existing row (a locking read
    of a missing row would take gap locks that two issuers then deadlock on).
    """
    InvoiceCounter.objects.bulk_create([InvoiceCounter(year=year)], ignore_conflicts=True)


def invoice_issue(*, order: Order, user) -> Invoice:
    """Issue the order's one invoice: the customer and lines as they are now, the next number.

    Raises AlreadyInvoiced (with the existing `invoice` id) for an invoiced order and
    AlreadyCancelled for a cancelled one; nothing is written then.
    """
    issued_on = utc_today()
    # Only for an order that looks invoiceable, so a refused request writes nothing at all
    # (the transaction below checks again, under the order's lock).
    invoiceable = (
        Order.objects.filter(pk=order.pk, invoice__isnull=True)
        .exclude(status=Order.Status.CANCELLED)
        .exists()
    )
    if invoiceable:
        invoice_counter_ensure(year=issued_on.year)
    return _invoice_issue(order=order, user=user, issued_on=issued_on)


@atomic_with_retry
def _invoice_issue(*, order: Order, user, issued_on: datetime.date) -> Invoice:
    # Lock order: the order row, then the year's counter (every issuer takes them alike).
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == Order.Status.CANCELLED:
        raise AlreadyCancelled(f"Order #{locked.pk} is cancelled and cannot be invoiced.")
    existing = Invoice.objects.filter(order_id=locked.pk).values_list("pk", flat=True).first()
    if existing is not None:
        raise AlreadyInvoiced(
            f"Order #{locked.pk} is already invoiced (invoice {existing}).", invoice=existing
        )
    customer = Customer.objects.only("name", "email", "address").get(pk=locked.customer_id)
    items = list(
        locked.items.select_related("product").only(
            "quantity", "unit_price", "product__name", "product__sku"
        )
    )
    # As late as possible: the counter row serialises every issue of the year until commit.
    counter = InvoiceCounter.objects.select_for_update().get(year=issued_on.year)
    counter.last += 1
    counter.save(update_fields=["last"])
    invoice = Invoice.objects.create(
        order=locked,
        number=invoice_number(year=issued_on.year, sequence=counter.last),
        year=issued_on.year,
        sequence=counter.last,
        customer_id=customer.pk,
        customer_name=customer.name,
        customer_email=customer.email,
        customer_address=customer.address,
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=settings.INVOICE_DUE_DAYS),
        tax_rate=locked.tax_rate,
        subtotal=locked.subtotal,
        tax=locked.tax,
        total=locked.total,
        created_by=user,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            description=f"{item.product.name} ({item.product.sku})"
            if item.product.sku
            else item.product.name,
            quantity=item.quantity,
            unit_price=item.unit_price,
            line_total=item.line_total,
        )
        for item in items
    )
    event_record("invoice.issued", invoice)
    return invoice


@atomic_with_retry
def invoice_mark_paid(*, invoice: Invoice, paid_on: datetime.date | None = None) -> Invoice:
    """Record an invoice's payment on `paid_on` (default today, UTC).

    Raises AlreadyPaid if it was paid before, and ValidationError on `paid_on` for a date
    in the future or before the invoice was issued; nothing is written then.
    """
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if locked.status == Invoice.Status.PAID:
        raise AlreadyPaid(f"{locked.number} was already paid on {locked.paid_on.isoformat()}.")
    today = utc_today()
    paid_on = today if paid_on is None else paid_on
    if paid_on > today:
        raise ValidationError({"paid_on": [f"Cannot be in the future (today is {today})."]})
    if paid_on < locked.issued_on:
        raise ValidationError(
            {"paid_on": [f"Cannot be before the invoice was issued ({locked.issued_on})."]}
        )
    locked.status, locked.paid_on = Invoice.Status.PAID, paid_on
    locked.save(update_fields=["status", "paid_on"])
    event_record("invoice.paid", locked)
    return locked
