"""Test data for purchasing (plain functions, as in products.tests.factories)."""

import itertools
from decimal import Decimal

from products.models import Product, StockMovement
from products.tests.factories import make_product
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.services import (
    LineInput,
    purchase_order_create,
    purchase_order_place,
    supplier_create,
)

_sequence = itertools.count(1)


def make_supplier(**fields) -> Supplier:
    n = next(_sequence)
    fields.setdefault("name", f"Supplier {n}")
    fields.setdefault("email", f"supplier{n}@example.com")
    return supplier_create(**fields)


def make_purchase_order(
    *, user, supplier=None, lines=None, place: bool = False, **fields
) -> PurchaseOrder:
    """A draft (or, with `place=True`, an ordered) purchase order; `lines` are
    `(product, quantity, unit_cost)`; by default two new products, 10 at 2.5000 and 5 at 1.2500."""
    if lines is None:
        lines = [(make_product(), 10, Decimal("2.5000")), (make_product(), 5, Decimal("1.2500"))]
    order = purchase_order_create(
        supplier=supplier or make_supplier(),
        lines=[LineInput(product=p, quantity=q, unit_cost=Decimal(c)) for p, q, c in lines],
        user=user,
        **fields,
    )
    if place:
        order = purchase_order_place(order=order, user=user)
    return order


def purchasing_state() -> dict:
    """Everything a refused purchasing request must leave as it was."""
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in [
            (Supplier, ("id", "name", "email", "lead_time_days", "is_active")),
            (PurchaseOrder, ("id", "status", "supplier_id", "notes", "expected_on")),
            (
                PurchaseOrderLine,
                ("id", "order_id", "product_id", "quantity", "received_quantity", "unit_cost"),
            ),
            (Product, ("id", "stock", "default_supplier_id")),
            (StockMovement, ("id", "delta", "reason")),
        ]
    }
