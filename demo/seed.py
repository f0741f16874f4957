"""Coherent random demo data through bulk inserts (SPEC §10).

Everything is generated in memory first, so that each product's opening
stock can be chosen to cover what its orders take; then rows are written in
batches with explicit primary keys. The ledger gets one movement per
production record, per component a record of a product with a bill of
materials consumed (`consumption`), per order line and per cancelled line,
plus one opening (`initial`) movement per product, so `stock == Σ delta`
holds for every product.
"""

import datetime
import random
import uuid
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import User
from customers.models import Customer
from employees.models import Employee
from events.models import Event
from factory.cache import invalidate_all
from orders.invoicing import invoice_number
from orders.models import Invoice, InvoiceCounter, InvoiceLine, Order, OrderItem
from orders.services import order_totals
from production.models import BOM, BOMLine, ProductionRecord
from products.models import Product, StockMovement
from products.services.stock import COST_QUANTUM, weighted_average
from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier


@dataclass(frozen=True)
class Size:
    customers: int
    products: int
    employees: int
    orders: int
    items_per_order: float
    production: int
    days: int
    raw_materials: int = 0  # bought-in components with their own stock (SPEC §13)
    bom_share: float = 0.4  # the share of products made from a bill of materials


SIZES = {
    "small": Size(
        customers=60,
        products=40,
        employees=12,
        orders=400,
        items_per_order=3,
        production=300,
        days=90,
        raw_materials=12,
    ),
    "medium": Size(
        customers=2_000,
        products=300,
        employees=60,
        orders=20_000,
        items_per_order=3,
        production=10_000,
        days=365,
        raw_materials=40,
    ),
    "large": Size(
        customers=10_000,
        products=1_000,
        employees=200,
        orders=200_000,
        items_per_order=3,
        production=100_000,
        days=730,
        raw_materials=120,
    ),
}
BATCH = 5_000
CANCELLED_SHARE = 0.03
# Of the orders not cancelled: shipped (once the shipping delay has passed), then delivered;
# invoiced (when shipped, or soon after placing); of the invoices due a while ago, paid.
SHIPPED_SHARE = 0.7
DELIVERED_SHARE = 0.85
INVOICED_SHARE = 0.5
PAID_SHARE = 0.7
CARRIERS = ["DHL", "UPS", "FedEx", "DPD", "Own truck"]

WORDS = [
    "Gear",
    "Bolt",
    "Bracket",
    "Valve",
    "Spring",
    "Hinge",
    "Panel",
    "Shaft",
    "Pulley",
    "Clamp",
    "Bearing",
    "Coupling",
    "Flange",
    "Gasket",
    "Rivet",
    "Sprocket",
    "Washer",
    "Bushing",
    "Nozzle",
    "Rotor",
]
MATERIALS = ["steel", "brass", "aluminium", "nylon", "copper", "titanium", "oak", "carbon"]
FIRST = [
    "Ada",
    "Grace",
    "Alan",
    "Linus",
    "Margaret",
    "Dennis",
    "Barbara",
    "Ken",
    "Frances",
    "Edsger",
    "Radia",
    "John",
    "Hedy",
    "Niklaus",
    "Sophie",
    "Tim",
    "Karen",
    "Guido",
    "Anita",
    "Bjarne",
]
LAST = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Allen",
    "Dijkstra",
    "Perlman",
    "Backus",
    "Lamarr",
    "Wirth",
    "Wilson",
    "Berners-Lee",
    "Jones",
    "Rossum",
]
# Raw materials: (form, unit).
RAW_FORMS = [
    ("sheet", "pcs"),
    ("rod", "m"),
    ("wire", "m"),
    ("granulate", "kg"),
    ("bolt", "pcs"),
    ("powder", "kg"),
    ("tube", "m"),
]
SUPPLIER_WORDS = ["Metals", "Fasteners", "Plastics", "Components", "Supply", "Industrial"]


