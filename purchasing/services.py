"""Every write to suppliers and purchase orders. Receipts add stock through `products.services.stock_apply`.

A purchase order's row is the lock of everything done to it: each action reads it with
SELECT ... FOR UPDATE before it checks the status, so two receipts of the same order queue
and the second sees the first's received quantities. A receipt then locks its products
(stock_apply, primary-key order) like orders and production do; no service locks a product
before a purchase order, so the two lock orders cannot cross.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from events.services import event_record
from factory.db import atomic_with_retry
from factory.errors import AlreadyCancelled, InvalidStatus, NotFound
from factory.services import Conflicts, fields_check, instance_delete, instance_save
from products.models import Product, StockMovement
from products.services import stock_apply
from purchasing import selectors
from purchasing.errors import NotDraft, OverReceipt
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier

SUPPLIER_FIELDS = ("name", "email", "phone", "address", "lead_time_days", "is_active")
ORDER_FIELDS = ("supplier", "expected_on", "notes")
NAME_TAKEN = "A supplier with this name already exists."

Status = PurchaseOrder.Status


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int
    unit_cost: Decimal


# --- suppliers ------------------------------------------------------------------------------


def _supplier_save(
    supplier: Supplier, *, update_fields=None, conflicts: Conflicts | None = None
) -> Supplier:
    return instance_save(
        supplier,
        update_fields=update_fields,
        conflicts=conflicts
        or (
            lambda: (
                {"name": [NAME_TAKEN]}
                if selectors.supplier_name_taken(name=supplier.name, exclude_pk=supplier.pk)
                else {}
            )
        ),
    )


@atomic_with_retry
def supplier_create(*, conflicts: Conflicts | None = None, **fields) -> Supplier:
    """Create a supplier. ValidationError (400) for bad fields or a name in use (any letter case).

    `conflicts`: the uniqueness answer for this row when the caller asked the database for many rows at once (an import, factory.imports); by default the service asks."""
    fields_check(fields, editable=SUPPLIER_FIELDS, entity="supplier")
    return _supplier_save(Supplier(**fields), conflicts=conflicts)


@atomic_with_retry
def supplier_update(
    *, supplier: Supplier, conflicts: Conflicts | None = None, **fields
) -> Supplier:
    """Change the given fields; the same errors as create."""
    fields_check(fields, editable=SUPPLIER_FIELDS, entity="supplier")
    for name, value in fields.items():
        setattr(supplier, name, value)
    return _supplier_save(supplier, update_fields=list(fields), conflicts=conflicts)


@atomic_with_retry
def supplier_delete(*, supplier: Supplier) -> None:
    """Delete a supplier; InUse (409) if purchase orders or products' defaults reference it."""
    instance_delete(
        supplier,
        in_use_message=f"Supplier '{supplier.name}' has purchase orders or is the default "
        "supplier of products and cannot be deleted.",
    )


# --- drafts ---------------------------------------------------------------------------------


def _lines_check(lines: list[LineInput]) -> None:
    """ValidationError unless there is at least one line and each product is on one line only."""
    if not lines:
        raise ValidationError({"lines": ["A purchase order needs at least one line."]})
    seen, repeated = set(), set()
    for line in lines:
        (repeated if line.product.pk in seen else seen).add(line.product.pk)
    if repeated:
        raise ValidationError(
            {"lines": [f"Each product may appear once; repeated: {sorted(repeated)}."]}
        )


def _supplier_check(supplier: Supplier) -> None:
    if not supplier.is_active:
        raise ValidationError({"supplier": [f"Supplier '{supplier.name}' is not active."]})


def _lines_write(order: PurchaseOrder, lines: list[LineInput]) -> None:
    rows = [
        PurchaseOrderLine(
            order=order, product=line.product, quantity=line.quantity, unit_cost=line.unit_cost
        )
        for line in lines
    ]
    for row in rows:
        # The products were looked up by the caller: no query per line to look them up again.
        row.full_clean(
            exclude=["order", "product"], validate_unique=False, validate_constraints=False
        )
    PurchaseOrderLine.objects.bulk_create(rows)


