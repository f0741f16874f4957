"""SPEC §4 for the domain endpoints: every endpoint x anonymous / user / custom role / admin x method.

The custom role holds only `accounts.view_user`, so it is refused everywhere here. Each case builds
what it needs; a refused request must leave every domain table exactly as it was.
"""

import pytest

from accounts.tests.matrix import (
    ADMIN_ROLE,
    ANON,
    CUSTOM,
    USER_ROLE,
    Case,
    World,
    api_route_names,
    case_check,
    case_params,
)
from customers.models import Customer
from customers.tests.factories import make_customer
from employees.models import Employee
from employees.tests.factories import make_employee
from orders.invoicing import invoice_issue
from orders.models import Invoice, InvoiceLine, Order, OrderItem
from orders.services import order_place, order_ship
from production.models import BOM, BOMLine, ProductionRecord
from production.services import bom_create, production_create
from products.models import Product, StockMovement
from products.tests.factories import make_product
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order, make_supplier


def domain_state() -> dict:
    return {
        model.__name__: sorted(model.objects.values_list(*fields))
        for model, fields in [
            (Customer, ("id", "name", "email")),
            (Employee, ("id", "name", "is_active")),
            (Product, ("id", "name", "price", "stock")),
            (StockMovement, ("id", "delta")),
            (ProductionRecord, ("id", "product_id", "quantity")),
            (BOM, ("id", "status", "notes")),
            (BOMLine, ("id", "quantity")),
            (Order, ("id", "status")),
            (OrderItem, ("id", "quantity")),
            (Supplier, ("id", "name", "is_active")),
            (PurchaseOrder, ("id", "status", "notes")),
            (PurchaseOrderLine, ("id", "quantity", "received_quantity")),
            (Invoice, ("id", "number", "status", "paid_on")),
            (InvoiceLine, ("id", "quantity")),
        ]
    }


def expect(anonymous: int, user: int, custom: int, admin: int) -> dict[str, int]:
    return {ANON: anonymous, USER_ROLE: user, CUSTOM: custom, ADMIN_ROLE: admin}


READ = expect(401, 200, 403, 200)  # view_<model>: both built-in roles
CREATE = expect(401, 201, 403, 201)  # add_<model>: both built-in roles
CHANGE = expect(401, 403, 403, 200)  # change_<model>: admin only
DELETE = expect(401, 403, 403, 204)  # delete_<model>: admin only
IMMUTABLE = expect(401, 405, 405, 405)  # orders: no such method, for any signed-in caller


def a_customer(world):
    return f"/api/customers/{make_customer().pk}/"


def an_employee(world):
    return f"/api/employees/{make_employee().pk}/"


def a_product(world, suffix=""):
    return f"/api/products/{make_product(stock=10).pk}/{suffix}"


def a_record(world):
    record = production_create(
        product=make_product(), employee=make_employee(), quantity=5, user=world.target
    )
    return f"/api/production/{record.pk}/"


def a_bom(world, suffix=""):
    bom = bom_create(product=make_product(), lines=[(make_product(), 2)], user=world.target)
    return f"/api/boms/{bom.pk}/{suffix}"


def new_bom(world, caller):
    return {
        "product": make_product().pk,
        "lines": [{"component": make_product().pk, "quantity": 1}],
    }


def an_order(world, suffix=""):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=5), 2)], user=world.target
    )
    return f"/api/orders/{order.pk}/{suffix}"


def a_supplier(world):
    return f"/api/suppliers/{make_supplier().pk}/"


def a_purchase_order(world, suffix="", *, place=False, receive=0):
    order = make_purchase_order(user=world.target, place=place)
    if receive:
        line = order.lines.order_by("id").first()
        purchase_order_receive(order=order, receipts=[(line.pk, receive)], user=world.target)
    return f"/api/purchase-orders/{order.pk}/{suffix}"


def an_ordered_receipt(world):
    """An ordered purchase order's receive URL; its first line's id waits on the World for the body."""
    order = make_purchase_order(user=world.target, place=True)
    world.receipt_line = order.lines.order_by("id").first().pk
    return f"/api/purchase-orders/{order.pk}/receive/"


def a_receipt(world, caller):
    return {"lines": [{"line": world.receipt_line, "quantity": 1}]}


