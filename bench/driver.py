"""`make bench`: SPEC §11's numbers, measured against a running gunicorn on the `large` data set.

Run by bench/run.sh, which starts MariaDB, Redis and gunicorn and sets the environment
(DATABASE_URL, REDIS_URL, DJANGO_SECRET_KEY, ...). This process shares that environment, so it
can mint access tokens, read the database and time the reports' SQL directly.

    python -m bench.driver seeded         exit 0 when the `large` data set is loaded, 1 when the
                                          database is empty, 2 when it holds something else
    python -m bench.driver run --url URL  measure, print one table, write var/bench-results/

Every figure is compared with a reference measured in the same run (SPEC §11: ratios hold on a
noisy machine). The load comes from wrk (bench/lua/*.lua); each wrk run is bounded in time.
Exit status 1 only when the order run broke stock (a 5xx, an oversold unit, a ledger mismatch);
missed speed targets are reported in the table.
"""

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench import replica

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "lua"
RESULTS = ROOT / "var" / "bench-results"

# Seconds per wrk run. Throughput is measured in ROUNDS interleaved rounds (baseline, products,
# orders, baseline, ...) and the median taken, so a burst of noise hits every figure alike.
# BENCH_QUICK=1 (development) cuts every run to a quarter and walks only the ends of the lists.
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
SCALE = 0.25 if QUICK else 1.0
ROUNDS = 1 if QUICK else 3
THROUGHPUT_SECONDS = 2 if QUICK else 4
THROUGHPUT_CONNECTIONS = 4
COLD_SECONDS = max(1, round(4 * SCALE))
COLD_MIN_REQUESTS = 8  # a slow report's cold run lasts long enough for this many
WARM_SECONDS = max(1, round(3 * SCALE))
SQL_BUDGET_SECONDS = 3 * SCALE
POST_SECONDS = max(3, round(12 * SCALE))
POST_CLIENTS = 8
POST_PRODUCTS = 40
POST_STOCK = 150  # units per contended product at the start: some run out during the run
MIXED_ASSEMBLIES = 8  # products whose BOMs take 2-3 of the contended products (SPEC §11, §13)
MIXED_STOCK = 600  # units per contended product at the start of the mixed run
DEEP_EDGE_PAGES = 20 if QUICK else 50  # pages timed at each end of a walk

TARGET_WARM_THROUGHPUT = 0.9  # x the floor's requests/s
TARGET_WARM_P50 = 1.5  # x floor_p50
TARGET_COLD_RATIO = 1.5  # cold p50 <= 1.5 x SQL p50 + floor_p50
TARGET_DEEP_RATIO = 1.5  # ms per page at the end <= 1.5 x at the start


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factory.settings")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


# --- data set -----------------------------------------------------------------------------------


def seeded_state(size: str = "large", using: str = "default") -> int:
    """0: at least SPEC §10's counts for `size` are there; 1: empty; 2: some other data."""
    from customers.models import Customer
    from demo.seed import SIZES
    from employees.models import Employee
    from events.models import Event
    from orders.models import Order, OrderItem
    from production.models import ProductionRecord
    from products.models import Product

    wanted = SIZES[size]
    counts = {
        Customer: wanted.customers,
        Product: wanted.products,
        Employee: wanted.employees,
        Order: wanted.orders,
        OrderItem: int(wanted.orders * wanted.items_per_order * 0.99),
        ProductionRecord: wanted.production,
        Event: wanted.orders,  # a database seeded before the outbox was is loaded again
    }
    found = {model: model.objects.using(using).count() for model in counts}
    if all(found[model] >= minimum for model, minimum in counts.items()):
        return 0
    return 1 if not any(found.values()) else 2


def data_counts() -> dict[str, int]:
    from customers.models import Customer
    from employees.models import Employee
    from orders.models import Order, OrderItem
    from production.models import ProductionRecord
    from products.models import Product, StockMovement

    return {
        "customers": Customer.objects.count(),
        "products": Product.objects.count(),
        "employees": Employee.objects.count(),
        "orders": Order.objects.count(),
        "order_items": OrderItem.objects.count(),
        "production": ProductionRecord.objects.count(),
        "movements": StockMovement.objects.count(),
    }


# --- load generation ----------------------------------------------------------------------------


