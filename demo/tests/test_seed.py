import random

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from customers.models import Customer
from demo.seed import seed
from employees.models import Employee
from events.models import Event
from orders.models import Order, OrderItem
from orders.services import order_totals
from production.models import ProductionRecord
from products.models import Product, StockMovement

pytestmark = pytest.mark.django_db


def test_seed_small_is_coherent(admin_account):
    counts = seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    assert counts["customers"] == Customer.objects.count() == 60
    assert counts["orders"] == Order.objects.count() == 400
    assert OrderItem.objects.count() >= 400 and ProductionRecord.objects.count() == 300
    ledger = dict(
        Product.objects.annotate(total=Sum("movements__delta")).values_list("pk", "total")
    )
    for product in Product.objects.all():
        assert product.stock >= 0
        assert (ledger[product.pk] or 0) == product.stock
    order = Order.objects.prefetch_related("items").first()
    assert (order.subtotal, order.tax, order.total) == order_totals(
        lines=[(i.unit_price, i.quantity) for i in order.items.all()], tax_rate=order.tax_rate
    )
    assert Order.objects.filter(status="cancelled").exists()


def test_seed_ids_follow_time_and_master_data_comes_first(admin_account):
    """Lists are newest first by id: seeded rows must be numbered in the order they happened."""
    seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    now = timezone.now()
    for model in (Customer, Product, Order, ProductionRecord, StockMovement):
        times = list(model.objects.order_by("pk").values_list("created_at", flat=True))
        assert times == sorted(times) and times[-1] <= now, model.__name__
    first_activity = min(
        Order.objects.earliest("created_at").created_at,
        ProductionRecord.objects.earliest("created_at").created_at,
    )
    assert Product.objects.latest("created_at").created_at <= first_activity
    assert Customer.objects.latest("created_at").created_at <= first_activity
    assert (
        Employee.objects.latest("hired_on").hired_on
        <= ProductionRecord.objects.earliest("date").date
    )
    assert not Order.objects.filter(cancelled_at__gt=now).exists()
    # Opening stock comes before anything else on each product's ledger.
    for product in Product.objects.filter(movements__reason="initial").distinct():
        assert product.movements.order_by("created_at", "pk").first().reason == "initial"


def test_seed_demo_command_is_idempotent_for_logins_and_once_with_if_empty(
    capsys, tmp_path, monkeypatch
):
    from accounts import demo

    monkeypatch.setattr(demo, "PASSWORDS_FILE", tmp_path / ".demo-logins")
    call_command("seed_demo", "--size", "small", "--if-empty")
    first = capsys.readouterr().out
    call_command("seed_demo", "--size", "small", "--if-empty")
    second = capsys.readouterr().out
    assert "Seeded 'small'" in first and "already present" in second
    assert Customer.objects.count() == 60
    assert set(User.objects.values_list("username", flat=True)) == {"admin", "clerk"}
    assert User.objects.get(username="admin").role.name == "admin"
    assert User.objects.get(username="clerk").role.name == "user"
    password_line = next(line for line in first.splitlines() if line.strip().startswith("admin"))
    assert password_line in second  # the same password is printed again
    assert User.objects.get(username="admin").check_password(password_line.split("/")[1].split()[0])


def test_seed_gives_part_of_the_products_boms_and_consumes_them(admin_account):
    from production.models import BOM, BOMLine

    seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    active = BOM.objects.filter(status="active")
    assert 0 < active.count() < Product.objects.count()
    assert active.values("product").distinct().count() == active.count()  # one per product
    for bom in BOM.objects.prefetch_related("lines"):
        assert 2 <= len(bom.lines.all()) <= 5
        assert all(line.component_id != bom.product_id for line in bom.lines.all())
    components = set(BOMLine.objects.values_list("component_id", flat=True))
    assert not components & set(BOM.objects.values_list("product_id", flat=True))  # no cycles
    consuming = ProductionRecord.objects.exclude(bom=None).select_related("bom")
    assert 0 < consuming.count() < ProductionRecord.objects.count()
    for record in consuming[:50]:
        assert record.bom.product_id == record.product_id
        moved = dict(
            StockMovement.objects.filter(
                reference=f"production:{record.pk}", reason="consumption"
            ).values_list("product_id", "delta")
        )
        assert moved == {
            line.component_id: -line.quantity * record.quantity for line in record.bom.lines.all()
        }


