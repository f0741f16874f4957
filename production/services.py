"""Every write to production records; each moves stock through `products.services.stock_apply`."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from employees.models import Employee
from factory.db import atomic_with_retry
from factory.errors import NotFound
from production.models import ProductionRecord
from products.models import Product, StockMovement
from products.services import stock_apply, stock_lock


def _reference(record: ProductionRecord) -> str:
    return f"production:{record.pk}"


def _validate(*, employee: Employee, date: datetime.date, employee_changed: bool) -> None:
    errors = {}
    if employee_changed and not employee.is_active:
        errors["employee"] = ["An inactive employee cannot record production."]
    if date > timezone.localdate():
        errors["date"] = ["The date cannot be in the future."]
    if errors:
        raise ValidationError(errors)


@atomic_with_retry
def production_create(
    *, product: Product, employee: Employee, quantity: int, user, date: datetime.date | None = None
) -> ProductionRecord:
    """Record production and add it to stock. ValidationError for an inactive employee or a future date."""
    date = date or timezone.localdate()
    _validate(employee=employee, date=date, employee_changed=True)
    stock_lock(product_ids=[product.pk])  # before the insert: see stock_lock
    record = ProductionRecord.objects.create(
        product=product, employee=employee, quantity=quantity, date=date, created_by=user
    )
    stock_apply(
        deltas={product.pk: quantity},
        reason=StockMovement.Reason.PRODUCTION,
        reference=_reference(record),
        user=user,
    )
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
    """Change a record; stock moves by the difference. InsufficientStock if that would go below zero."""
    # Lock the record so two edits of it cannot both compute their difference from the same old state.
    locked = _lock(record)
    new_product = product or locked.product
    new_employee = employee or locked.employee
    new_quantity = quantity if quantity is not None else locked.quantity
    new_date = date or locked.date
    _validate(
        employee=new_employee, date=new_date, employee_changed=new_employee.pk != locked.employee_id
    )

    deltas = {locked.product_id: -locked.quantity}
    deltas[new_product.pk] = deltas.get(new_product.pk, 0) + new_quantity
    stock_apply(
        deltas=deltas,
        reason=StockMovement.Reason.PRODUCTION_CHANGE,
        reference=_reference(locked),
        user=user,
    )
    locked.product, locked.employee, locked.quantity, locked.date = (
        new_product,
        new_employee,
        new_quantity,
        new_date,
    )
    locked.save(update_fields=["product", "employee", "quantity", "date"])
    return locked


def _lock(record: ProductionRecord) -> ProductionRecord:
    """The record, locked until the transaction ends; NotFound if another request deleted it."""
    locked = ProductionRecord.objects.select_for_update().filter(pk=record.pk).first()
    if locked is None:
        raise NotFound(f"Production record {record.pk} no longer exists.")
    return locked


@atomic_with_retry
def production_delete(*, record: ProductionRecord, user) -> None:
    """Delete a record and take its units back out of stock. InsufficientStock if they were sold."""
    locked = _lock(record)
    stock_apply(
        deltas={locked.product_id: -locked.quantity},
        reason=StockMovement.Reason.PRODUCTION_DELETE,
        reference=_reference(locked),
        user=user,
    )
    locked.delete()