def new_purchase_order(world, caller):
    return {
        "supplier": make_supplier().pk,
        "lines": [{"product": make_product().pk, "quantity": 2, "unit_cost": "1.5000"}],
    }


def a_shipped_order(world, suffix=""):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=5), 2)], user=world.target
    )
    order_ship(order=order)
    return f"/api/orders/{order.pk}/{suffix}"


def an_invoice(world, suffix=""):
    order = order_place(
        customer=make_customer(), items=[(make_product(stock=5), 2)], user=world.target
    )
    return f"/api/invoices/{invoice_issue(order=order, user=world.target).pk}/{suffix}"


SHIP = expect(401, 200, 403, 200)  # orders.ship_order: both built-in roles


def new_customer(world, caller):
    return {"name": "New", "email": f"new-{caller}@example.com"}


def new_product(world, caller):
    return {"name": f"New {caller}", "price": "1.00", "initial_stock": 3}


def new_record(world, caller):
    return {"product": make_product().pk, "employee": make_employee().pk, "quantity": 2}


def new_order(world, caller):
    return {
        "customer": make_customer().pk,
        "items": [{"product": make_product(stock=3).pk, "quantity": 1}],
    }


def state(case: Case) -> Case:
    return Case(case.method, case.url, case.expect, case.body, case.label, state=domain_state)


CASES = [
    state(c)
    for c in [
        Case("get", "/api/customers/", READ),
        Case("post", "/api/customers/", CREATE, new_customer),
        Case("get", a_customer, READ),
        Case("patch", a_customer, CHANGE, {"phone": "555"}),
        Case("put", a_customer, CHANGE, {"name": "Renamed", "email": "renamed@example.com"}),
        Case("delete", a_customer, DELETE),
        Case("get", "/api/employees/", READ),
        Case("post", "/api/employees/", CREATE, {"name": "New hire"}),
        Case("get", an_employee, READ),
        Case("patch", an_employee, CHANGE, {"is_active": False}),
        Case("delete", an_employee, DELETE),
        Case("get", "/api/products/", READ),
        Case("post", "/api/products/", CREATE, new_product),
        Case("get", a_product, READ),
        Case("patch", a_product, CHANGE, {"price": "2.00"}),
        Case("delete", a_product, DELETE),
        Case("get", lambda w: a_product(w, "movements/"), READ),
        Case("post", lambda w: a_product(w, "adjust/"), CHANGE, {"delta": -1}),
        Case("get", "/api/production/", READ),
        Case("post", "/api/production/", CREATE, new_record),
        Case("get", a_record, READ),
        Case("patch", a_record, CHANGE, {"quantity": 6}),
        Case("delete", a_record, DELETE),
        Case("get", "/api/boms/", READ),
        Case("post", "/api/boms/", CREATE, new_bom),
        Case("get", a_bom, READ),
        Case("patch", a_bom, CHANGE, {"notes": "x"}),
        Case("delete", a_bom, DELETE),
        Case("post", lambda w: a_bom(w, "activate/"), expect(401, 403, 403, 200)),
        Case("post", lambda w: a_bom(w, "copy/"), CREATE),
        Case("get", lambda w: a_product(w, "requirements/"), READ),
        Case("get", "/api/orders/", READ),
        Case("post", "/api/orders/", CREATE, new_order),
        Case("get", an_order, READ),
        Case("patch", an_order, IMMUTABLE, {"notes": "x"}),
        Case("put", an_order, IMMUTABLE, {"notes": "x"}),
        Case("delete", an_order, IMMUTABLE),
        Case("post", lambda w: an_order(w, "cancel/"), CHANGE),
        Case("post", lambda w: an_order(w, "ship/"), SHIP, {"carrier": "DHL"}),
        Case("post", lambda w: a_shipped_order(w, "deliver/"), SHIP),
        Case("post", lambda w: an_order(w, "invoice/"), CREATE),
        Case("get", "/api/invoices/", READ),
        Case("post", "/api/invoices/", IMMUTABLE, {"order": 1}),
        Case("get", an_invoice, READ),
        Case("patch", an_invoice, IMMUTABLE, {"status": "paid"}),
        Case("delete", an_invoice, IMMUTABLE),
        Case("post", lambda w: an_invoice(w, "mark-paid/"), CHANGE),
        Case("get", lambda w: an_invoice(w, "pdf/"), READ),
        Case("get", "/api/reports/employee-production/", READ),
        Case("get", "/api/reports/top-selling-products/", READ),
        Case("get", "/api/reports/customer-lifetime-value/", READ),
        Case("get", "/api/reports/production/?date=2026-01-01", READ),
        Case("get", "/api/reports/low-stock/", READ),
        Case("get", "/api/reports/reorder/", READ),
        Case("get", "/api/suppliers/", READ),
        Case("post", "/api/suppliers/", CREATE, lambda w, caller: {"name": f"Supplier {caller}"}),
        Case("get", a_supplier, READ),
        Case("patch", a_supplier, CHANGE, {"phone": "555"}),
        Case("put", a_supplier, CHANGE, {"name": "Renamed supplier"}),
        Case("delete", a_supplier, DELETE),
        Case("get", "/api/purchase-orders/", READ),
        Case("post", "/api/purchase-orders/", CREATE, new_purchase_order),
        Case("get", a_purchase_order, READ),
        Case("patch", a_purchase_order, CHANGE, {"notes": "x"}),
        Case("put", a_purchase_order, CHANGE, new_purchase_order),
        Case("delete", a_purchase_order, DELETE),
        Case("post", lambda w: a_purchase_order(w, "place/"), CHANGE),
        Case(
            "post",
            lambda w: a_purchase_order(w, "receive/", place=True),
            expect(401, 400, 403, 400),
            {"lines": [{"line": 999_999, "quantity": 1}]},
            "another order's line",
        ),
        Case("post", an_ordered_receipt, expect(401, 200, 403, 200), a_receipt, "receipt"),
        Case("post", lambda w: a_purchase_order(w, "close/", place=True, receive=1), CHANGE),
        Case("post", lambda w: a_purchase_order(w, "cancel/"), CHANGE),
        Case("post", "/api/purchase-orders/from-reorder/", expect(401, 200, 403, 200)),
        Case("get", "/api/reports/receivables/", READ),
        # Change history (SPEC §17): the model's view permission.
        Case("get", lambda w: a_customer(w) + "history/", READ),
        Case("get", lambda w: an_employee(w) + "history/", READ),
        Case("get", lambda w: a_product(w, "history/"), READ),
        Case("get", lambda w: a_bom(w, "history/"), READ),
        Case("get", lambda w: a_supplier(w) + "history/", READ),
        Case("get", lambda w: a_purchase_order(w, "history/"), READ),
        Case("get", "/api/reports/stock-valuation/", READ),
        Case("get", "/api/reports/product-margins/?date_from=2026-01-01", READ),
    ]
]


