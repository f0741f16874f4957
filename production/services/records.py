"""Every write to production records; each moves stock through `products.services.stock_apply`.

A product with an active bill of materials consumes it (SPEC §13): the product and every
component are locked together in primary-key order (the order `stock_apply` and orders use),
every shortage is refused in one InsufficientStock, and the record keeps the BOM it used, so a
later change or delete moves the components of that version, not of the current one.
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from employees.models import Employee
from events.services import event_record
from factory.db import atomic_with_retry
from factory.errors import NotFound
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product, StockMovement
from products.services import stock_apply, stock_lock

CONSUMPTION = StockMovement.Reason.CONSUMPTION


def _reference(record: ProductionRecord) -> str:
    return f"production:{record.pk}"


def _lock(record: ProductionRecord) -> ProductionRecord:
    """The record, locked until the transaction ends; NotFound if another request deleted it."""
    locked = ProductionRecord.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None:
        raise NotFound(f"Production record {record.pk} no longer exists.")
    return locked


def _validate(*, employee: Employee, date: datetime.date, employee_changed: bool) -> None:
    errors = {}
    if employee_changed and not employee.is_active:
        errors["employee"] = ["An inactive employee cannot record production."]
    if date > timezone.localdate():
        errors["date"] = ["The date cannot be in the future."]
    if errors:
        raise ValidationError(errors)


def _active_lines(product_id: int) -> list[tuple[int, int, int]]:
    """`(bom_id, component_id, per_unit)` of the product's active BOM; empty if it has none."""
    return list(
        BOMLine.objects.filter(bom__product_id=product_id, bom__status=BOM.Status.ACTIVE)
        .order_by("component_id")
        .values_list("bom_id", "component_id", "quantity")
    )


def _lock_with_active_bom(
    product_id: int,
) -> tuple[list[tuple[int, int, int]], dict[int, Product]]:
    """Lock the product and its active BOM's components together; return that BOM's lines and
    the rows locked (for `stock_apply(locked=...)`).

    The BOM is read before the lock (to know what to lock, in one primary-key-ordered
    statement) and again under it: activating or editing a BOM holds the product's lock, so
    the second read is settled. If it differs, what it names is locked too and read again.
    """
    lines, requested, locked = _active_lines(product_id), set(), {}
    while True:
        wanted = {product_id} | {component for _, component, _ in lines}
        if wanted <= requested:
            return lines, locked
        locked.update(stock_lock(product_ids=wanted - requested))
        requested |= wanted
        lines = _active_lines(product_id)
        if {product_id} | {component for _, component, _ in lines} <= requested:
            return lines, locked


def _record_lines(record: ProductionRecord) -> dict[int, int]:
    """`{component_id: per_unit}` of the BOM the record used (its lines never change once used)."""
    if record.bom_id is None:
        return {}
    return dict(
        BOMLine.objects.filter(bom_id=record.bom_id).values_list("component_id", "quantity")
    )


def _stock_move(
    *,
    record: ProductionRecord,
    products: dict[int, int],
    per_unit: dict[int, int],
    units: int,
    reason: str,
    user,
    locked: dict[int, Product] | None = None,
) -> dict[int, Product]:
    """One `stock_apply`: the product deltas (`reason`) and `units` x per-unit of each component
    taken (`consumption`; negative units return them), all locked, checked and written together.
    `locked`: rows this transaction already locked (see `stock_apply`). Returns the products
    with their new stock.

    Costs (SPEC §15) are the stock service's: units made from components cost what those
    components cost under the same lock (`made_from`); returned components come back at the
    cost of this record's latest consumption of each (`returned`)."""
    deltas = dict(products)
    deltas.update({component: -per * units for component, per in per_unit.items()})
    return stock_apply(
        deltas=deltas,
        locked=locked,
        reason=reason,
        reasons=dict.fromkeys(per_unit, CONSUMPTION),
        reference=_reference(record),
        user=user,
        made_from={pk: per_unit for pk, delta in products.items() if delta > 0}
        if per_unit and units > 0
        else {},
        returned=per_unit if units < 0 else (),
    )


