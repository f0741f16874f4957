"""`make bench` with a read replica (SPEC §11, §19): the reports served by the replica.

bench/run.sh starts the primary with a GTID replica (scripts/services.sh REPLICA=1) and gunicorn
with DATABASE_REPLICA_URLS, so every report below is read from the replica once it has caught
up. For each report: cold p50 (a URL never asked before, one client) against the SQL it runs
timed directly on the replica plus floor_p50 (the §11 rule), warm p50, and how many of the cold
requests the primary answered (the `X-Read-From` header: ~0 while the replica keeps up). Then a
write to every report's tables, and each report read right after it must show it.

Kept apart from bench/driver.py, which calls `measure(...)` and `rows(...)` only.
"""

import datetime
import json
import time
import urllib.request
import uuid
from decimal import Decimal

COLD_REQUESTS = 20
TARGET_COLD_RATIO = 1.5


def enabled() -> bool:
    from django.conf import settings

    return bool(settings.REPLICA_DATABASES)


def get(url: str, token: str) -> tuple[float, dict, bytes]:
    """One GET: seconds, headers, body. Anything but a 200 is an error."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 -- loopback URL
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")
        return time.perf_counter() - started, dict(response.headers), body


def cold_url(url: str) -> str:
    """The URL with a parameter never seen before (kept under BENCH_BASELINE): computed, not cached."""
    return url + ("&" if "?" in url else "?") + f"_bench=replica-{uuid.uuid4().hex}"


def measure(base: str, token: str, cases, username: str, floor_p50_ms: float) -> dict:
    """Every report read from the replica: cold, warm, SQL on the replica, primary answers."""
    from django.conf import settings

    from bench.driver import COLD_SECONDS, WARM_SECONDS, only_ok, request_sql, time_sql, wrk

    reports = {}
    for name, query in cases:
        url = f"{base}/api/reports/{name}/" + (f"?{query}" if query else "")
        wrk(url, seconds=1, connections=1, token=token, args=("unique",))  # warm the replica
        cold = wrk(url, seconds=COLD_SECONDS, connections=1, token=token, args=("unique",))
        only_ok(cold, f"{name} cold (replica)")
        sources = {"replica": 0, "primary": 0}
        for _ in range(COLD_REQUESTS):  # who answered: the header wrk does not report
            _, headers, _ = get(cold_url(url), token)
            sources[headers.get("X-Read-From", "primary")] += 1
        statements = request_sql(f"/api/reports/{name}/", query, username)
        sql_ms = time_sql(statements, budget=3, alias=settings.REPLICA_DATABASES[0])["p50_ms"]
        get(url, token)  # the one miss that fills the cache
        warm = wrk(url, seconds=WARM_SECONDS, connections=1, token=token)
        only_ok(warm, f"{name} warm (replica)")
        cold_p50 = cold["p50_us"] / 1000
        reports[name] = {
            "cold_p50_ms": cold_p50,
            "sql_p50_ms": sql_ms,
            "warm_p50_ms": warm["p50_us"] / 1000,
            "primary_answered": sources["primary"],
            "requests": COLD_REQUESTS,
            "cold_ok": cold_p50 <= TARGET_COLD_RATIO * sql_ms + floor_p50_ms,
        }
    return {
        "reports": reports,
        "floor_p50_ms": floor_p50_ms,
        "after_write": after_write(base, token, cases),
    }


def after_write(base: str, token: str, cases) -> dict:
    """A write to every report's tables, then each report at once: its row must have changed."""
    from accounts.models import User
    from accounts.roles import ADMIN
    from customers.models import Customer
    from employees.models import Employee
    from orders.services import order_place
    from production.services import production_create
    from products.services import product_create

    admin = User.objects.filter(role__name=ADMIN).order_by("id").first()
    customer = Customer.objects.order_by("id").first()
    employee = Employee.objects.filter(is_active=True).order_by("id").first()
    many = 10**6  # enough to put every row it touches on the first page
    today = datetime.date.today().isoformat()

    # The reports whose rows these writes change, and the row each must show.
    keys = {
        "low-stock": "product_id",
        "top-selling-products": "product_id",
        "production": "product_id",
        "employee-production": "employee_id",
        "customer-lifetime-value": "customer_id",
        "product-margins": "product_id",
    }
    urls = {
        name: f"{base}/api/reports/{name}/?page_size=100"
        + (f"&date={today}" if name == "production" else "")
        for name, _ in cases
        if name in keys
    }

    def page(name):
        _, headers, body = get(urls[name], token)
        return json.loads(body)["results"], headers.get("X-Read-From", "cache")

    before = {name: page(name)[0] for name in urls}  # cached now: the writes must retire them
    product = product_create(
        name=f"Replica bench {uuid.uuid4().hex[:8]}", price=Decimal("1.00"), reorder_level=many
    )
    production_create(product=product, employee=employee, quantity=many, user=admin)
    order_place(customer=customer, items=[(product, many)], user=admin)
    ids = {"product_id": product.id, "employee_id": employee.id, "customer_id": customer.id}

    def row(rows, name):
        field = keys[name]
        return next((r for r in rows if r[field] == ids[field]), None)

    seen = {}
    for name in urls:
        after, source = page(name)
        changed = row(after, name) is not None and row(after, name) != row(before[name], name)
        seen[name] = {"shown": changed, "from": source}
    return seen


def rows(results: dict) -> list[dict]:
    """The table's rows for the replica run (bench/driver.py's row format)."""
    out = []
    for name, report in results["reports"].items():
        out.append(
            {
                "measurement": f"report {name}, cold, read from the replica",
                "figure": f"p50 {report['cold_p50_ms']:.1f} ms",
                "reference": f"SQL on the replica p50 {report['sql_p50_ms']:.1f} ms",
                "ratio": f"{report['cold_p50_ms'] / report['sql_p50_ms']:.2f}x",
                "target": f"<= {TARGET_COLD_RATIO} x SQL + floor_p50",
                "ok": report["cold_ok"],
            }
        )
        out.append(
            {
                "measurement": f"report {name}, warm (replica configured)",
                "figure": f"p50 {report['warm_p50_ms']:.2f} ms",
                "reference": f"floor_p50 {results['floor_p50_ms']:.2f} ms",
                "ratio": f"{report['warm_p50_ms'] / results['floor_p50_ms']:.2f}x",
                "target": "<= 1.5 x floor_p50",
                "ok": report["warm_p50_ms"] <= 1.5 * results["floor_p50_ms"],
            }
        )
    answered = sum(r["primary_answered"] for r in results["reports"].values())
    asked = sum(r["requests"] for r in results["reports"].values())
    out.append(
        {
            "measurement": "cold report requests the primary answered (replica keeping up)",
            "figure": f"{answered} of {asked}",
            "reference": "",
            "ratio": "",
            "target": "~0",
            "ok": answered <= asked // 20,
        }
    )
    shown = results["after_write"]
    out.append(
        {
            "measurement": "reports read right after a write that show it",
            "figure": f"{sum(s['shown'] for s in shown.values())} of {len(shown)}",
            "reference": ", ".join(f"{name}: {s['from']}" for name, s in shown.items()),
            "ratio": "",
            "target": "all",
            "ok": all(s["shown"] for s in shown.values()),
        }
    )
    return out
