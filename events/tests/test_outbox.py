"""SPEC §18's outbox: each event is written in its change's transaction, with the read shape."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from customers.tests.factories import make_customer
from employees.tests.factories import make_employee
from events.jobs import events_purge, work
from events.models import Alert, Delivery, Event
from events.services import event_record
from events.tests.factories import make_webhook
from events.tests.receiver import receiver
from factory.errors import InsufficientStock
from orders.invoicing import invoice_issue, invoice_mark_paid
from orders.services import order_cancel, order_deliver, order_place, order_ship
from production.services import production_create
from products.services import stock_adjust
from products.tests.factories import make_product
from purchasing.services import purchase_order_receive
from purchasing.tests.factories import make_purchase_order

pytestmark = pytest.mark.django_db


def types() -> list[str]:
    return list(Event.objects.order_by("created_at", "id").values_list("type", flat=True))


def test_every_service_records_its_event_with_the_api_read_shape(admin_account, admin_api):
    def recorded(type_: str, url: str) -> None:
        """The newest event is `type_`, its data what the API reads at `url` right now."""
        event = Event.objects.order_by("-created_at", "-id").first()
        assert event.type == type_
        assert event.data == admin_api.get(url).json()

    product = make_product(stock=50)
    order = order_place(customer=make_customer(), items=[(product, 2)], user=admin_account)
    recorded("order.placed", f"/api/orders/{order.pk}/")
    order_ship(order=order, carrier="DHL")
    recorded("order.shipped", f"/api/orders/{order.pk}/")
    order_deliver(order=order)
    recorded("order.delivered", f"/api/orders/{order.pk}/")
    invoice = invoice_issue(order=order, user=admin_account)
    recorded("invoice.issued", f"/api/invoices/{invoice.pk}/")
    invoice_mark_paid(invoice=invoice)
    recorded("invoice.paid", f"/api/invoices/{invoice.pk}/")
    cancelled = order_place(customer=make_customer(), items=[(product, 1)], user=admin_account)
    order_cancel(order=cancelled, user=admin_account)
    recorded("order.cancelled", f"/api/orders/{cancelled.pk}/")
    record = production_create(
        product=product, employee=make_employee(), quantity=3, user=admin_account
    )
    recorded("production.recorded", f"/api/production/{record.pk}/")
    po = make_purchase_order(user=admin_account, place=True)
    line = po.lines.order_by("id").first()
    purchase_order_receive(order=po, receipts=[(line.pk, 1)], user=admin_account)
    recorded("purchase_order.received", f"/api/purchase-orders/{po.pk}/")
    assert types() == [
        "order.placed",
        "order.shipped",
        "order.delivered",
        "invoice.issued",
        "invoice.paid",
        "order.placed",
        "order.cancelled",
        "production.recorded",
        "purchase_order.received",
    ]
    # Each event keeps the state of its moment.
    shipped = Event.objects.get(type="order.shipped").data
    assert shipped["status"] == "shipped" and shipped["invoice"] is None


def test_a_rolled_back_order_records_nothing(admin_account):
    make_webhook("http://127.0.0.1:9/hook")
    product = make_product(stock=1)
    with pytest.raises(InsufficientStock):
        order_place(customer=make_customer(), items=[(product, 2)], user=admin_account)
    pricey = make_product(stock=200, price="9999999999.99")
    with pytest.raises(ValidationError):  # above MAX_ORDER_TOTAL, after the stock was taken
        order_place(customer=make_customer(), items=[(pricey, 200)], user=admin_account)
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_an_event_of_a_transaction_that_rolls_back_later_is_gone_too(admin_account):
    make_webhook("http://127.0.0.1:9/hook")
    product = make_product(stock=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        order_place(customer=make_customer(), items=[(product, 1)], user=admin_account)
        assert types() == ["order.placed"]
        raise RuntimeError("the caller's transaction fails after the order")
    assert not Event.objects.exists() and not Delivery.objects.exists()


def test_stock_low_when_stock_falls_to_or_below_the_reorder_level_from_above(admin_account):
    product = make_product(stock=10, reorder_level=5)
    quiet = make_product(stock=10)  # reorder_level 0: never low
    customer = make_customer()
    order_place(customer=customer, items=[(product, 4), (quiet, 9)], user=admin_account)  # 6
    assert types() == ["order.placed"]
    order_place(customer=customer, items=[(product, 1)], user=admin_account)  # 5: at the level
    assert types() == ["order.placed", "stock.low", "order.placed"]  # stock first, then order
    stock_adjust(product=product, delta=-2, user=admin_account)  # 3: still below, no news
    stock_adjust(product=product, delta=+1, user=admin_account)  # rising: nothing
    assert types().count("stock.low") == 1
    stock_adjust(product=product, delta=+10, user=admin_account)  # 14, above again
    stock_adjust(product=product, delta=-12, user=admin_account)  # 2: crosses again
    low = list(Event.objects.filter(type="stock.low").order_by("created_at", "id"))
    assert len(low) == 2
    assert low[-1].data["id"] == product.pk
    assert (low[-1].data["stock"], low[-1].data["reorder_level"]) == (2, 5)
    assert low[0].data["stock"] == 5


@override_settings(LOW_STOCK_EMAILS=["stock@factory.example", "boss@factory.example"])
def test_stock_low_sends_one_email_to_low_stock_emails(admin_account):
    product = make_product(stock=3, reorder_level=2, name="Sprocket", sku="SPR-1")
    stock_adjust(product=product, delta=-1, user=admin_account)
    assert mail.outbox == []  # the worker sends it, after commit
    work()
    (message,) = mail.outbox
    assert message.to == ["stock@factory.example", "boss@factory.example"]
    assert "Sprocket" in message.subject and "SPR-1" in message.subject
    assert Alert.objects.get().status == "delivered"
    work()
    assert len(mail.outbox) == 1


def test_no_email_without_low_stock_emails(admin_account):
    product = make_product(stock=3, reorder_level=2)
    stock_adjust(product=product, delta=-1, user=admin_account)
    work()
    assert mail.outbox == [] and not Alert.objects.exists()
    assert types() == ["stock.low"]


def test_events_older_than_the_retention_are_purged(settings):
    old = event_record("stock.low", {"id": 1})
    recent = event_record("stock.low", {"id": 2})
    Event.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.EVENT_RETENTION_DAYS, hours=1)
    )
    Event.objects.filter(pk=recent.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=settings.EVENT_RETENTION_DAYS - 1)
    )
    assert events_purge() == 1
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]


def test_an_unknown_type_is_a_programming_error():
    with pytest.raises(ValueError):
        event_record("order.exploded", {})
    assert not Event.objects.exists()


def test_events_work_command_runs_one_round(capsys, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    with receiver(200) as hook:
        make_webhook(hook.url, events=["stock.low"])
        event_record("stock.low", {"id": 1})
        call_command("events_work", "--purge")
    assert len(hook.got) == 1
    assert "Attempted 1 deliveries" in capsys.readouterr().out
    assert Delivery.objects.get().status == "delivered"