@atomic_with_retry
def production_create(
    *, product: Product, employee: Employee, quantity: int, user, date: datetime.date | None = None
) -> ProductionRecord:
    """Record production: add it to stock and take its active BOM's components, if it has one.

    ValidationError for an inactive employee or a future date; InsufficientStock listing every
    short component, with nothing written. Returns the record as `selectors.production_list()`
    reads it.
    """
    date = date or timezone.localdate()
    _validate(employee=employee, date=date, employee_changed=True)
    lines, locked = _lock_with_active_bom(product.pk)  # before the insert: see stock_lock
    record = ProductionRecord.objects.create(
        product=product,
        employee=employee,
        quantity=quantity,
        bom_id=lines[0][0] if lines else None,
        date=date,
        created_by=user,
    )
    per_unit = {component: per_unit for _, component, per_unit in lines}
    products = _stock_move(
        record=record,
        products={product.pk: quantity},
        per_unit=per_unit,
        units=quantity,
        reason=StockMovement.Reason.PRODUCTION,
        user=user,
        locked=locked,
    )
    event_record(
        "production.recorded",
        _as_read(record, product=products[product.pk], per_unit=per_unit),
        as_read=True,
    )
    return record


def _as_read(record: ProductionRecord, *, product: Product, per_unit: dict[int, int]):
    """The new record as `selectors.production_list()` reads it, from what recording it left in
    memory: its product as locked (the name the read would see), its employee and creator, and
    the BOM it used with those lines (they never change once used). The event's payload and the
    API's response are rendered from it instead of reading the record back (six queries while
    the product and its components are locked); production/tests/test_api.py holds the
    two byte-equal."""
    record.product = product
    if record.bom_id is not None:
        bom = BOM(pk=record.bom_id)
        # As a prefetch leaves it: a queryset whose rows are these (filtering it queries anew).
        lines = bom.lines.all()
        lines._result_cache = [
            BOMLine(bom_id=record.bom_id, component_id=component, quantity=per)
            for component, per in per_unit.items()
        ]
        lines._prefetch_done = True
        bom._prefetched_objects_cache = {"lines": lines}
        record.bom = bom
    return record


@atomic_with_retry
def production_update(
    *,
    record: ProductionRecord,
    user,
    product: Product | None = None,
    employee: Employee | None = None,
    quantity: int | None = None,
    date: datetime.date | None = None,
) -> ProductionRecord:
    """Change a record; the product and its consumed components move by the difference.

    Uses the record's own BOM version. ValidationError for another product on a record that
    consumed components, or a product with an active BOM on one that did not (delete it and
    record again); InsufficientStock if any stock would go below zero, with nothing changed.
    """
    # Lock the record so two edits of it cannot both compute their difference from the same old state.
    locked = _lock(record)
    new_product = product or locked.product
    new_employee = employee or locked.employee
    new_quantity = quantity if quantity is not None else locked.quantity
    new_date = date or locked.date
    _validate(
        employee=new_employee, date=new_date, employee_changed=new_employee.pk != locked.employee_id
    )
    per_unit = _record_lines(locked)
    moves = new_product.pk != locked.product_id
    if moves and locked.bom_id is not None:
        raise ValidationError(
            {
                "product": [
                    "This record consumed components; its product cannot change "
                    "(delete it and record again)."
                ]
            }
        )
    rows = stock_lock(product_ids={locked.product_id, new_product.pk, *per_unit})
    if moves and _active_lines(new_product.pk):
        raise ValidationError(
            {
                "product": [
                    f"{new_product.name} has an active bill of materials; record its "
                    "production anew instead of moving this record to it."
                ]
            }
        )

    products = {locked.product_id: -locked.quantity}
    products[new_product.pk] = products.get(new_product.pk, 0) + new_quantity
    _stock_move(
        record=locked,
        products=products,
        per_unit=per_unit,
        units=new_quantity - locked.quantity,
        reason=StockMovement.Reason.PRODUCTION_CHANGE,
        user=user,
        locked=rows,
    )
    locked.product, locked.employee, locked.quantity, locked.date = (
        new_product,
        new_employee,
        new_quantity,
        new_date,
    )
    locked.save(update_fields=["product", "employee", "quantity", "date"])
    return locked


@atomic_with_retry
def production_delete(*, record: ProductionRecord, user) -> None:
    """Delete a record: take its units out of stock and return the components it consumed.

    InsufficientStock if the units were sold meanwhile, with nothing changed.
    """
    locked = _lock(record)
    per_unit = _record_lines(locked)
    _stock_move(
        record=locked,
        products={locked.product_id: -locked.quantity},
        per_unit=per_unit,
        units=-locked.quantity,
        reason=StockMovement.Reason.PRODUCTION_DELETE,
        user=user,
    )
    locked.delete()
