"""SPEC §18 deliveries against a real HTTP receiver on loopback: signature, retries, failures."""

import datetime
import itertools
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from customers.tests.factories import make_customer
from events.jobs import retry_delay, work
from events.models import Delivery, DeliveryAttempt, Event, Job
from events.tests.factories import make_webhook
from events.tests.receiver import receiver, verify
from orders.selectors import order_get
from orders.serializers import OrderSerializer
from orders.services import order_place
from products.tests.factories import make_product

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("allow_private")]


@pytest.fixture
def allow_private():
    with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        yield


def place_order(user):
    return order_place(customer=make_customer(), items=[(make_product(stock=9), 2)], user=user)


def make_due(delivery: Delivery) -> None:
    """Let the backoff pass (instead of waiting for it)."""
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - datetime.timedelta(seconds=1)
    )


def test_delivery_is_signed_with_the_secret_and_carries_the_payload(admin_account):
    with receiver(200) as hook:
        webhook = make_webhook(hook.url)
        order = place_order(admin_account)
        assert work()["deliveries"] == 1
    (got,) = hook.got
    event = Event.objects.get(type="order.placed")
    assert got.path == "/hooks/factory"
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Factory-Event"] == "order.placed"
    assert got.headers["X-Factory-Delivery"] == str(event.id)
    signature = got.headers["X-Factory-Signature"]
    assert verify(webhook.secret, signature, got.body)
    assert not verify(webhook.secret + "x", signature, got.body)
    assert not verify(webhook.secret, signature, got.body + b" ")
    t = int(dict(p.split("=", 1) for p in signature.split(","))["t"])
    assert abs(t - timezone.now().timestamp()) < 60
    payload = json.loads(got.body)
    assert set(payload) == {"id", "type", "created_at", "data"}
    assert payload["id"] == str(event.id) and payload["type"] == "order.placed"
    assert datetime.datetime.fromisoformat(payload["created_at"]) == event.created_at
    # The order's API read shape, as GET /api/orders/{id}/ gives it.
    assert payload["data"] == json.loads(json.dumps(OrderSerializer(order_get(pk=order.pk)).data))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 1, 200)


def test_a_receiver_answering_500_then_200_gets_it_twice_and_it_is_delivered(admin_account):
    with receiver(500, 200) as hook:
        make_webhook(hook.url)
        place_order(admin_account)
        work()
        delivery = Delivery.objects.get()
        assert delivery.status == Job.Status.PENDING and delivery.response_code == 500
        wait = delivery.next_attempt_at - delivery.updated_at
        assert abs(wait - retry_delay(1)) < datetime.timedelta(seconds=5)
        assert work()["deliveries"] == 0  # not due before the backoff has passed
        make_due(delivery)
        work()
    assert len(hook.got) == 2
    assert hook.got[0].headers["X-Factory-Delivery"] == hook.got[1].headers["X-Factory-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("delivered", 2, 200)
    assert delivery.next_attempt_at is None
    log = list(delivery.attempt_log.values_list("number", "outcome", "response_code"))
    assert log == [(1, "retry", 500), (2, "delivered", 200)]


@pytest.mark.parametrize("code", [400, 401, 404, 410, 301])
def test_other_answers_fail_at_once(admin_account, code):
    with receiver(code) as hook:
        make_webhook(hook.url)
        place_order(admin_account)
        work()
        work()
    assert len(hook.got) == 1
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 1, code)
    assert delivery.next_attempt_at is None
    assert list(delivery.attempt_log.values_list("outcome", flat=True)) == ["failed"]


@pytest.mark.parametrize("code", [408, 429, 502, 503])
def test_retryable_answers_are_retried(admin_account, code):
    with receiver(code, 204) as hook:
        make_webhook(hook.url)
        place_order(admin_account)
        work()
        assert Delivery.objects.get().status == "pending"
        make_due(Delivery.objects.get())
        work()
    assert len(hook.got) == 2
    assert Delivery.objects.get().status == "delivered"


@override_settings(WEBHOOK_TIMEOUT_SECONDS=0.5)
def test_a_hanging_receiver_times_out_and_is_retried(admin_account):
    with receiver(("hang", 3), 200) as hook:
        make_webhook(hook.url)
        place_order(admin_account)
        started = timezone.now()
        work()
        assert timezone.now() - started < datetime.timedelta(seconds=2.5)
        delivery = Delivery.objects.get()
        assert delivery.status == "pending" and delivery.response_code is None
        assert "Timed out" in delivery.last_error
        make_due(delivery)
        work()
    assert len(hook.got) == 2
    delivery.refresh_from_db()
    assert delivery.status == "delivered"
    log = list(delivery.attempt_log.values_list("outcome", "response_code"))
    assert log == [("retry", None), ("delivered", 200)]


def test_a_refused_connection_is_retried(admin_account):
    with receiver() as hook:
        url = hook.url
    make_webhook(url)  # nobody listens there any more
    place_order(admin_account)
    work()
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and "Connection error" in delivery.last_error


def test_six_attempts_over_about_an_hour_then_failed(admin_account):
    with receiver(default=503) as hook:
        make_webhook(hook.url)
        place_order(admin_account)
        waits = []
        for _ in range(10):
            work()
            delivery = Delivery.objects.get()
            if delivery.status != "pending":
                break
            waits.append(delivery.next_attempt_at - delivery.updated_at)
            make_due(delivery)
    assert len(hook.got) == 6
    assert (delivery.status, delivery.attempts) == ("failed", 6)
    assert all(later > earlier for earlier, later in itertools.pairwise(waits))  # exponential
    total = sum(waits, datetime.timedelta())
    assert datetime.timedelta(minutes=50) < total < datetime.timedelta(minutes=75), total
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 6


def test_a_private_address_is_refused_at_delivery_too(admin_account):
    """A URL allowed when created (or a name re-pointed since: DNS rebinding) is checked again."""
    with receiver() as hook:
        make_webhook(hook.url.replace("127.0.0.1", "localhost"))
        place_order(admin_account)
        with override_settings(WEBHOOK_ALLOW_PRIVATE=False):
            work()
    assert hook.got == []
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "non-public" in delivery.last_error


def test_only_subscribed_active_webhooks_get_deliveries(admin_account):
    with receiver() as hook:
        make_webhook(hook.url, events=["order.shipped"])
        make_webhook(hook.url, is_active=False)
        subscribed = make_webhook(hook.url, events=["order.cancelled", "order.placed"])
        place_order(admin_account)
        work()
    assert list(Delivery.objects.values_list("webhook", flat=True)) == [subscribed.pk]
    assert len(hook.got) == 1


def test_a_deactivated_webhook_fails_its_pending_deliveries(admin_account):
    with receiver() as hook:
        webhook = make_webhook(hook.url)
        place_order(admin_account)
        webhook.is_active = False
        webhook.save()
        work()
    assert hook.got == []
    assert Delivery.objects.get().status == "failed"
