"""Placing, cancelling, shipping and delivering orders; stock moves through `products.services.stock_apply` only.

Invoices are issued and paid in `orders.invoicing`.
"""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from customers.models import Customer
from events.services import event_record
from factory.db import atomic_with_retry
from factory.errors import AlreadyCancelled, InvalidStatus
from orders.errors import AlreadyShipped, Invoiced
from orders.models import MAX_ORDER_TOTAL, Invoice, Order, OrderItem, money
from products.models import Product, StockMovement
from products.services import stock_apply


def order_totals(
    *, lines: Iterable[tuple[Decimal, int]], tax_rate: Decimal
) -> tuple[Decimal, Decimal, Decimal]:
    """`(subtotal, tax, total)` of `(unit_price, quantity)` lines; tax is rounded half-up to cents."""
    subtotal = money(sum((price * quantity for price, quantity in lines), Decimal("0")))
    tax = money(subtotal * tax_rate)
    return subtotal, tax, subtotal + tax


@atomic_with_retry
def order_place(
    *, customer: Customer, items: list[tuple[Product, int]], user, notes: str = ""
) -> Order:
    """Place an order: take every item's stock and snapshot prices, all in one transaction.

    Raises ValidationError for no items or a product listed twice, and
    InsufficientStock (listing every short item) before anything is written;
    ValidationError, with nothing written, for a total above MAX_ORDER_TOTAL.
    Returns the order as `selectors.order_get` reads it.
    """
    quantities, repeated = {}, set()
    for product, quantity in items:
        if product.pk in quantities:
            repeated.add(product.pk)
        quantities[product.pk] = quantity
    if repeated:  # the one place this rule is checked: the API and the admin show its message
        raise ValidationError(
            {"items": [f"Each product may appear once; repeated: {sorted(repeated)}."]}
        )
    if not quantities:
        raise ValidationError({"items": ["An order needs at least one item."]})

    order = Order.objects.create(
        customer=customer, notes=notes, tax_rate=settings.TAX_RATE, created_by=user
    )
    # Locks the products (in primary-key order), checks them all, then takes the stock.
    locked = stock_apply(
        deltas={pk: -quantity for pk, quantity in quantities.items()},
        reason=StockMovement.Reason.ORDER,
        reference=f"order:{order.pk}",
        user=user,
    )
    # Prices and average costs are read under the lock, so the snapshot is the price and the
    # cost at the moment of sale (the units left at that average: SPEC §15).
    lines = [
        OrderItem(
            order=order,
            product=locked[pk],
            quantity=quantity,
            unit_price=locked[pk].price,
            unit_cost=locked[pk].average_cost,
        )
        for pk, quantity in quantities.items()
    ]
    OrderItem.objects.bulk_create(lines)
    order.subtotal, order.tax, order.total = order_totals(
        lines=[(line.unit_price, line.quantity) for line in lines], tax_rate=order.tax_rate
    )
    if order.total > MAX_ORDER_TOTAL:  # rolls back everything above
        raise ValidationError(
            {"items": [f"The order's total would be {order.total}, above {MAX_ORDER_TOTAL}."]}
        )
    order.save(update_fields=["subtotal", "tax", "total"])
    event_record("order.placed", _as_read(order, items=lines, user=user), as_read=True)
    return order


def _as_read(order: Order, *, items: list[OrderItem], user) -> Order:
    """The new order as `selectors.order_get` reads it, from what placing it left in memory: its
    customer, its items with their products as locked (their new stock), no invoice, and its
    creator's username. The event's payload and the API's response are rendered from it instead
    of reading the order back (four queries while the products are locked);
    orders/tests/test_api.py holds the two byte-equal."""
    order.created_by_username = None if user is None else user.username
    order._state.fields_cache["invoice"] = None
    # As a prefetch leaves it: a queryset whose rows are these (filtering it queries anew).
    rows = order.items.all()
    rows._result_cache, rows._prefetch_done = items, True
    order._prefetched_objects_cache = {"items": rows}
    return order


@atomic_with_retry
def order_cancel(*, order: Order, user) -> Order:
    """Cancel a placed order and return its items to stock.

    Raises AlreadyCancelled if it was cancelled before, AlreadyShipped once it has been
    shipped (or delivered), and Invoiced once it has an invoice (credit notes are out of scope).
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status == Order.Status.CANCELLED:
        raise AlreadyCancelled(f"Order #{locked.pk} is already cancelled.")
    if locked.status != Order.Status.PLACED:
        raise AlreadyShipped(
            f"Order #{locked.pk} is {locked.status} and can no longer be cancelled."
        )
    # Issuing an invoice locks the order row too, so this cannot race with one being issued.
    if Invoice.objects.filter(order_id=locked.pk).exists():
        raise Invoiced(f"Order #{locked.pk} has been invoiced and can no longer be cancelled.")
    items = list(locked.items.values_list("product_id", "quantity", "unit_cost"))
    stock_apply(  # the units come back at the cost they left with (SPEC §15)
        deltas={pk: quantity for pk, quantity, _ in items},
        reason=StockMovement.Reason.ORDER_CANCEL,
        reference=f"order:{locked.pk}",
        user=user,
        unit_costs={pk: unit_cost for pk, _, unit_cost in items},
    )
    locked.status = Order.Status.CANCELLED
    locked.cancelled_at = timezone.now()
    locked.save(update_fields=["status", "cancelled_at"])
    event_record("order.cancelled", locked)
    return locked


@atomic_with_retry
def order_ship(*, order: Order, carrier: str = "", tracking_number: str = "") -> Order:
    """Mark a placed order shipped, with its carrier and tracking number if given.

    Raises InvalidStatus for any order that is not placed (shipped, delivered or cancelled).
    """
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.PLACED:
        raise InvalidStatus(
            f"Order #{locked.pk} is {locked.status}; only a placed order can be shipped."
        )
    locked.status = Order.Status.SHIPPED
    locked.shipped_at = timezone.now()
    locked.carrier, locked.tracking_number = carrier, tracking_number
    locked.save(update_fields=["status", "shipped_at", "carrier", "tracking_number"])
    event_record("order.shipped", locked)
    return locked


@atomic_with_retry
def order_deliver(*, order: Order) -> Order:
    """Mark a shipped order delivered. Raises InvalidStatus for any order that is not shipped."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != Order.Status.SHIPPED:
        raise InvalidStatus(
            f"Order #{locked.pk} is {locked.status}; only a shipped order can be delivered."
        )
    locked.status = Order.Status.DELIVERED
    locked.delivered_at = timezone.now()
    locked.save(update_fields=["status", "delivered_at"])
    event_record("order.delivered", locked)
    return locked