@pytest.mark.django_db
@pytest.mark.parametrize(("case", "caller"), case_params(CASES))
def test_domain_permission_matrix(case, caller):
    case_check(case, caller, World.build())


def test_domain_permission_matrix_covers_every_domain_route():
    """A new endpoint without a matrix case fails here."""
    assert api_route_names(
        {
            "customer",
            "employee",
            "product",
            "productionrecord",
            "bom",
            "order",
            "invoice",
            "report",
            "supplier",
            "purchaseorder",
        }
    ) == {
        "customer-list",
        "customer-detail",
        "employee-list",
        "employee-detail",
        "product-list",
        "product-detail",
        "product-movements",
        "product-adjust",
        "productionrecord-list",
        "productionrecord-detail",
        "product-requirements",
        "bom-list",
        "bom-detail",
        "bom-activate",
        "bom-copy",
        "order-list",
        "order-detail",
        "order-cancel",
        "order-ship",
        "order-deliver",
        "order-invoice",
        "invoice-list",
        "invoice-detail",
        "invoice-mark-paid",
        "invoice-pdf",
        "report-employee-production",
        "report-top-selling-products",
        "report-customer-lifetime-value",
        "report-production",
        "report-low-stock",
        "report-reorder",
        "supplier-list",
        "supplier-detail",
        "purchaseorder-list",
        "purchaseorder-detail",
        "purchaseorder-place",
        "purchaseorder-receive",
        "purchaseorder-close",
        "purchaseorder-cancel",
        "purchaseorder-from-reorder",
        "report-receivables",
        "customer-history",
        "employee-history",
        "product-history",
        "bom-history",
        "supplier-history",
        "purchaseorder-history",
        "report-stock-valuation",
        "report-product-margins",
    }, "add a matrix case for each new route, then list it here"