def _locked(order: PurchaseOrder) -> PurchaseOrder:
    """The order's row, locked until the transaction ends; NotFound if another request deleted it."""
    locked = PurchaseOrder.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise NotFound(f"Purchase order {order.pk} no longer exists.")
    return locked


def _draft(order: PurchaseOrder, doing: str) -> PurchaseOrder:
    locked = _locked(order)
    if locked.status != Status.DRAFT:
        raise NotDraft(f"{locked.reference} is {locked.status}: only a draft can be {doing}.")
    return locked


@atomic_with_retry
def purchase_order_create(
    *,
    supplier: Supplier,
    lines: list[LineInput],
    user,
    expected_on=None,
    notes: str = "",
) -> PurchaseOrder:
    """Create a draft with its lines. ValidationError for no lines, a repeated product, an inactive supplier."""
    _supplier_check(supplier)
    _lines_check(lines)
    order = PurchaseOrder(supplier=supplier, expected_on=expected_on, notes=notes, created_by=user)
    order.full_clean(exclude=["created_by"])
    order.save()
    _lines_write(order, lines)
    return order


@atomic_with_retry
def purchase_order_update(
    *, order: PurchaseOrder, lines: list[LineInput] | None = None, **fields
) -> PurchaseOrder:
    """Change a draft; `lines`, when given, replace the old ones whole. NotDraft (409) otherwise."""
    fields_check(fields, editable=ORDER_FIELDS, entity="purchase order")
    locked = _draft(order, "changed")
    for name, value in fields.items():
        setattr(locked, name, value)
    if "supplier" in fields:
        _supplier_check(locked.supplier)
    locked.full_clean(exclude=["created_by"])
    locked.save()  # also when only the lines change: the order's own row is what caches watch
    if lines is not None:
        _lines_check(lines)
        locked.lines.all().delete()
        _lines_write(locked, lines)
    return locked


@atomic_with_retry
def purchase_order_delete(*, order: PurchaseOrder) -> None:
    """Delete a draft with its lines; NotDraft (409) for any other status."""
    _draft(order, "deleted").delete()


# --- actions --------------------------------------------------------------------------------


def _status_set(order: PurchaseOrder, status: str, **stamps) -> PurchaseOrder:
    order.status = status
    for name, value in stamps.items():
        setattr(order, name, value)
    order.save(update_fields=["status", *stamps])
    return order