def _purchasing(*, products, rng, user, start, now):
    """Suppliers (most products get a default one) and purchase orders in every status.

    One purchase order per two products, 1-4 lines each, statuses in turn: received lines
    go on the ledger as `purchase_receipt` movements at the line's cost. Returns the rows
    and the units received per product.
    """
    supplier_id, order_id = _next_id(Supplier), _next_id(PurchaseOrder)
    suppliers = [
        Supplier(
            pk=supplier_id + i,
            name=f"{rng.choice(LAST)} {rng.choice(SUPPLIER_WORDS)} {supplier_id + i}",
            email=f"sales{supplier_id + i}@supplier.example.com",
            phone=f"555-{rng.randrange(10_000):04d}",
            lead_time_days=rng.choice([3, 5, 7, 10, 14]),
            is_active=i % 10 != 9,
            created_at=start,
        )
        for i in range(max(3, len(products) // 20))
    ]
    for product in products:
        if rng.random() < 0.9:
            product.default_supplier_id = rng.choice(suppliers).pk
        product.reorder_quantity = rng.choice([0, 20, 50, 100]) if product.reorder_level else 0
    statuses = list(PurchaseOrder.Status)
    orders, lines, movements = [], [], []
    received = defaultdict(int)
    for i, created in enumerate(
        sorted(
            start + (now - start) * rng.random()
            for _ in range(max(len(statuses), len(products) // 2))
        )
    ):
        status = statuses[i % len(statuses)]
        pk = order_id + i
        orders.append(
            PurchaseOrder(
                pk=pk,
                supplier_id=rng.choice(suppliers).pk,
                status=status,
                expected_on=(created + datetime.timedelta(days=7)).date(),
                notes="Demo purchase order.",
                created_at=created,
                created_by_id=user.pk,
                ordered_at=None if status == PurchaseOrder.Status.DRAFT else created,
            )
        )
        chosen = rng.sample(products, k=min(len(products), rng.randrange(1, 5)))
        for n, product in enumerate(chosen):
            quantity = rng.randrange(10, 200)
            if status == PurchaseOrder.Status.RECEIVED:
                got = quantity
            elif status in (PurchaseOrder.Status.PARTIALLY_RECEIVED, PurchaseOrder.Status.CLOSED):
                got = quantity // 2 if n == 0 else rng.choice([0, quantity])
            else:
                got = 0
            # What the factory pays: 40-90 % of what it would sell the product for.
            cost = (product.price * rng.randrange(40, 90) / 100).quantize(COST_QUANTUM)
            lines.append(
                PurchaseOrderLine(
                    order_id=pk,
                    product_id=product.pk,
                    quantity=quantity,
                    received_quantity=got,
                    unit_cost=cost,
                )
            )
            if got:
                received[product.pk] += got
                movements.append(
                    StockMovement(
                        product_id=product.pk,
                        delta=got,
                        reason=StockMovement.Reason.PURCHASE_RECEIPT,
                        reference=f"po:{pk}",
                        unit_cost=cost,
                        created_at=min(created + datetime.timedelta(days=3), now),
                        created_by_id=user.pk,
                    )
                )
    return suppliers, orders, lines, movements, received


POSITIONS = ["Machinist", "Assembler", "Welder", "Painter", "Inspector", "Packer", "Foreman"]


def _preparer(field):
    """A function turning the field's Python value into what the database driver takes."""
    ops = connection.ops
    if isinstance(field, models.DateTimeField):
        if field.auto_now or field.auto_now_add:  # what bulk_create's pre_save would fill in
            now = timezone.now()
            return lambda value: ops.adapt_datetimefield_value(now if value is None else value)
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(field, models.DecimalField):
        return lambda value: ops.adapt_decimalfield_value(
            value, field.max_digits, field.decimal_places
        )
    if isinstance(field, models.JSONField | models.UUIDField):
        return lambda value: field.get_db_prep_value(value, connection)
    return None


def _bulk(model, rows, bar):
    """Insert `rows` (unsaved instances) with plain multi-row INSERTs, BATCH rows a statement.

    `bulk_create` spends most of its time compiling SQL in Python (measured: 20 of
    the 30 seconds of `medium`); here each row is a tuple of values the driver takes as
    they are. Rows get their primary key from the database unless it was set.
    """
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and rows[0].pk is None)]
    columns = [(f.attname, _preparer(f)) for f in fields]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Table and column names come from the model; every value is a parameter.
    sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.executemany(
                sql,
                [
                    tuple(
                        prepare(getattr(row, attname)) if prepare else getattr(row, attname)
                        for attname, prepare in columns
                    )
                    for row in batch
                ],
            )
            bar.update(len(batch))


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


@contextmanager
def _checks_off_on_mariadb():
    """MariaDB skips unique and foreign-key checks of the rows inserted meanwhile (they are
    coherent by construction), and the connection has them back whatever happens: it is kept."""
    if connection.vendor != "mysql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION unique_checks = 0, foreign_key_checks = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET SESSION unique_checks = 1, foreign_key_checks = 1")


def seed(*, size: str, rng: random.Random, user: User, progress: bool = True) -> dict[str, int]:
    """Insert a `size` data set; returns the row counts written."""
    spec = SIZES[size]
    # Customers, products and employees exist before the `spec.days` of production and orders
    # begin, and every kind of row is numbered in time order: ids and dates sort alike, as they
    # do for rows the API creates (lists are newest first by id, the ledger by date).
    now = timezone.now()
    start = now - datetime.timedelta(days=spec.days)

    def moments(count: int, since: datetime.datetime, until: datetime.datetime) -> list:
        seconds = int((until - since).total_seconds())
        return sorted(
            since + datetime.timedelta(seconds=rng.randrange(seconds)) for _ in range(count)
        )

    joined = moments(spec.customers, start - datetime.timedelta(days=30), start)
    # Raw materials are listed before the products made from them.
    stocked = moments(
        spec.raw_materials, start - datetime.timedelta(days=40), start - datetime.timedelta(days=30)
    )
    listed = moments(spec.products, start - datetime.timedelta(days=30), start)
    made_at = iter(moments(spec.production, start, now))
    ordered_at = iter(moments(spec.orders, start, now))

    customer_id, product_id, employee_id = _next_id(Customer), _next_id(Product), _next_id(Employee)
    raw_materials = []
    for i in range(spec.raw_materials):
        form, unit = rng.choice(RAW_FORMS)
        raw_materials.append(
            Product(
                pk=product_id + i,
                name=f"{rng.choice(MATERIALS).title()} {form} {product_id + i}",
                sku=f"RAW-{product_id + i:06d}",
                description="Demo raw material.",
                price=Decimal(rng.randrange(10, 2_000)) / 100,
                reorder_level=rng.choice([0, 100, 500]),
                unit=unit,
                created_at=stocked[i],
            )
        )
    product_id += spec.raw_materials
    customers = [
        Customer(
            pk=customer_id + i,
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"customer{customer_id + i}@example.com",
            phone=f"555-{rng.randrange(10_000):04d}",
            address=f"{rng.randrange(1, 999)} Industrial Way",
            created_at=joined[i],
        )
        for i in range(spec.customers)
    ]
    products = [
        Product(
            pk=product_id + i,
            name=f"{rng.choice(MATERIALS).title()} {rng.choice(WORDS)} {product_id + i}",
            sku=f"SKU-{product_id + i:06d}",
            description="Demo product.",
            price=Decimal(rng.randrange(50, 50_000)) / 100,
            reorder_level=rng.choice([0, 0, 10, 25, 50, 100]),
            created_at=listed[i],
        )
        for i in range(spec.products)
    ]
    employees = [
        Employee(
            pk=employee_id + i,
            name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            position=rng.choice(POSITIONS),
            email=f"employee{employee_id + i}@factory.example.com",
            hired_on=timezone.localdate(start) - datetime.timedelta(days=rng.randrange(3_000)),
            is_active=rng.random() > 0.05,
        )
        for i in range(spec.employees)
    ]
    active_employees = [e for e in employees if e.is_active] or employees[:1]

    # Bills of materials: part of the products are made of 2-5 raw materials. Some got a second
    # version halfway through, so older records consume an archived BOM and newer ones the active.
    boms, bom_lines, versions = [], [], {}  # versions: product id -> [(from, bom, lines)]
    bom_id = _next_id(BOM)
    midway = start + (now - start) / 2
    for product in (
        rng.sample(products, round(len(products) * spec.bom_share)) if raw_materials else []
    ):
        count = 2 if rng.random() < 0.2 else 1
        for version in range(1, count + 1):
            since = start - datetime.timedelta(days=1) if version == 1 else midway
            chosen = rng.sample(raw_materials, min(len(raw_materials), rng.randint(2, 5)))
            lines = [(raw.pk, rng.randint(1, 5)) for raw in chosen]
            boms.append(
                BOM(
                    pk=bom_id,
                    product_id=product.pk,
                    version=version,
                    status=BOM.Status.ACTIVE if version == count else BOM.Status.ARCHIVED,
                    notes="Demo bill of materials.",
                    created_at=since,
                    created_by_id=user.pk,
                )
            )
            bom_lines += [BOMLine(bom_id=bom_id, component_id=c, quantity=q) for c, q in lines]
            versions.setdefault(product.pk, []).append((since, bom_id, lines))
            bom_id += 1

    # Production: units made, and raw materials consumed, on the ledger.
    production = []
    movements = []
    record_id = _next_id(ProductionRecord)
    for i in range(spec.production):
        product = rng.choice(products)
        quantity = rng.randrange(1, 60)
        created = next(made_at)
        used = [v for v in versions.get(product.pk, []) if v[0] <= created]
        _, used_bom, used_lines = used[-1] if used else (None, None, [])
        for component, per_unit in used_lines:
            movements.append(
                StockMovement(
                    product_id=component,
                    delta=-per_unit * quantity,
                    reason=StockMovement.Reason.CONSUMPTION,
                    reference=f"production:{record_id + i}",
                    created_at=created,
                    created_by_id=user.pk,
                )
            )
        production.append(
            ProductionRecord(
                pk=record_id + i,
                product_id=product.pk,
                employee_id=rng.choice(active_employees).pk,
                quantity=quantity,
                bom_id=used_bom,
                date=timezone.localtime(created).date(),
                created_at=created,
                created_by_id=user.pk,
            )
        )
        movements.append(
            StockMovement(
                product_id=product.pk,
                delta=quantity,
                reason=StockMovement.Reason.PRODUCTION,
                reference=f"production:{record_id + i}",
                created_at=created,
                created_by_id=user.pk,
            )
        )

    # Orders: lines with prices snapshotted, a few cancelled (their stock returned).
    orders, items, events = [], [], []
    invoiced: list[tuple[datetime.datetime, Order, list]] = []
    order_id = _next_id(Order)
    weights = [rng.paretovariate(1.2) for _ in products]  # some products sell far more than others
    for i in range(spec.orders):
        count = max(1, min(len(products), round(rng.gauss(spec.items_per_order, 1))))
        chosen = {p.pk: p for p in rng.choices(products, weights=weights, k=count * 2)}
        lines = [(p, rng.randrange(1, 10)) for p in list(chosen.values())[:count]]
        created = next(ordered_at)
        cancelled = rng.random() < CANCELLED_SHARE
        cancelled_at = min(created + datetime.timedelta(hours=2), now)
        subtotal, tax, total = order_totals(
            lines=[(p.price, q) for p, q in lines], tax_rate=settings.TAX_RATE
        )
        order = Order(
            pk=order_id + i,
            customer_id=rng.choice(customers).pk,
            status=Order.Status.CANCELLED if cancelled else Order.Status.PLACED,
            tax_rate=settings.TAX_RATE,
            subtotal=subtotal,
            tax=tax,
            total=total,
            created_at=created,
            created_by_id=user.pk,
            cancelled_at=cancelled_at if cancelled else None,
        )
        orders.append(order)
        events.append(_placed_event(order, rng))
        if not cancelled:
            _fulfil(order, lines, rng=rng, now=now, invoiced=invoiced)
        for product, quantity in lines:
            items.append(
                OrderItem(
                    order_id=order_id + i,
                    product_id=product.pk,
                    quantity=quantity,
                    unit_price=product.price,
                )
            )
            movements.append(
                StockMovement(
                    product_id=product.pk,
                    delta=-quantity,
                    reason=StockMovement.Reason.ORDER,
                    reference=f"order:{order_id + i}",
                    created_at=created,
                    created_by_id=user.pk,
                )
            )
            if cancelled:
                movements.append(
                    StockMovement(
                        product_id=product.pk,
                        delta=quantity,
                        reason=StockMovement.Reason.ORDER_CANCEL,
                        reference=f"order:{order_id + i}",
                        created_at=cancelled_at,
                        created_by_id=user.pk,
                    )
                )

    suppliers, purchase_orders, purchase_lines, receipts, _received = _purchasing(
        products=raw_materials + products, rng=rng, user=user, start=start, now=now
    )
    movements += receipts

    # Opening stock covers the deepest the rest of the ledger would take the product below zero
    # (so stock is never negative at any moment, and every sale has a cost: SPEC §5, §15),
    # plus some on the shelf.
    movements.sort(key=lambda m: m.created_at)
    balance, lowest = defaultdict(int), defaultdict(int)
    for movement in movements:
        balance[movement.product_id] += movement.delta
        lowest[movement.product_id] = min(lowest[movement.product_id], balance[movement.product_id])
    opening = []
    for product in raw_materials + products:
        initial = -lowest[product.pk] + rng.randrange(0, 120)
        product.stock = initial + balance[product.pk]
        if initial:
            opening.append(
                StockMovement(
                    product_id=product.pk,
                    delta=initial,
                    reason=StockMovement.Reason.INITIAL,
                    reference=f"product:{product.pk}",
                    note="Opening stock",
                    created_at=product.created_at,
                    created_by_id=user.pk,
                )
            )
    movements = opening + movements
    _costs(movements, items=items, products=raw_materials + products, rng=rng)
    invoices, invoice_lines, counters = _invoices(
        invoiced, customers={c.pk: c for c in customers}, rng=rng, user=user, now=now
    )

    steps = [
        (Customer, customers, "customers"),
        (Employee, employees, "employees"),
        (Supplier, suppliers, "suppliers"),
        (Product, raw_materials + products, "products"),
        (BOM, boms, "bills of materials"),
        (BOMLine, bom_lines, "BOM lines"),
        (ProductionRecord, production, "production"),
        (Order, orders, "orders"),
        (OrderItem, items, "order items"),
        (PurchaseOrder, purchase_orders, "purchase orders"),
        (PurchaseOrderLine, purchase_lines, "purchase order lines"),
        (StockMovement, movements, "ledger"),
        (Invoice, invoices, "invoices"),
        (InvoiceLine, invoice_lines, "invoice lines"),
        (Event, events, "events"),
    ]
    total = sum(len(rows) for _, rows, _ in steps)
    with transaction.atomic(), _checks_off_on_mariadb():
        with tqdm(total=total, desc=f"seed_demo {size}", unit=" rows", disable=not progress) as bar:
            for model, rows, label in steps:
                bar.set_postfix_str(label)
                _bulk(model, rows, bar)
        for year, last in counters.items():
            InvoiceCounter.objects.update_or_create(year=year, defaults={"last": last})
        # Bulk inserts send no signals: invalidate every cached list, count and report.
        invalidate_all()
    return {label: len(rows) for _, rows, label in steps}


def _costs(movements: list, *, items: list, products: list, rng: random.Random) -> None:
    """Every movement's `unit_cost`, each product's `average_cost` and each order item's
    `unit_cost`, by SPEC §15's rules, replaying the ledger in time order (docs/costing.md).

    Opening stock costs 40-70 % of the product's price; receipts carry their line's cost;
    production of a product with a bill of materials costs its consumed components'
    averages; outgoing movements leave at the average, cancelled lines return at the cost
    they left with. Sets the products' `average_cost` (they are inserted after this)."""
    prices = {product.pk: product.price for product in products}
    stock: dict[int, int] = defaultdict(int)
    average: dict[int, Decimal] = defaultdict(lambda: Decimal("0"))
    consumed: dict[str, list] = defaultdict(list)  # reference -> [(component, units)]
    left_at: dict[tuple[str, int], Decimal] = {}
    for m in movements:
        if m.reason == StockMovement.Reason.CONSUMPTION:
            consumed[m.reference].append((m.product_id, -m.delta))
    for m in movements:
        pk = m.product_id
        if m.delta < 0:
            m.unit_cost = average[pk]
            left_at[(m.reference, pk)] = m.unit_cost
        elif m.reason == StockMovement.Reason.INITIAL:
            m.unit_cost = (prices[pk] * rng.randrange(40, 70) / 100).quantize(COST_QUANTUM)
        elif m.reason == StockMovement.Reason.ORDER_CANCEL:
            m.unit_cost = left_at[(m.reference, pk)]
        elif m.reason == StockMovement.Reason.PRODUCTION and consumed.get(m.reference):
            made_from = sum((units * average[c] for c, units in consumed[m.reference]), Decimal(0))
            m.unit_cost = (made_from / m.delta).quantize(COST_QUANTUM)  # Σ per_unit x average
        elif m.reason != StockMovement.Reason.PURCHASE_RECEIPT:
            m.unit_cost = average[pk]
        if m.delta > 0:
            average[pk] = weighted_average(
                stock=max(stock[pk], 0),
                average=average[pk],
                quantity=m.delta,
                unit_cost=m.unit_cost,
            )
        stock[pk] += m.delta
    for item in items:
        item.unit_cost = left_at[(f"order:{item.order_id}", item.product_id)]
    for product in products:
        product.average_cost = average[product.pk]


def _placed_event(order: Order, rng: random.Random) -> Event:
    """The outbox row placing `order` wrote (SPEC §18), with a short payload: the order's id,
    customer, status and totals (the API's full read shape is what a live order records)."""
    return Event(
        id=uuid.UUID(int=rng.getrandbits(128), version=4),
        type="order.placed",
        created_at=order.created_at,
        data={
            "id": order.pk,
            "customer": order.customer_id,
            "status": Order.Status.PLACED,
            "subtotal": str(order.subtotal),
            "tax": str(order.tax),
            "total": str(order.total),
            "created_at": order.created_at.isoformat().replace("+00:00", "Z"),
        },
    )


def _fulfil(order: Order, lines: list, *, rng: random.Random, now, invoiced: list) -> None:
    """Ship, deliver and pick for invoicing part of the placed orders, at plausible moments."""
    shipped_at = order.created_at + datetime.timedelta(hours=rng.uniform(2, 72))
    if shipped_at <= now and rng.random() < SHIPPED_SHARE:
        order.status, order.shipped_at = Order.Status.SHIPPED, shipped_at
        order.carrier = rng.choice(CARRIERS)
        order.tracking_number = f"TRK{order.pk:010d}"
        delivered_at = shipped_at + datetime.timedelta(hours=rng.uniform(12, 120))
        if delivered_at <= now and rng.random() < DELIVERED_SHARE:
            order.status, order.delivered_at = Order.Status.DELIVERED, delivered_at
    if rng.random() < INVOICED_SHARE:
        issued = order.shipped_at or min(order.created_at + datetime.timedelta(hours=1), now)
        invoiced.append((issued, order, lines))


def _invoices(invoiced: list, *, customers: dict, rng: random.Random, user: User, now):
    """Invoices and their lines for the picked orders, numbered in issue order per UTC year.

    Numbering continues each year's counter, so seeding again (or after real invoices) never
    repeats a number. Returns (invoices, lines, {year: last number}).
    """
    counters = dict(InvoiceCounter.objects.values_list("year", "last"))
    invoice_id = _next_id(Invoice)
    today = now.astimezone(datetime.UTC).date()
    invoices, lines = [], []
    for n, (issued, order, order_lines) in enumerate(sorted(invoiced, key=lambda entry: entry[0])):
        issued_on = issued.astimezone(datetime.UTC).date()
        year = issued_on.year
        counters[year] = counters.get(year, 0) + 1
        due_on = issued_on + datetime.timedelta(days=settings.INVOICE_DUE_DAYS)
        paid_on = None
        if (today - issued_on).days > 7 and rng.random() < PAID_SHARE:
            paid_on = min(issued_on + datetime.timedelta(days=rng.randrange(1, 45)), today)
        customer = customers[order.customer_id]
        invoices.append(
            Invoice(
                pk=invoice_id + n,
                order_id=order.pk,
                number=invoice_number(year=year, sequence=counters[year]),
                year=year,
                sequence=counters[year],
                customer_id=customer.pk,
                customer_name=customer.name,
                customer_email=customer.email,
                customer_address=customer.address,
                issued_on=issued_on,
                due_on=due_on,
                tax_rate=order.tax_rate,
                subtotal=order.subtotal,
                tax=order.tax,
                total=order.total,
                status=Invoice.Status.PAID if paid_on else Invoice.Status.UNPAID,
                paid_on=paid_on,
                created_at=issued,
                created_by_id=user.pk,
            )
        )
        lines.extend(
            InvoiceLine(
                invoice_id=invoice_id + n,
                description=f"{product.name} ({product.sku})",
                quantity=quantity,
                unit_price=product.price,
                line_total=(product.price * quantity).quantize(Decimal("0.01")),
            )
            for product, quantity in order_lines
        )
    return invoices, lines, counters
