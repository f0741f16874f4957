"""SPEC §19: reports read from a MariaDB replica, never stale; everything else on the primary.

The router and the position arithmetic run everywhere; the tests on the pair run in the replica
leg of `make test` (REPLICA=1 scripts/with-services.sh: a primary and its GTID replica). Lag and
a stopped replica are in systemtests/test_replicas.py, which has servers of its own to break.
"""

import json
import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections
from django.test.utils import CaptureQueriesContext

from factory.cache import positions, shared
from factory.replicas import PrimaryRouter, replicas
from factory.testing import FakeClock
from products.models import Product
from products.services import product_create

ROOT = settings.BASE_DIR
ON_REPLICAS = bool(settings.REPLICA_DATABASES)


def test_the_router_sends_every_write_and_migration_to_the_primary():
    router = PrimaryRouter()
    for model in apps.get_models():
        assert router.db_for_write(model) == "default"
        assert router.db_for_read(model) == "default"  # a replica is only ever named (.using)
        assert router.allow_migrate("default", model._meta.app_label)
        assert not router.allow_migrate("replica1", model._meta.app_label)


def test_locking_reads_and_plain_reads_go_to_the_primary():
    assert Product.objects.select_for_update().db == "default"
    assert Product.objects.all().db == "default"


def replica_settings(
    urls: str, default="mysql://u:p@127.0.0.1:3306/factory"
) -> subprocess.CompletedProcess:
    code = (
        "from factory import settings as s; import json; "
        "print(json.dumps({a: s.DATABASES[a] for a in s.REPLICA_DATABASES}, default=str))"
    )
    env = {**os.environ, "DATABASE_URL": default, "DATABASE_REPLICA_URLS": urls}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_replica_urls_become_mirrored_aliases_with_the_primarys_session_settings():
    done = replica_settings(
        "mysql://r:r@127.0.0.1:3307/factory, mysql://r:r@127.0.0.1:3308/factory"
    )
    assert done.returncode == 0, done.stderr
    replicas_ = json.loads(done.stdout)
    assert list(replicas_) == ["replica1", "replica2"]
    assert [r["PORT"] for r in replicas_.values()] == [3307, 3308]
    for replica in replicas_.values():
        assert replica["TEST"] == {"MIRROR": "default"}
        assert replica["OPTIONS"]["isolation_level"] == "read committed"
        assert replica["OPTIONS"]["connect_timeout"] == 1
        assert replica["OPTIONS"]["read_timeout"] == 10


@pytest.mark.parametrize(
    "urls, default",
    [
        ("sqlite:///replica.db", "mysql://u:p@127.0.0.1:3306/factory"),
        ("mysql://r:r@127.0.0.1:3307/factory", "sqlite:///primary.db"),
    ],
)
def test_a_replica_that_is_not_a_mariadb_replica_of_a_mariadb_primary_is_refused(urls, default):
    done = replica_settings(urls, default)
    assert done.returncode != 0
    assert "DATABASE_REPLICA_URLS" in done.stderr


def test_positions_merge_per_domain_keeping_the_highest_sequence():
    assert positions.merge("", "0-1-7") == "0-1-7"
    assert positions.merge("0-1-9", "0-1-7") == "0-1-9"  # never backwards
    assert positions.merge("0-1-7", "0-2-8") == "0-2-8"  # a new primary, same domain
    assert positions.merge("0-1-7,1-1-3", "1-1-2,0-1-8") == "0-1-8,1-1-3"


@pytest.mark.mariadb
def test_the_redis_merge_script_is_the_python_merge():
    backend = caches["default"]
    if not hasattr(backend, "client"):
        pytest.skip("needs Redis")
    client = backend.client.get_client(write=True)
    key = backend.make_key("test:position")
    client.delete(key)
    stored = ""
    for position in ["0-1-7", "0-1-5", "0-1-12", "0-2-11", "0-2-13,1-1-4", "1-1-3"]:
        client.eval(positions.MERGE, 1, key, position)
        stored = positions.merge(stored, position)
        assert client.get(key).decode() == stored
    assert stored == "0-2-13,1-1-4"
    client.delete(key)


@pytest.fixture
def fresh_replicas():
    """No breaker left open by an earlier test of this process (each test's own window), and no
    replica remembered caught up."""
    replicas.breakers.clear()
    replicas.caught_up.clear()
    yield replicas
    replicas.breakers.clear()
    replicas.caught_up.clear()


def replica_status(name: str) -> int:
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SHOW GLOBAL STATUS LIKE %s", [name])
        return int(cursor.fetchone()[1])


def on_the_pair(test):
    """A test on the primary and its replica, with committed rows (the replica sees no others)."""
    for mark in [
        pytest.mark.django_db(transaction=True, serialized_rollback=True, databases="__all__"),
        pytest.mark.skipif(not ON_REPLICAS, reason="needs a replica: REPLICA=1 with-services.sh"),
        pytest.mark.mariadb,
    ]:
        test = mark(test)
    return pytest.mark.usefixtures("fresh_replicas")(test)


@pytest.mark.parametrize("fmt", ["json", "csv"])
@on_the_pair
def test_a_committed_write_is_in_the_next_report_read_from_the_replica(user_api, fmt):
    url = f"/api/reports/low-stock/?format={fmt}&page_size=100"
    assert user_api.get(url)["X-Read-From"] == "replica"
    waits = replica_status("Master_gtid_wait_count")
    product = product_create(
        name=f"Replicated {fmt}", price=Decimal("2.00"), initial_stock=1, reorder_level=9
    )
    response = user_api.get(url)
    assert response.status_code == 200
    assert response["X-Read-From"] == "replica"
    assert replica_status("Master_gtid_wait_count") > waits  # it waited for the write
    if fmt == "csv":
        assert f"Replicated {fmt}" in response.content.decode()
    else:
        assert product.id in [row["product_id"] for row in response.json()["results"]]


