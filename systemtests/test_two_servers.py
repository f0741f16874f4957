"""SPEC §12: two app servers sharing one MariaDB and one Redis behave as one."""

import itertools
import subprocess
import threading
from decimal import Decimal

import pytest

from systemtests.stack import request, wait_for_a_fresh_window

_names = itertools.count(1)


@pytest.fixture(scope="module")
def stack(stack_factory):
    return stack_factory(app_servers=2, THROTTLE_LOGIN="4/min")


@pytest.fixture(scope="module")
def tokens(stack):
    """One admin token per server, signed in through that server."""
    return {url: stack.token(url) for _, url in stack.servers}


@pytest.fixture(scope="module")
def data(stack, tokens):
    a = stack.servers[0][1]
    token = tokens[a]
    customer = request(
        "POST", f"{a}/api/customers/", {"name": "Two", "email": "two@example.com"}, token=token
    ).json()
    employee = request("POST", f"{a}/api/employees/", {"name": "Worker"}, token=token).json()
    return {"customer": customer["id"], "employee": employee["id"]}


@pytest.fixture
def product(stack, tokens):
    """A product of each test's own, 25 on hand: no test depends on what another one sold."""
    a = stack.servers[0][1]
    created = request(
        "POST",
        f"{a}/api/products/",
        {
            "name": f"Shared {next(_names)}",
            "price": "5.00",
            "initial_stock": 25,
            "reorder_level": 5,
        },
        token=tokens[a],
    )
    assert created.status == 201, created.body
    return created.json()["id"]


def test_a_write_through_one_is_in_reports_through_the_other_at_once(stack, tokens, data, product):
    (a, b) = (url for _, url in stack.servers)
    token_a, token_b = tokens[a], tokens[b]
    url = f"{b}/api/reports/top-selling-products/"
    before = request("GET", url, token=token_b).json()
    assert request("GET", url, token=token_b).json() == before  # now cached in Redis
    placed = request(
        "POST",
        f"{a}/api/orders/",
        {"customer": data["customer"], "items": [{"product": product, "quantity": 2}]},
        token=token_a,
    )
    assert placed.status == 201, placed.body
    after = request("GET", url, token=token_b).json()
    row = next(r for r in after["results"] if r["product_id"] == product)
    sold_before = next(
        (r["total_quantity"] for r in before["results"] if r["product_id"] == product), 0
    )
    assert row["total_quantity"] == sold_before + 2


def test_concurrent_orders_through_both_never_oversell(stack, tokens, data, product):
    servers = [url for _, url in stack.servers]
    start_stock = request(
        "GET", f"{servers[0]}/api/products/{product}/", token=tokens[servers[0]]
    ).json()["stock"]
    results = []

    def buy(server):
        response = request(
            "POST",
            f"{server}/api/orders/",
            {"customer": data["customer"], "items": [{"product": product, "quantity": 1}]},
            token=tokens[server],
            timeout=60,
        )
        results.append(response.status)

    threads = [
        threading.Thread(target=buy, args=(servers[i % 2],)) for i in range(start_stock + 10)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sorted(set(results)) == [201, 409], results
    assert results.count(201) == start_stock
    final = request("GET", f"{servers[1]}/api/products/{product}/", token=tokens[servers[1]]).json()
    assert final["stock"] == 0
    movements = request(
        "GET",
        f"{servers[1]}/api/products/{product}/movements/?page_size=100",
        token=tokens[servers[1]],
    ).json()
    assert movements["count"] <= 100
    assert sum(m["delta"] for m in movements["results"]) == 0
    assert Decimal(final["price"]) == Decimal("5.00")


def test_throttle_counts_are_shared(stack):
    """Spends this address's sign-in budget, and gives it back whichever test runs next."""
    (a, b) = (url for _, url in stack.servers)

    def forget_throttles():
        subprocess.run(
            ["redis-cli", "-p", stack.env["REDIS_PORT"], "FLUSHDB"], check=True, capture_output=True
        )

    forget_throttles()
    wait_for_a_fresh_window()
    try:
        wrong = {"username": "intruder", "password": "guess"}
        statuses = [
            request("POST", f"{server}/api/auth/login/", wrong).status
            for server in (a, b, a, b, a, b)
        ]
        # One budget of 4 sign-in attempts for this address across both servers, then 429 on either.
        assert statuses == [401, 401, 401, 401, 429, 429]
        limited = request("POST", f"{b}/api/auth/login/", wrong)
        assert limited.status == 429 and int(limited.headers["Retry-After"]) > 0
        assert "detail" in limited.json()
    finally:
        forget_throttles()


def test_concurrent_invoices_through_both_servers_are_numbered_without_gap_or_repeat(
    stack, tokens, data
):
    """SPEC §16: 30 orders invoiced at once, alternately through the two servers."""
    servers = [url for _, url in stack.servers]
    a = servers[0]
    product = request(
        "POST",
        f"{a}/api/products/",
        {"name": "Invoiced part", "price": "3.00", "initial_stock": 100},
        token=tokens[a],
    ).json()
    orders = [
        request(
            "POST",
            f"{a}/api/orders/",
            {"customer": data["customer"], "items": [{"product": product["id"], "quantity": 1}]},
            token=tokens[a],
        ).json()["id"]
        for _ in range(30)
    ]
    results = []

    def issue(server, order):
        response = request(
            "POST", f"{server}/api/orders/{order}/invoice/", {}, token=tokens[server], timeout=60
        )
        results.append((response.status, response.json()))

    threads = [
        threading.Thread(target=issue, args=(servers[i % 2], order))
        for i, order in enumerate(orders)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert [status for status, _ in results] == [201] * 30, results
    numbers = sorted(body["number"] for _, body in results)
    year = numbers[0].split("-")[1]
    sequences = [int(number.split("-")[2]) for number in numbers]
    assert all(number.startswith(f"INV-{year}-") for number in numbers)
    assert sequences == list(range(sequences[0], sequences[0] + 30))  # no gap, no repeat
    again = request(
        "POST", f"{servers[1]}/api/orders/{orders[0]}/invoice/", {}, token=tokens[servers[1]]
    )
    assert again.status == 409 and again.json()["code"] == "already_invoiced"