def wrk(
    url: str,
    *,
    script: str = "get.lua",
    seconds: int,
    connections: int,
    threads: int = 1,
    token: str = "",
    args: tuple = (),
) -> dict:
    """One bounded wrk run; returns its JSON summary (latencies in µs) plus `rps`."""
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA / script),
        url,
    ]
    if args:
        command += ["--", *map(str, args)]
    result = subprocess.run(  # noqa: S603 -- fixed program, arguments built here
        command,
        env={**os.environ, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    )
    line = next(
        (line for line in result.stdout.splitlines() if line.startswith("BENCH_JSON ")), None
    )
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{result.stdout}\n{result.stderr}")
    summary = json.loads(line.removeprefix("BENCH_JSON "))
    # wrk stops on time and abandons requests in flight, which the server still finishes:
    # let the slowest of them end before the next measurement starts.
    time.sleep(min(5.0, summary["max_us"] / 1e6 + 0.2))
    summary["statuses"] = {int(k): v for k, v in summary["statuses"].items()}
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


def only_ok(summary: dict, what: str, allowed=(200,)) -> None:
    unexpected = {s: n for s, n in summary["statuses"].items() if s not in allowed}
    errors = {k: v for k, v in summary["errors"].items() if v and k != "status"}
    if unexpected or errors:
        raise RuntimeError(f"{what}: unexpected answers {unexpected}, socket errors {errors}")


def access_token(username: str) -> str:
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    return str(AccessToken.for_user(User.objects.get(username=username)))


# --- what the bench reads: one line a list or report ---------------------------------------------

# (name, path, query, username). `{product}` is the product with the longest ledger, `{day}` the
# newest production date. Users and roles are the admin's lists; everything else the clerk's.
LISTS = [
    ("products", "/api/products/", "", "clerk"),
    ("orders", "/api/orders/", "", "clerk"),
    ("customers", "/api/customers/", "", "clerk"),
    ("employees", "/api/employees/", "", "clerk"),
    ("production", "/api/production/", "", "clerk"),
    ("ledger", "/api/products/{product}/movements/", "", "clerk"),
    ("suppliers", "/api/suppliers/", "", "clerk"),
    ("purchase-orders", "/api/purchase-orders/", "", "clerk"),
    ("boms", "/api/boms/", "", "clerk"),
    ("invoices", "/api/invoices/", "", "clerk"),
    ("users", "/api/users/", "", "admin"),
    ("roles", "/api/roles/", "", "admin"),
    ("events", "/api/events/", "", "admin"),  # SPEC §18
    ("webhooks", "/api/webhooks/", "", "admin"),
]
REPORTS = [
    ("employee-production", "/api/reports/employee-production/", "", "clerk"),
    ("top-selling-products", "/api/reports/top-selling-products/", "", "clerk"),
    ("customer-lifetime-value", "/api/reports/customer-lifetime-value/", "", "clerk"),
    ("production", "/api/reports/production/", "date={day}", "clerk"),
    ("low-stock", "/api/reports/low-stock/", "", "clerk"),
    ("reorder", "/api/reports/reorder/", "", "clerk"),
    ("receivables", "/api/reports/receivables/", "", "clerk"),
    ("stock-valuation", "/api/reports/stock-valuation/", "", "clerk"),  # SPEC §15
    ("product-margins", "/api/reports/product-margins/", "", "clerk"),
]
# The lists that grow without bound, walked page by page with `?cursor=` (SPEC §11 "Deep reads").
# The orders are walked whole; the others from the start and from a cursor near their end.
# (name, path, walked whole?, model, filters of the rows it lists, username).
DEEP = [
    ("orders", "/api/orders/", True, "orders.Order", {}, "clerk"),
    ("production", "/api/production/", False, "production.ProductionRecord", {}, "clerk"),
    ("invoices", "/api/invoices/", False, "orders.Invoice", {}, "clerk"),
    ("events", "/api/events/", False, "events.Event", {}, "admin"),
    (
        "ledger",
        "/api/products/{product}/movements/",
        False,
        "products.StockMovement",
        {"product": "{product}"},
        "clerk",
    ),
]
PAGE_SIZES = ("", "100")  # the default page (10) and the largest


def placeholders(using: str = "default") -> dict:
    from django.db.models import Count, Max

    from production.models import ProductionRecord
    from products.models import StockMovement

    longest = (
        StockMovement.objects.using(using)
        .values("product")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    day = ProductionRecord.objects.using(using).aggregate(day=Max("date"))["day"]
    return {"product": longest["product"], "day": day.isoformat()}


def with_query(path: str, *queries: str) -> str:
    query = "&".join(q for q in queries if q)
    return f"{path}?{query}" if query else path


# --- the SQL each request runs, captured in-process and timed directly on MariaDB -----------


def request_sql(path: str, query: str, username: str) -> list[str]:
    """Every SQL statement the view runs for this URL when its page or report is not cached.

    The view is called in this process, as gunicorn calls it, with the user forced and its role
    permissions already loaded, so what is captured is the request's own SQL and nothing of
    authentication. The caches are as a cold request finds them: the page (or report) misses,
    a list's cached row count (keyed on its SQL, filled by any earlier request) hits.
    """
    import uuid

    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import resolve
    from rest_framework.test import APIRequestFactory, force_authenticate

    from accounts.models import User
    from factory.api.cache_keys import BENCH_PARAMETER
    from factory.cache.batch import serving_request

    user = User.objects.get(username=username)
    user.get_all_permissions()

    def call():
        url = with_query(path, query, f"{BENCH_PARAMETER}=sql-{uuid.uuid4().hex}")
        request = APIRequestFactory().get(url, HTTP_HOST="127.0.0.1")
        force_authenticate(request, user=user)
        match = resolve(path)
        with serving_request():  # as RequestBatchMiddleware serves it: the cache reads batched
            response = match.func(request, *match.args, **match.kwargs)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")

    # On the primary (no replica): the same statements, captured on the one connection.
    with override_settings(REPLICA_DATABASES=[]):
        call()  # fills what a cold request finds filled (a list's row count)
        with CaptureQueriesContext(connection) as captured:
            call()
    statements = [q["sql"] for q in captured.captured_queries]
    if username != "admin" and any("auth_permission" in sql for sql in statements):
        raise RuntimeError(f"{path}: authentication queries were captured: {statements}")
    return statements


def mariadb_connection(alias: str = "default"):
    """A client connection like the app's: TCP to the same server, same options."""
    import MySQLdb
    from django.conf import settings

    db = settings.DATABASES[alias]
    return MySQLdb.connect(
        host=db["HOST"],
        port=int(db["PORT"]),
        user=db["USER"],
        password=db["PASSWORD"],
        database=db["NAME"],
        charset="utf8mb4",
        init_command=db["OPTIONS"]["init_command"],
    )


def time_sql(
    statements: list[str], *, budget: float = SQL_BUDGET_SECONDS, alias: str = "default"
) -> dict:
    """Run the statements back to back (fetching every row) until the time budget is spent."""
    samples = []
    connection = mariadb_connection(alias)
    try:
        cursor = connection.cursor()
        cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
        started = time.perf_counter()
        while len(samples) < 5 or (time.perf_counter() - started < budget and len(samples) < 200):
            t0 = time.perf_counter()
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall()
            samples.append(time.perf_counter() - t0)
    finally:
        connection.close()
    samples.sort()
    return {
        "runs": len(samples),
        "p50_ms": statistics.median(samples) * 1000,
        "min_ms": samples[0] * 1000,
    }


# --- the measurements ---------------------------------------------------------------------------


def measure_throughput(base: str, token: str) -> dict:
    """The warm lists against the floor (interleaved rounds), and the floor's 1-client p50."""
    targets = {
        "baseline": (f"{base}/bench/baseline/", ""),
        "cache_read": (f"{base}/bench/cache-read/", ""),
        "signed_in": (f"{base}/bench/signed-in/", token),
        "products": (f"{base}/api/products/", token),
        "orders": (f"{base}/api/orders/", token),
    }
    for url, auth in targets.values():  # warm every worker: imports, connections, caches
        wrk(url, seconds=1, connections=THROUGHPUT_CONNECTIONS, token=auth)
    runs = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, (url, auth) in targets.items():
            summary = wrk(
                url, seconds=THROUGHPUT_SECONDS, connections=THROUGHPUT_CONNECTIONS, token=auth
            )
            only_ok(summary, name)
            runs[name].append(summary)

    # The floor's latency with one client: what every signed-in request costs (SPEC §11).
    floor_url, floor_auth = targets["signed_in"]
    runs["signed_in_latency"] = [
        wrk(floor_url, seconds=WARM_SECONDS, connections=1, token=floor_auth)
    ]

    def median_run(name):
        return sorted(runs[name], key=lambda s: s["rps"])[len(runs[name]) // 2]

    return {
        name: {**median_run(name), "rounds_rps": [s["rps"] for s in runs[name]]} for name in runs
    }


def cold_target_ms(sql_p50_ms: float, floor_p50_ms: float) -> float:
    """SPEC §11's cold rule: at most half the database's own time on top of the floor."""
    return TARGET_COLD_RATIO * sql_p50_ms + floor_p50_ms


def measure_cold(base: str, tokens: dict, path: str, query: str, username: str) -> dict:
    """One client, a URL never asked before on every request: p50 against the SQL it runs."""
    url = base + with_query(path, query)
    token = tokens[username]
    # Warms the buffer pool, and says how long a request takes: a report of a second is given
    # the time for COLD_MIN_REQUESTS of them (up to 12 s), so its p50 is never of one or none.
    first = wrk(url, seconds=1, connections=1, token=token, args=("unique",))
    each = max(first["max_us"], first["duration_us"] if not first["requests"] else 0) / 1e6
    seconds = min(12, max(COLD_SECONDS, math.ceil(each * COLD_MIN_REQUESTS)))
    cold = wrk(url, seconds=seconds, connections=1, token=token, args=("unique",))
    only_ok(cold, f"{url} cold")
    if not cold["requests"]:
        raise RuntimeError(f"{url} cold: no request finished in {seconds} s")
    statements = request_sql(path, query, username)
    return {"url": url, "cold": cold, "sql": {**time_sql(statements), "statements": statements}}


def measure_warm(base: str, token: str, path: str, query: str) -> dict:
    url = base + with_query(path, query)
    prime = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    with urllib.request.urlopen(prime, timeout=60) as response:  # noqa: S310 -- loopback URL
        response.read()  # the one miss that fills the cache
    warm = wrk(url, seconds=WARM_SECONDS, connections=1, token=token)
    only_ok(warm, f"{url} warm")
    return warm


def walk(base: str, token: str, url: str, *, limit: int | None = None) -> tuple[list[float], str]:
    """GET `url` and follow `next` (one keep-alive connection) for up to `limit` pages: the ms
    of each page, and the `next` link after the last page read."""
    import http.client
    from urllib.parse import urlsplit

    host = urlsplit(base)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    try:
        while url and (limit is None or len(times) < limit):
            parts = urlsplit(url)
            t0 = time.perf_counter()
            connection.request("GET", f"{parts.path}?{parts.query}", headers=headers)
            response = connection.getresponse()
            body = response.read()
            times.append((time.perf_counter() - t0) * 1000)
            if response.status != 200:
                raise RuntimeError(f"{url}: {response.status} {body[:300]!r}")
            url = json.loads(body)["next"]
    finally:
        connection.close()
    return times, url


def end_cursor(first_next: str, model: str, filters: dict, pages_from_end: int) -> str:
    """A cursor `pages_from_end` pages of 100 before the end of a walk (crafted from the rows).

    The ordering is read from the first page's `next` cursor, so it is the list's own."""
    import base64
    from urllib.parse import parse_qs, urlsplit

    from django.apps import apps

    raw = parse_qs(urlsplit(first_next).query)["cursor"][0]
    terms = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))["o"]
    flipped = [t[1:] if t.startswith("-") else f"-{t}" for t in terms]
    names = [t.lstrip("-") for t in terms]
    queryset = apps.get_model(model).objects.filter(**filters).order_by(*flipped)
    row = queryset.values_list(*names)[pages_from_end * 100]
    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
    payload = json.dumps({"o": terms, "v": values, "b": 0}, default=str)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def measure_deep(base: str, tokens: dict, fill: dict) -> dict:
    """Each unbounded list walked with `?cursor=` at 100 a page: ms per page, start and end."""
    import uuid

    results = {}
    edge = DEEP_EDGE_PAGES
    for name, template, whole, model, filters, user in DEEP:
        token = tokens[user]
        path = template.format(**fill)
        filters = {k: v.format(**fill) for k, v in filters.items()}
        tag = f"_bench=walk-{uuid.uuid4().hex}"  # every page a URL never asked before
        first = f"{base}{path}?cursor=&page_size=100&{tag}"
        whole = whole and not QUICK
        if whole:
            times, _ = walk(base, token, first)
            start, end = times[1 : edge + 1], times[-edge:]
        else:
            start, first_next = walk(base, token, first, limit=edge + 1)
            start = start[1:]
            cursor = end_cursor(first_next, model, filters, edge)
            end, _ = walk(base, token, f"{base}{path}?cursor={cursor}&page_size=100&{tag}")
            times = start + end
        results[name] = {
            "pages": len(times),
            "start_ms": statistics.median(start),
            "end_ms": statistics.median(end),
            "total_s": sum(times) / 1000,
            "how": "the whole list" if whole else f"its first and last {edge} pages",
        }
        results[name]["ratio"] = results[name]["end_ms"] / results[name]["start_ms"]
    return results


def use_database(name: str, alias: str = "medium") -> str:
    """A second connection alias to database `name` on the same server (the `medium` data set)."""
    from django.db import connections

    if alias not in connections.databases:
        connections.databases[alias] = {**connections.databases["default"], "NAME": name}
    return alias


def measure_growth(base: str, database: str, results: dict) -> dict:
    """Each report's cold p50 on `medium` (its own gunicorn and database) beside `large`'s."""
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User
    from orders.models import Order

    alias = use_database(database)
    tokens = {
        name: str(AccessToken.for_user(User.objects.using(alias).get(username=name)))
        for name in ("clerk", "admin")
    }
    fill = placeholders(alias)
    reports = {}
    for name, path, template, user in REPORTS:
        if name not in results["reports"]:
            continue
        url = base + with_query(path, template.format(**fill))
        wrk(url, seconds=1, connections=1, token=tokens[user], args=("unique",))
        cold = wrk(url, seconds=COLD_SECONDS, connections=1, token=tokens[user], args=("unique",))
        only_ok(cold, f"{url} cold (medium)")
        reports[name] = {
            "medium": cold["p50_us"] / 1000,
            "large": results["reports"][name]["cold"]["p50_us"] / 1000,
        }
    return {
        "rows": {
            "medium": Order.objects.using(alias).count(),
            "large": Order.objects.count(),
        },
        "reports": reports,
    }


def ledger_check() -> dict:
    """Every product: stock >= 0 and stock == Σ movements.delta (one query each, in the database)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM products_product WHERE stock < 0")
        negative = cursor.fetchone()[0]
        cursor.execute(
            "SELECT COUNT(*) FROM products_product p LEFT JOIN ("
            " SELECT product_id, SUM(delta) AS total FROM products_stockmovement GROUP BY product_id"
            ") m ON m.product_id = p.id WHERE p.stock <> COALESCE(m.total, 0)"
        )
        mismatched = cursor.fetchone()[0]
    return {"negative_stock": negative, "ledger_mismatches": mismatched}


def contended_products(stock: int) -> list[int]:
    """POST_PRODUCTS products spread over the id range, reset to `stock` through the stock service."""
    from accounts.models import User
    from production.models import BOM
    from products.models import Product
    from products.services import stock_adjust

    admin = User.objects.get(username="admin")
    # Not products with a BOM: orders and production compete for components, not assemblies.
    ids = list(
        Product.objects.exclude(boms__status=BOM.Status.ACTIVE)
        .exclude(name__startswith="Bench assembly")
        .order_by("id")
        .values_list("id", flat=True)
    )
    step = max(1, len(ids) // POST_PRODUCTS)
    chosen = ids[::step][:POST_PRODUCTS]
    for product in Product.objects.filter(pk__in=chosen):
        if product.stock != stock:
            stock_adjust(
                product=product,
                delta=stock - product.stock,
                note="make bench: reset stock",
                user=admin,
            )
    return chosen


def order_posts(base: str, token: str, bounds: dict, products: list[int]) -> dict:
    """POST_CLIENTS clients ordering 1-3 of `products` for random customers, POST_SECONDS long."""
    return wrk(
        f"{base}/api/orders/",
        script="post_orders.lua",
        seconds=POST_SECONDS,
        connections=POST_CLIENTS,
        threads=2,
        token=token,
        args=(bounds["low"], bounds["high"], ",".join(map(str, products))),
    )


def measure_order_posts(base: str, token: str, username: str) -> dict:
    """8 clients place orders for the same few products; then count oversold units and check the ledger."""
    from django.db.models import Max, Min, Sum

    from customers.models import Customer
    from orders.models import Order, OrderItem
    from products.models import Product

    chosen = contended_products(POST_STOCK)
    start = dict(Product.objects.filter(pk__in=chosen).values_list("pk", "stock"))
    last_order = Order.objects.aggregate(last=Max("id"))["last"] or 0
    bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))

    summary = order_posts(base, token, bounds, chosen)
    new_orders = Order.objects.filter(
        id__gt=last_order, created_by__username=username, notes="bench"
    )
    placed = new_orders.count()
    # The contended products sell out during the run; after that every request is a quick 409.
    # So the placing rate is taken over the time from the first order to the last one.
    span = new_orders.aggregate(first=Min("created_at"), last=Max("created_at"))
    placing_s = (span["last"] - span["first"]).total_seconds() if placed > 1 else 0
    sold = dict(
        OrderItem.objects.filter(order__in=new_orders)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    end = dict(Product.objects.filter(pk__in=chosen).values_list("pk", "stock"))
    oversold = sum(max(0, sold.get(pk, 0) - start[pk]) for pk in chosen)
    unaccounted = sum(abs(start[pk] - sold.get(pk, 0) - end[pk]) for pk in chosen)
    statuses = summary["statuses"]
    return {
        "wrk": summary,
        "placed": placed,
        "placed_per_s": placed / (summary["duration_us"] / 1e6),
        "placed_per_s_while_stock_lasted": placed / placing_s if placing_s else 0.0,
        "placing_seconds": placing_s,
        "created_201": statuses.get(201, 0),
        "conflicts_409": statuses.get(409, 0),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "other_statuses": {s: n for s, n in statuses.items() if s not in (201, 409) and s < 500},
        "socket_errors": {k: v for k, v in summary["errors"].items() if v and k != "status"},
        "units_sold": sum(sold.values()),
        "oversold_units": oversold,
        "unaccounted_units": unaccounted,
        "products_sold_out": sum(1 for pk in chosen if end[pk] == 0),
        **ledger_check(),
    }


def bench_assemblies(components: list[int]) -> list[int]:
    """MIXED_ASSEMBLIES products, each with an active BOM of 2-3 of `components` (made once)."""
    from accounts.models import User
    from production.models import BOM
    from production.services import bom_activate, bom_create
    from products.models import Product
    from products.services import product_create

    admin = User.objects.get(username="admin")
    by_pk = Product.objects.in_bulk(components)
    ids = []
    for n in range(MIXED_ASSEMBLIES):
        product = Product.objects.filter(name=f"Bench assembly {n}").first() or product_create(
            name=f"Bench assembly {n}", price="10.00", user=admin
        )
        wanted = sorted({components[(n * 3 + k * 7) % len(components)] for k in range(2 + n % 2)})
        active = BOM.objects.filter(product=product, status=BOM.Status.ACTIVE).first()
        if active is None or sorted(active.lines.values_list("component_id", flat=True)) != wanted:
            lines = [(by_pk[pk], 1 + (pk + n) % 2) for pk in wanted]
            bom_activate(bom=bom_create(product=product, lines=lines, user=admin))
        ids.append(product.pk)
    return ids


def measure_mixed_posts(base: str, token: str, username: str) -> dict:
    """8 clients place orders while 8 record production whose BOMs take the same products.

    Afterwards every contended product must account for its units exactly: start - sold -
    consumed = end ≥ 0, and the ledger must hold for every product.
    """
    from concurrent.futures import ThreadPoolExecutor

    from django.db.models import Max, Min, Sum

    from customers.models import Customer
    from employees.models import Employee
    from orders.models import Order, OrderItem
    from production.models import ProductionRecord
    from products.models import Product, StockMovement

    chosen = contended_products(MIXED_STOCK)
    assemblies = bench_assemblies(chosen)
    start = dict(Product.objects.filter(pk__in=chosen).values_list("pk", "stock"))
    last_order = Order.objects.aggregate(last=Max("id"))["last"] or 0
    last_record = ProductionRecord.objects.aggregate(last=Max("id"))["last"] or 0
    bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
    employee = Employee.objects.filter(is_active=True).order_by("id").first()

    with ThreadPoolExecutor(max_workers=2) as pool:
        orders_run = pool.submit(order_posts, base, token, bounds, chosen)
        production_run = pool.submit(
            wrk,
            f"{base}/api/production/",
            script="post_production.lua",
            seconds=POST_SECONDS,
            connections=POST_CLIENTS,
            threads=2,
            token=token,
            args=(employee.pk, ",".join(map(str, assemblies))),
        )
        orders_summary, production_summary = orders_run.result(), production_run.result()

    new_orders = Order.objects.filter(
        id__gt=last_order, created_by__username=username, notes="bench"
    )
    new_records = ProductionRecord.objects.filter(id__gt=last_record, created_by__username=username)
    placed, recorded = new_orders.count(), new_records.count()
    sold = dict(
        OrderItem.objects.filter(order__in=new_orders)
        .values("product_id")
        .annotate(units=Sum("quantity"))
        .values_list("product_id", "units")
    )
    consumed = dict(
        StockMovement.objects.filter(
            reason=StockMovement.Reason.CONSUMPTION,
            reference__in=[f"production:{pk}" for pk in new_records.values_list("id", flat=True)],
        )
        .values("product_id")
        .annotate(units=Sum("delta"))
        .values_list("product_id", "units")
    )
    end = dict(Product.objects.filter(pk__in=chosen).values_list("pk", "stock"))
    taken = {pk: sold.get(pk, 0) - consumed.get(pk, 0) for pk in chosen}
    statuses = [orders_summary["statuses"], production_summary["statuses"]]
    return {
        "orders_wrk": orders_summary,
        "production_wrk": production_summary,
        "placed": placed,
        "recorded": recorded,
        "orders_per_s": placed / (orders_summary["duration_us"] / 1e6),
        "records_per_s": recorded / (production_summary["duration_us"] / 1e6),
        "units_sold": sum(sold.values()),
        "units_consumed": -sum(consumed.values()),
        "oversold_units": sum(max(0, taken[pk] - start[pk]) for pk in chosen),
        "unaccounted_units": sum(abs(start[pk] - taken[pk] - end[pk]) for pk in chosen),
        "conflicts_409": sum(s.get(409, 0) for s in statuses),
        "server_errors_5xx": sum(n for st in statuses for s, n in st.items() if s >= 500),
        "other_statuses": {
            s: n for st in statuses for s, n in st.items() if s not in (201, 409) and s < 500
        },
        "socket_errors": {
            k: v
            for summary in (orders_summary, production_summary)
            for k, v in summary["errors"].items()
            if v and k != "status"
        },
        **ledger_check(),
    }


# --- the table ----------------------------------------------------------------------------------


def ms(us: float) -> str:
    return f"{us / 1000:.1f} ms"


def build_rows(results: dict) -> list[dict]:
    rows = []
    tp = results["throughput"]
    base, floor = tp["baseline"], tp["signed_in"]
    floor_ms = tp["signed_in_latency"]["p50_us"] / 1000
    rows.append(
        {
            "measurement": "(reference) bare view + one Redis read",
            "figure": f"{tp['cache_read']['rps']:.0f} req/s (p50 {ms(tp['cache_read']['p50_us'])})",
            "reference": f"bare view {base['rps']:.0f} req/s",
            "ratio": f"{tp['cache_read']['rps'] / base['rps']:.2f}",
            "target": "(for reading)",
            "ok": None,
        }
    )
    rows.append(
        {
            "measurement": "(floor) DRF view, JWT + throttle + role permission, no query",
            "figure": f"{floor['rps']:.0f} req/s (p50 {ms(floor['p50_us'])}); 1 client: "
            f"floor_p50 {floor_ms:.2f} ms",
            "reference": f"bare view {base['rps']:.0f} req/s",
            "ratio": f"{floor['rps'] / base['rps']:.2f}",
            "target": "(for reading)",
            "ok": None,
        }
    )
    for name, label in (("products", "GET /api/products/"), ("orders", "GET /api/orders/")):
        run = tp[name]
        ratio = run["rps"] / floor["rps"]
        rows.append(
            {
                "measurement": f"{label} warm (same URL, page of 10, {THROUGHPUT_CONNECTIONS} conns)",
                "figure": f"{run['rps']:.0f} req/s (p50 {ms(run['p50_us'])}, p99 {ms(run['p99_us'])})",
                "reference": f"floor {floor['rps']:.0f} req/s",
                "ratio": f"{ratio:.2f}",
                "target": f">= {TARGET_WARM_THROUGHPUT}x floor",
                "ok": ratio >= TARGET_WARM_THROUGHPUT,
            }
        )

    def cold_row(label: str, measured: dict) -> dict:
        cold, sql = measured["cold"], measured["sql"]
        p50 = cold["p50_us"] / 1000
        target = cold_target_ms(sql["p50_ms"], floor_ms)
        return {
            "measurement": label,
            "figure": f"p50 {p50:.2f} ms (p99 {ms(cold['p99_us'])}, n={cold['requests']})",
            "reference": f"SQL p50 {sql['p50_ms']:.2f} ms ({len(sql['statements'])} stmt) "
            f"+ floor {floor_ms:.2f}",
            "ratio": f"{p50 / target:.2f}",
            "target": f"<= {target:.2f} ms",
            "ok": p50 <= target,
        }

    for name, sizes in results["lists"].items():
        for size, measured in sizes.items():
            page = f"page_size={size}" if size else "default page"
            rows.append(cold_row(f"list {name}, cold, {page}", measured))
    for name, report in results["reports"].items():
        rows.append(cold_row(f"report {name}, cold", report))
        warm = report["warm"]
        rows.append(
            {
                "measurement": f"report {name}, warm",
                "figure": f"p50 {ms(warm['p50_us'])} (p99 {ms(warm['p99_us'])})",
                "reference": f"floor_p50 {floor_ms:.2f} ms",
                "ratio": f"{warm['p50_us'] / 1000 / floor_ms:.2f}",
                "target": f"<= {TARGET_WARM_P50}x floor_p50",
                "ok": warm["p50_us"] / 1000 <= TARGET_WARM_P50 * floor_ms,
            }
        )
    for name, deep in results.get("deep", {}).items():
        rows.append(
            {
                "measurement": f"deep: {name} by ?cursor=, 100 a page ({deep['how']})",
                "figure": f"end {deep['end_ms']:.2f} ms/page ({deep['pages']} pages, "
                f"{deep['total_s']:.1f} s)",
                "reference": f"start {deep['start_ms']:.2f} ms/page",
                "ratio": f"{deep['ratio']:.2f}",
                "target": f"<= {TARGET_DEEP_RATIO}x",
                "ok": deep["ratio"] <= TARGET_DEEP_RATIO,
            }
        )
    growth = results.get("growth")
    if growth:
        scale = growth["rows"]["large"] / growth["rows"]["medium"]
        for name, p50 in growth["reports"].items():
            ratio = p50["large"] / p50["medium"]
            rows.append(
                {
                    "measurement": f"growth: report {name}, cold p50 medium -> large",
                    "figure": f"{p50['medium']:.2f} -> {p50['large']:.2f} ms",
                    "reference": f"{scale:.1f}x the orders",
                    "ratio": f"{ratio:.2f}",
                    "target": f"<= {scale:.1f}x",
                    "ok": ratio <= scale,
                }
            )
    post = results.get("orders_post")
    if post is None:
        return rows
    run = post["wrk"]
    clean = (
        post["server_errors_5xx"] == 0
        and post["oversold_units"] == 0
        and post["unaccounted_units"] == 0
        and post["negative_stock"] == 0
        and post["ledger_mismatches"] == 0
        and not post["socket_errors"]
    )
    rows.append(
        {
            "measurement": f"POST /api/orders/, {POST_CLIENTS} clients",
            "figure": f"{post['placed_per_s_while_stock_lasted']:.0f} orders/s until sold out "
            f"({post['placed']} in {post['placing_seconds']:.1f} s); {run['rps']:.0f} req/s "
            f"(p50 {ms(run['p50_us'])}, p99 {ms(run['p99_us'])}), {post['conflicts_409']} x 409",
            "reference": f"5xx {post['server_errors_5xx']}, oversold {post['oversold_units']}, "
            f"ledger {'ok' if post['ledger_mismatches'] == 0 and post['negative_stock'] == 0 else 'BROKEN'}",
            "ratio": "",
            "target": "0 5xx, 0 oversold",
            "ok": clean,
            "stock": True,
        }
    )
    mixed = results.get("mixed_post")
    if mixed:
        orders_run, production_run = mixed["orders_wrk"], mixed["production_wrk"]
        ledger_ok = mixed["ledger_mismatches"] == 0 and mixed["negative_stock"] == 0
        rows.append(
            {
                "measurement": f"POST /api/orders/ ({POST_CLIENTS} clients) while POST "
                f"/api/production/ ({POST_CLIENTS} clients) consumes the same products",
                "figure": f"{mixed['orders_per_s']:.0f} orders/s (p50 {ms(orders_run['p50_us'])}, "
                f"p99 {ms(orders_run['p99_us'])}); {mixed['records_per_s']:.0f} records/s "
                f"(p50 {ms(production_run['p50_us'])}, p99 {ms(production_run['p99_us'])}); "
                f"{mixed['units_sold']} units sold, {mixed['units_consumed']} consumed, "
                f"{mixed['conflicts_409']} x 409",
                "reference": f"5xx {mixed['server_errors_5xx']}, oversold "
                f"{mixed['oversold_units']}, ledger {'ok' if ledger_ok else 'BROKEN'}",
                "ratio": "",
                "target": "0 5xx, 0 oversold",
                "ok": mixed["server_errors_5xx"] == 0
                and mixed["oversold_units"] == 0
                and mixed["unaccounted_units"] == 0
                and ledger_ok
                and not mixed["socket_errors"]
                and not mixed["other_statuses"],
                "stock": True,
            }
        )
    return rows


def render_table(rows: list[dict]) -> str:
    columns = ["measurement", "figure", "reference", "ratio", "target", "ok"]  # not "stock"
    verdict = {True: "ok", False: "MISSED", None: ""}
    cells = [[str(row[c]) if c != "ok" else verdict[row[c]] for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)), line]
    out += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join(out)


def seed_info(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.exists() else None


def run(args) -> int:
    from django.conf import settings

    base = args.url.rstrip("/")
    username = "clerk"  # role user, as a front end's clerk would be
    started = time.monotonic()
    counts = data_counts()
    seed = seed_info(Path(args.seed_file)) if args.seed_file else None
    throttle = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    print(
        f"Data: {', '.join(f'{v:,} {k}' for k, v in counts.items())}."
        + (
            f" Loaded by seed_demo --size large in {seed['seconds'] / 60:.1f} min on {seed['at']}."
            if seed
            else ""
        )
    )
    print(
        f"Server: gunicorn, {os.environ.get('WEB_CONCURRENCY', '2')} workers, DEBUG off, MariaDB + "
        f"Redis on loopback; throttle rates raised for the load generator: "
        f"user {throttle['user']}, anon {throttle['anon']} (still counted on every request: "
        "one counter per window, whatever the rate)."
    )
    only = {n for n in os.environ.get("BENCH_ONLY", "").split(",") if n}

    def wanted(name: str) -> bool:
        return not only or name in only

    print(f"Load: {os.getloadavg()[0]:.1f} (1 min average, {os.cpu_count()} CPUs)", flush=True)
    tokens = {name: access_token(name) for name in ("clerk", "admin")}
    fill = placeholders()
    print("Measuring the floor and the warm lists (interleaved rounds) ...", flush=True)
    results = {"throughput": measure_throughput(base, tokens[username]), "lists": {}}
    results["throughput"]["load_average"] = os.getloadavg()
    floor_ms = results["throughput"]["signed_in_latency"]["p50_us"] / 1000

    def say(label: str, measured: dict) -> None:
        p50, sql = measured["cold"]["p50_us"] / 1000, measured["sql"]["p50_ms"]
        target = cold_target_ms(sql, floor_ms)
        verdict = "ok" if p50 <= target else "MISSED"
        print(f"  {label}: p50 {p50:.2f} ms, SQL {sql:.2f} ms, target {target:.2f} ms: {verdict}")

    for name, template, query, user in LISTS:
        if wanted(name):
            print(f"Measuring list {name}, cold ...", flush=True)
            path = template.format(**fill)
            results["lists"][name] = {
                size: measure_cold(
                    base,
                    tokens,
                    path,
                    "&".join(filter(None, [query, size and f"page_size={size}"])),
                    user,
                )
                for size in PAGE_SIZES
            }
            for size, measured in results["lists"][name].items():
                say(f"{name} page_size={size or 'default'}", measured)
    results["reports"] = {}
    for name, path, template, user in REPORTS:
        if wanted(name):
            print(f"Measuring report {name}, cold and warm ...", flush=True)
            query = template.format(**fill)
            report = measure_cold(base, tokens, path, query, user)
            report["warm"] = measure_warm(base, tokens[user], path, query)
            results["reports"][name] = report
            say(name, report)
    if replica.enabled() and wanted("replica"):
        print("Measuring the reports read from the replica ...", flush=True)
        cases = [(name, template.format(**fill)) for name, _, template, _ in REPORTS]
        results["replica"] = replica.measure(base, tokens[username], cases, username, floor_ms)
    if wanted("deep"):
        print("Walking the deep lists with ?cursor= ...", flush=True)
        results["deep"] = measure_deep(base, tokens, fill)
    if args.medium_url and wanted("growth"):
        print("Measuring the reports cold on `medium` ...", flush=True)
        results["growth"] = measure_growth(
            args.medium_url.rstrip("/"), args.medium_database, results
        )
    if wanted("posts"):
        print(f"Placing orders with {POST_CLIENTS} clients ...", flush=True)
        results["orders_post"] = measure_order_posts(base, access_token(username), username)
        print(
            f"Placing orders with {POST_CLIENTS} clients while {POST_CLIENTS} record production "
            "consuming the same products ...",
            flush=True,
        )
        results["mixed_post"] = measure_mixed_posts(base, access_token(username), username)
    results["load_average_end"] = os.getloadavg()

    rows = build_rows(results)
    if "replica" in results:
        rows += replica.rows(results["replica"])
    table = render_table(rows)
    missed = [row["measurement"] for row in rows if row["ok"] is False]
    checked = [row for row in rows if row["ok"] is not None]
    print()
    print(table)
    print()
    elapsed = time.monotonic() - started
    print(
        f"{len(checked) - len(missed)} of {len(checked)} targets met; measured in {elapsed:.0f}s."
    )

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "at": stamp,
        "host": {"machine": platform.machine(), "cpus": os.cpu_count()},
        "data": counts,
        "seed": seed,
        "throttle_rates": throttle,
        "rows": rows,
        "missed": missed,
        "table": table,
        "results": results,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    for path in (RESULTS / f"bench-{stamp}.json", RESULTS / "latest.json"):
        path.write_text(json.dumps(document, indent=2, default=str))
    print(f"Results: {RESULTS / f'bench-{stamp}.json'}")
    # Speed targets missed on a shared machine are reported, not fatal; broken stock is.
    return 0 if all(row["ok"] for row in rows if row.get("stock")) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seeded = sub.add_parser(
        "seeded", help="exit 0 if the data set is loaded, 1 if empty, 2 otherwise"
    )
    seeded.add_argument("--size", default="large")
    run_parser = sub.add_parser("run", help="measure against a running server")
    run_parser.add_argument("--url", required=True, help="the gunicorn under test")
    run_parser.add_argument("--seed-file", help="JSON written when `large` was loaded")
    run_parser.add_argument("--medium-url", help="a gunicorn serving the `medium` data set")
    run_parser.add_argument("--medium-database", help="the database `medium` is loaded in")
    args = parser.parse_args()
    django_setup()
    if args.command == "seeded":
        return seeded_state(args.size)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