@atomic_with_retry
def purchase_order_place(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Send a draft to its supplier: draft → ordered. NotDraft (409) for any other status."""
    locked = _draft(order, "placed")
    return _status_set(locked, Status.ORDERED, ordered_at=timezone.now())


@atomic_with_retry
def purchase_order_receive(
    *, order: PurchaseOrder, receipts: Iterable[tuple[int, int]], user, note: str = ""
) -> PurchaseOrder:
    """Receive `(line id, quantity)` pairs: stock up, received quantities up, status moved on.

    Under the order's lock: InvalidStatus (409) unless the order is ordered or partially
    received; ValidationError (400) for no lines, a line twice, a line of another order or a
    quantity below 1; OverReceipt (409) listing every line asked for more than is outstanding.
    All before anything is written. The stock goes on the ledger as `purchase_receipt`
    movements referencing `po:<id>`, each at its line's unit cost.
    """
    locked = _locked(order)
    if locked.status not in PurchaseOrder.RECEIVABLE:
        raise InvalidStatus(
            f"{locked.reference} is {locked.status}: only an ordered or partially received "
            "purchase order can receive goods."
        )
    receipts = list(receipts)
    if not receipts:
        raise ValidationError({"lines": ["Receive at least one line."]})
    lines = {line.pk: line for line in locked.lines.all()}
    requested: dict[int, int] = {}
    for line_id, quantity in receipts:
        if line_id in requested:
            raise ValidationError({"lines": [f"Line {line_id} is listed more than once."]})
        if line_id not in lines:
            raise ValidationError({"lines": [f"Line {line_id} is not on {locked.reference}."]})
        if quantity < 1:
            raise ValidationError({"lines": [f"Line {line_id}: receive at least 1 unit."]})
        requested[line_id] = quantity
    over = [
        {"line": pk, "outstanding": lines[pk].outstanding, "requested": quantity}
        for pk, quantity in sorted(requested.items())
        if quantity > lines[pk].outstanding
    ]
    if over:
        named = "; ".join(
            f"line {item['line']}: {item['requested']} requested, {item['outstanding']} outstanding"
            for item in over
        )
        raise OverReceipt(f"More received than is outstanding on {named}.", lines=over)

    stock_apply(
        deltas={lines[pk].product_id: quantity for pk, quantity in requested.items()},
        reason=StockMovement.Reason.PURCHASE_RECEIPT,
        reference=f"po:{locked.pk}",
        note=note,
        user=user,
        unit_costs={lines[pk].product_id: lines[pk].unit_cost for pk in requested},
    )
    for pk, quantity in requested.items():
        lines[pk].received_quantity += quantity
    PurchaseOrderLine.objects.bulk_update([lines[pk] for pk in requested], ["received_quantity"])
    done = all(line.outstanding == 0 for line in lines.values())
    received = _status_set(locked, Status.RECEIVED if done else Status.PARTIALLY_RECEIVED)
    event_record("purchase_order.received", received)
    return received


@atomic_with_retry
def purchase_order_close(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Stop waiting for the rest of a partially received order. InvalidStatus (409) otherwise."""
    locked = _locked(order)
    if locked.status != Status.PARTIALLY_RECEIVED:
        raise InvalidStatus(
            f"{locked.reference} is {locked.status}: only a partially received purchase order "
            "can be closed."
        )
    return _status_set(locked, Status.CLOSED)


@atomic_with_retry
def purchase_order_cancel(*, order: PurchaseOrder, user) -> PurchaseOrder:
    """Cancel a draft or an ordered purchase order with nothing received.

    AlreadyCancelled (409) a second time; InvalidStatus (409) once anything was received.
    """
    locked = _locked(order)
    if locked.status == Status.CANCELLED:
        raise AlreadyCancelled(f"{locked.reference} is already cancelled.")
    if locked.status not in (Status.DRAFT, Status.ORDERED):
        raise InvalidStatus(
            f"{locked.reference} is {locked.status}: goods were received, so it cannot be "
            "cancelled (close it instead)."
        )
    return _status_set(locked, Status.CANCELLED)


# --- reordering -----------------------------------------------------------------------------


@atomic_with_retry
def purchase_orders_from_reorder(*, user) -> tuple[list[int], list[int]]:
    """One draft per default supplier holding its products' suggested reorder lines.

    Returns `(created purchase order ids, skipped product ids)`: products without a default
    supplier, or whose default supplier is inactive, are skipped. Each line costs the
    product's last purchase-receipt cost (0 if it was never received; see docs/purchasing.md).
    """
    by_supplier: dict[int, list[dict]] = defaultdict(list)
    skipped = []
    for row in selectors.reorder_list():
        if row["supplier_id"] is None or not row["supplier_is_active"]:
            skipped.append(row["product_id"])
        else:
            by_supplier[row["supplier_id"]].append(row)
    suppliers = Supplier.objects.in_bulk(list(by_supplier))
    products = Product.objects.in_bulk(
        [r["product_id"] for rows in by_supplier.values() for r in rows]
    )
    created = []
    for supplier_id, rows in sorted(by_supplier.items()):
        order = purchase_order_create(
            supplier=suppliers[supplier_id],
            lines=[
                LineInput(
                    product=products[row["product_id"]],
                    quantity=row["suggested_quantity"],
                    unit_cost=row["last_cost"],
                )
                for row in rows
            ],
            notes="Created from the reorder report.",
            user=user,
        )
        created.append(order.pk)
    return created, skipped
