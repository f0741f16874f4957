"""SPEC §19: two app servers, a MariaDB primary and its GTID replica; lag and outage injected.

Reports read from the replica once it has caught up with every committed write; when it cannot
(its SQL thread stopped: lag; its server stopped: outage) the primary answers, fresh, never a
5xx, and each process waits for the replica at most once per CACHE_RETRY_SECONDS.
"""

import itertools
import time

import pytest

from systemtests.stack import request

RETRY_SECONDS = 3
WORKERS = 2  # per app server (Stack.add_server)
_names = itertools.count(1)


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(app_servers=2, replica=True, CACHE_RETRY_SECONDS=str(RETRY_SECONDS))


@pytest.fixture(scope="module")
def tokens(stack):
    return {url: stack.token(url) for _, url in stack.servers}


def low_product(stack, tokens) -> int:
    """A write through server A: a new product below its reorder level (on the low-stock report)."""
    a = stack.servers[0][1]
    created = request(
        "POST",
        f"{a}/api/products/",
        {"name": f"Replicated {next(_names)}", "price": "1.00", "reorder_level": 5},
        token=tokens[a],
    )
    assert created.status == 201, created.body
    return created.json()["id"]


def low_stock_through_b(stack, tokens, query=""):
    b = stack.servers[1][1]
    response = request(
        "GET", f"{b}/api/reports/low-stock/?page_size=100{query}", token=tokens[b], timeout=10
    )
    assert response.status == 200, response.body
    return response, [row["product_id"] for row in response.json()["results"]]


def replica_status(stack, name: str) -> int:
    return int(stack.sql("replica", f"SHOW GLOBAL STATUS LIKE '{name}'")[0][1])


def wait_for_the_replica(stack) -> None:
    """The replica has applied everything the primary wrote, and every breaker closed again."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        primary = stack.sql("mariadb", "SELECT @@gtid_binlog_pos")
        if primary == stack.sql("replica", "SELECT @@gtid_slave_pos"):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the replica did not catch up")
    time.sleep(RETRY_SECONDS + 0.5)


def test_a_write_through_one_server_is_in_the_next_report_through_the_other(stack, tokens):
    low_stock_through_b(stack, tokens)  # cached now
    waits = replica_status(stack, "Master_gtid_wait_count")
    product = low_product(stack, tokens)
    response, listed = low_stock_through_b(stack, tokens)
    assert product in listed
    assert response.headers["X-Read-From"] == "replica"
    assert replica_status(stack, "Master_gtid_wait_count") > waits
    again, _ = low_stock_through_b(stack, tokens)
    assert "X-Read-From" not in again.headers  # from the cache: no database read at all


def test_a_lagging_replica_gives_fresh_reports_from_the_primary(stack, tokens):
    b = stack.servers[1][1]
    stack.sql("replica", "STOP SLAVE SQL_THREAD")
    try:
        timeouts = replica_status(stack, "Master_gtid_wait_timeouts")
        product = low_product(stack, tokens)
        response, listed = low_stock_through_b(stack, tokens)
        assert product in listed  # fresh: the write is there
        assert response.headers["X-Read-From"] == "primary"
        started = time.monotonic()
        for day in range(1, 7):  # six reports never asked before, each computed now
            url = f"{b}/api/reports/production/?date=2020-01-0{day}"
            other = request("GET", url, token=tokens[b], timeout=10)
            assert other.status == 200 and other.headers["X-Read-From"] == "primary"
        # Each of B's workers waited once (0.5 s), then left the replica alone for the window.
        assert time.monotonic() - started < WORKERS * 0.5 + 2
        assert replica_status(stack, "Master_gtid_wait_timeouts") - timeouts <= WORKERS
    finally:
        stack.sql("replica", "START SLAVE SQL_THREAD")
    wait_for_the_replica(stack)
    product = low_product(stack, tokens)
    response, listed = low_stock_through_b(stack, tokens)
    assert product in listed and response.headers["X-Read-From"] == "replica"


def test_a_stopped_replica_costs_no_5xx_and_one_try_per_window(stack, tokens):
    before = stack.log().count("Replica replica1 unavailable")
    stack.services("stop-replica")
    try:
        product = low_product(stack, tokens)
        for attempt in range(8):
            for _, url in stack.servers:  # a page size of its own: computed, not cached
                response = request(
                    "GET",
                    f"{url}/api/reports/low-stock/?page_size={100 - attempt}",
                    token=tokens[url],
                    timeout=10,
                )
                assert response.status == 200, response.body
                assert product in [row["product_id"] for row in response.json()["results"]]
                assert response.headers["X-Read-From"] == "primary"
        # At most one failed try per worker process in the window (two servers, two workers
        # each), and each logged.
        failures = stack.log().count("Replica replica1 unavailable") - before
        assert 1 <= failures <= 2 * WORKERS
    finally:
        stack.services("start-replica")
    wait_for_the_replica(stack)
    product = low_product(stack, tokens)
    response, listed = low_stock_through_b(stack, tokens)
    assert product in listed and response.headers["X-Read-From"] == "replica"


def test_writes_never_reach_the_replica(stack, tokens):
    low_product(stack, tokens)
    assert stack.sql("replica", "SELECT @@read_only, @@log_bin") == [("1", "0")]
    grants = stack.sql("replica", "SHOW GRANTS FOR 'factory_read'@'127.0.0.1'")
    assert len(grants) == 1 and grants[0][0].startswith("GRANT SELECT ON *.* TO `factory_read`")
    # Every transaction the replica holds is one the primary (server_id 1) wrote.
    wait_for_the_replica(stack)
    position = stack.sql("replica", "SELECT @@gtid_slave_pos")[0][0]
    assert position.split("-")[1] == "1"
