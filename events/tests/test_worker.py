"""The worker (SPEC §18): claims are exclusive, leases outlive a killed worker, Redis is not needed.

The kill test runs the real worker, `manage.py qcluster` (django-q2), in a subprocess on this
test's database, and SIGKILLs its process group while it waits on a receiver.
"""

import datetime
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from customers.tests.factories import make_customer
from events.jobs import LOST, delivery_attempt, job_claim, work
from events.models import Delivery, DeliveryAttempt, Event
from events.services import event_record
from events.tests.factories import make_webhook
from events.tests.receiver import receiver
from factory.testing import run_together
from factory.tests.redis_outage import missing_redis, needs_redis
from orders.services import order_place
from products.tests.factories import make_product

ROOT = Path(settings.BASE_DIR)


def database_url() -> str:
    """DATABASE_URL of the database this test runs on (the test database, not the real one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite") or "sqlite" in db["ENGINE"]:
        return f"sqlite:///{db['NAME']}"
    auth = f"{quote(db['USER'], safe='')}:{quote(db['PASSWORD'] or '', safe='')}"
    return f"mysql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 3306}/{db['NAME']}"


def start_worker(**env) -> subprocess.Popen:
    """`manage.py qcluster` on this test's database, in a process group of its own."""
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "WORKER_PROCESSES": "1",
        **env,
    }
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by kill(); a full pipe would stall it
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker.log = log
    return worker


def kill(worker: subprocess.Popen) -> str:
    """SIGKILL the worker and every process it forked; returns what it logged."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    with worker.log:
        worker.log.seek(0)
        return worker.log.read().decode(errors="replace")


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_delivery_loses_nothing(admin_account):
    with receiver(("hang", 60), 200) as hook:
        make_webhook(hook.url)
        worker = start_worker(WEBHOOK_TIMEOUT_SECONDS="3", WEBHOOK_LEASE_SECONDS="4")
        try:
            # Committed, so the worker is woken (and would find it on its next round anyway).
            order_place(
                customer=make_customer(), items=[(make_product(stock=3), 1)], user=admin_account
            )
            arrived = hook.arrived.wait(timeout=60)
        finally:
            log = kill(worker)  # mid-delivery: the receiver has the request and has not answered
        assert arrived, f"the worker never delivered: {log[-3000:]}"
        delivery = Delivery.objects.get()
        assert delivery.status == "in_progress" and delivery.attempts == 1
        with override_settings(WEBHOOK_ALLOW_PRIVATE=True):
            assert work()["deliveries"] == 0  # the dead worker's lease still holds it
            wait_for(lambda: timezone.now() > Delivery.objects.get().lease_until, 10, "lease")
            assert work()["deliveries"] == 1  # another worker takes it over
    assert len(hook.got) == 2  # at least once: the receiver deduplicates by X-Factory-Delivery
    assert hook.got[0].headers["X-Factory-Delivery"] == hook.got[1].headers["X-Factory-Delivery"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    log = list(delivery.attempt_log.values_list("number", "outcome", "error"))
    assert log == [(1, "retry", LOST), (2, "delivered", "")]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_real_worker_delivers_what_a_commit_recorded(admin_account):
    with receiver(200) as hook:
        make_webhook(hook.url, events=["stock.low"])
        worker = start_worker()
        try:
            event_record("stock.low", {"id": 1})  # autocommit: committed at once
            arrived = hook.arrived.wait(timeout=60)
            if arrived:
                wait_for(lambda: Delivery.objects.get().status == "delivered", 20, "delivered")
        finally:
            log = kill(worker)
        assert arrived, f"the worker never delivered: {log[-3000:]}"
    assert len(hook.got) == 1


@pytest.mark.django_db
def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_runs_out(settings):
    make_webhook("http://127.0.0.1:9/hook", events=["stock.low"])
    event_record("stock.low", {"id": 1})
    first = job_claim(Delivery)
    assert first is not None and not first.lost and first.status == "in_progress"
    assert job_claim(Delivery) is None  # held
    Delivery.objects.update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    again = job_claim(Delivery)
    assert again.pk == first.pk and again.lost and again.attempts == 2
    assert again.lease_token != first.lease_token


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_workers_never_deliver_the_same_attempt():
    with receiver(default=200) as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        make_webhook(hook.url, events=["stock.low"])
        for n in range(16):
            event_record("stock.low", {"id": n})
        results = run_together([work] * 4)
    assert sum(r["deliveries"] for r in results) == 16, results
    ids = [got.headers["X-Factory-Delivery"] for got in hook.got]
    assert sorted(ids) == sorted(str(pk) for pk in Event.objects.values_list("pk", flat=True))
    assert set(Delivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


@needs_redis
@pytest.mark.mariadb
@pytest.mark.django_db
def test_with_redis_stopped_events_are_recorded_and_delivered_later(admin_api):
    with receiver(200) as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        make_webhook(hook.url)
        product = make_product(stock=5)
        with missing_redis():
            response = admin_api.post(
                "/api/orders/",
                {"customer": make_customer().pk, "items": [{"product": product.pk, "quantity": 1}]},
                format="json",
            )
            assert response.status_code == 201, response.content
            assert Event.objects.get().type == "order.placed"
            assert Delivery.objects.get().status == "pending"
            assert work()["deliveries"] == 1  # the worker needs no Redis either
    (got,) = hook.got
    assert got.headers["X-Factory-Event"] == "order.placed"
    assert Delivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_a_delivery_deleted_mid_attempt_is_dropped_without_an_error():
    with receiver(200) as hook, override_settings(WEBHOOK_ALLOW_PRIVATE=True):
        webhook = make_webhook(hook.url, events=["stock.low"])
        event_record("stock.low", {"id": 1})
        claimed = job_claim(Delivery)
        webhook.delete()  # with its deliveries, while the worker holds one
        assert delivery_attempt(claimed) is None
    assert len(hook.got) == 1
    assert not Delivery.objects.exists() and not DeliveryAttempt.objects.exists()