@on_the_pair
def test_a_replica_caught_up_under_the_reports_version_is_not_waited_for_again(user_api):
    """Cold reports with no write between them wait for the replica once; the next write
    changes the reports' version, and the report after it waits again and shows it."""

    def cold_page(size: int) -> tuple[dict, list[str]]:
        with CaptureQueriesContext(connections["replica1"]) as on_replica:
            response = user_api.get(f"/api/reports/low-stock/?page_size={size}")
        assert response.status_code == 200 and response["X-Read-From"] == "replica"
        return response.json(), [q["sql"] for q in on_replica.captured_queries]

    first, statements = cold_page(100)
    assert sum("MASTER_GTID_WAIT" in sql for sql in statements) == 1
    for size in (99, 98):  # pages never asked before: read from the replica, no new wait
        _, statements = cold_page(size)
        assert [sql for sql in statements if "MASTER_GTID_WAIT" in sql] == []
    product = product_create(
        name="Seen after the wait", price=Decimal("2.00"), initial_stock=1, reorder_level=9
    )
    after, statements = cold_page(97)
    assert sum("MASTER_GTID_WAIT" in sql for sql in statements) == 1
    assert product.id in [row["product_id"] for row in after["results"]]
    assert after["count"] == first["count"] + 1


@on_the_pair
def test_writes_never_reach_the_replica(admin_api):
    created = admin_api.post(
        "/api/customers/", {"name": "Primary only", "email": "primary@example.com"}, format="json"
    )
    assert created.status_code == 201
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT @@read_only, @@gtid_slave_pos")
        read_only, replica_position = cursor.fetchone()
        assert read_only == 1
        with pytest.raises(DatabaseError):  # the app's replica user may only SELECT
            cursor.execute("UPDATE customers_customer SET name = 'Changed on the replica'")
    # What the replica holds came from the primary (server_id 1), by replication.
    assert replica_position.split("-")[1] == "1"
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT name FROM customers_customer WHERE id = %s", [created.json()["id"]])
        assert cursor.fetchone() == ("Primary only",)


@pytest.fixture
def replica_clock(fresh_replicas):
    """The replicas' breakers on a clock the test moves."""
    fresh_replicas.clock = FakeClock()
    yield fresh_replicas.clock
    fresh_replicas.clock = None


def record_position(position: str) -> None:
    backend = caches["default"]
    backend.client.get_client(write=True).set(backend.make_key(positions.POSITION_KEY), position)


@on_the_pair
def test_a_replica_that_cannot_catch_up_in_time_is_waited_for_once_per_window(
    user_api, replica_clock, caplog
):
    """A position the replica has not reached (a write it has not applied yet): one wait of
    REPLICA_WAIT_SECONDS, then the primary answers, and for CACHE_RETRY_SECONDS at once."""
    if not hasattr(caches["default"], "client"):
        pytest.skip("needs Redis")
    product_create(name="Behind", price=Decimal("2.00"), reorder_level=9)
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT @@gtid_binlog_pos")
        domain, server, seq = cursor.fetchone()[0].split("-")
    record_position(f"{domain}-{server}-{int(seq) + 1_000_000}")  # far ahead of the replica
    timeouts = replica_status("Master_gtid_wait_timeouts")
    started = time.monotonic()
    first = user_api.get("/api/reports/low-stock/?page_size=100")
    assert first.status_code == 200 and first["X-Read-From"] == "primary"
    assert time.monotonic() - started >= settings.REPLICA_WAIT_SECONDS
    assert "Behind" in {row["product_name"] for row in first.json()["results"]}
    assert "Replica replica1 unavailable (not at" in caplog.text
    started = time.monotonic()
    for size in (99, 98, 97):  # pages never asked before: each read from a database
        again = user_api.get(f"/api/reports/low-stock/?page_size={size}")
        assert again.status_code == 200 and again["X-Read-From"] == "primary"
    assert time.monotonic() - started < settings.REPLICA_WAIT_SECONDS  # no second wait
    assert (
        replica_status("Master_gtid_wait_timeouts") - timeouts <= 1 + 2
    )  # ours (+ other workers')
    # The window over and the position reached again, the replica answers.
    record_position(f"{domain}-{server}-{seq}")
    replica_clock.advance(settings.CACHE_RETRY_SECONDS + 1)
    back = user_api.get("/api/reports/low-stock/?page_size=96")
    assert back["X-Read-From"] == "replica"


@on_the_pair
def test_a_missing_position_is_asked_of_the_primary_and_stored_again():
    """Other xdist workers commit on the same primary meanwhile: positions are compared by their
    sequence number (one domain), as at least ours and at most the primary's afterwards."""
    backend = caches["default"]
    if not hasattr(backend, "client"):
        pytest.skip("needs Redis")
    client = backend.client.get_client(write=True)
    key = backend.make_key(positions.POSITION_KEY)

    def primary() -> int:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT @@gtid_binlog_pos")
            return sequence(cursor.fetchone()[0])

    def sequence(position) -> int:
        text = position.decode() if isinstance(position, bytes) else position
        return int(text.split("-")[-1])

    client.delete(key)
    before = primary()
    product_create(name="After a flush", price=Decimal("2.00"))  # its commit records it again
    assert before < sequence(client.get(key)) <= primary()
    client.delete(key)
    after = primary()
    asked = positions.recorded_position(shared())  # asked of the primary ...
    assert after <= sequence(asked) <= primary()
    assert client.get(key).decode() == asked  # ... and kept