def test_seed_small_has_purchasing_in_every_status_with_receipts_on_the_ledger(admin_account):
    from purchasing.models import PurchaseOrder, PurchaseOrderLine, Supplier

    seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    assert Supplier.objects.count() >= 3
    assert set(PurchaseOrder.objects.values_list("status", flat=True)) == set(
        PurchaseOrder.Status.values
    )
    assert Product.objects.filter(default_supplier__isnull=False).exists()
    for order in PurchaseOrder.objects.prefetch_related("lines"):
        received = [line.received_quantity for line in order.lines.all()]
        quantities = [line.quantity for line in order.lines.all()]
        if order.status == "received":
            assert received == quantities
        elif order.status in ("partially_received", "closed"):
            assert 0 < sum(received) < sum(quantities)
        else:
            assert sum(received) == 0
    receipts = StockMovement.objects.filter(reason="purchase_receipt")
    assert (
        receipts.aggregate(n=Sum("delta"))["n"]
        == PurchaseOrderLine.objects.aggregate(n=Sum("received_quantity"))["n"]
    )
    assert not receipts.filter(unit_cost=0).exists()


def test_seed_ships_delivers_and_invoices_part_of_the_orders(admin_account):
    from orders.models import Invoice, InvoiceCounter, InvoiceLine

    seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    statuses = set(Order.objects.values_list("status", flat=True))
    assert statuses == {"placed", "shipped", "delivered", "cancelled"}
    now = timezone.now()
    assert not Order.objects.filter(status="shipped", shipped_at__isnull=True).exists()
    assert not Order.objects.filter(status="delivered", delivered_at__isnull=True).exists()
    assert not Order.objects.filter(shipped_at__gt=now).exists()
    assert not Order.objects.filter(delivered_at__gt=now).exists()
    assert not Invoice.objects.filter(order__status="cancelled").exists()
    assert Invoice.objects.filter(status="paid").exists()
    assert Invoice.objects.filter(status="unpaid").exists()
    # Consecutive per year from 1, each counter at its year's last number.
    for counter in InvoiceCounter.objects.all():
        sequences = list(
            Invoice.objects.filter(year=counter.year)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, counter.last + 1))
    invoice = Invoice.objects.prefetch_related("lines").select_related("order").first()
    assert invoice.total == invoice.order.total
    assert sum(line.line_total for line in invoice.lines.all()) == invoice.subtotal
    assert InvoiceLine.objects.count() >= Invoice.objects.count() > 0
    # Seeding again continues the numbers: nothing repeats.
    seed(size="small", rng=random.Random(8), user=admin_account, progress=False)
    numbers = list(Invoice.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_seed_small_has_costs_the_reports_show(admin_account, user_api):
    """SPEC §15 on the demo data: costs on the ledger, order items and products, so the
    stock-valuation and product-margins reports have something to show."""
    from decimal import Decimal

    seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    assert not Product.objects.filter(stock__gt=0, average_cost=0).exists()
    assert not OrderItem.objects.filter(unit_cost=0).exists()
    assert not StockMovement.objects.filter(reason="initial", unit_cost=0).exists()
    valuation = user_api.get("/api/reports/stock-valuation/").json()
    assert valuation["count"] > 0 and Decimal(valuation["total_value"]) > 0
    margins = user_api.get("/api/reports/product-margins/").json()["results"]
    assert margins and all(Decimal(row["cost"]) > 0 for row in margins)
    assert Decimal(margins[0]["margin"]) > 0
    # Outgoing movements left at the average the replay had then; cancelled lines came back
    # at their item's cost.
    cancels = StockMovement.objects.filter(reason="order_cancel")
    for movement in cancels[:20]:
        item = OrderItem.objects.get(
            order_id=int(movement.reference.split(":")[1]), product_id=movement.product_id
        )
        assert movement.unit_cost == item.unit_cost
    # And the whole ledger replays to every product's stock and average (SPEC §15's oracle).
    from products.tests.costing_oracle import replay_ledger

    replayed = replay_ledger()
    for pk, stock, average_cost in Product.objects.values_list("pk", "stock", "average_cost"):
        assert replayed.get(pk, (0, Decimal("0"))) == (stock, average_cost), pk


def test_seed_records_each_order_placed_in_the_outbox(admin_account, admin_api):
    counts = seed(size="small", rng=random.Random(7), user=admin_account, progress=False)
    assert counts["events"] == Event.objects.filter(type="order.placed").count() == 400
    order = Order.objects.order_by("-created_at", "-id").first()
    newest = admin_api.get("/api/events/?type=order.placed&page_size=1").json()["results"][0]
    assert newest["data"]["id"] == order.pk and newest["data"]["total"] == str(order.total)
