"""Profile the write lines in-process: where a `POST /api/orders/` or `/api/production/` goes.

    scripts/with-bench-env.sh .venv/bin/python -m bench.profile_posts orders -n 200
    scripts/with-bench-env.sh .venv/bin/python -m bench.profile_posts production -n 200

The requests are the bench's (`bench/lua/post_orders.lua`, `post_production.lua`): as the
clerk, 1-3 of the 40 contended products, 1-4 units each, for a random customer; or 1-3 units of
one of the bench's assemblies, whose BOMs take those products. Each goes through Django's whole
handler. Prints, a request: the queries (all, and those run while the product rows are locked,
from the `SELECT ... FOR UPDATE` on products to the COMMIT), wall time and the part of it spent
holding the locks (what 8 clients queue for), and cProfile's top functions of the whole request
and of the locked section alone.
"""

import argparse
import cProfile
import io
import json
import pstats
import random
import statistics
import time

from bench.driver import access_token, django_setup

LOCK_SQL = "FOR UPDATE"


class LockClock:
    """Times the span from the products' `SELECT ... FOR UPDATE` to the commit, per request.

    Wraps the connection's `commit` and the stock service's `stock_lock`; `profiler`, when set,
    runs only inside that span.
    """

    def __init__(self, connection):
        import products.services.stock as stock

        self.spans, self.locked_at, self.profiler = [], None, None
        self.connection, self.stock = connection, stock
        original_lock, original_commit = stock.stock_lock, connection.commit

        def stock_lock(**kwargs):
            products = original_lock(**kwargs)
            if self.locked_at is None:
                self.locked_at = time.perf_counter()
                if self.profiler is not None:
                    self.profiler.enable()
            return products

        def commit():
            original_commit()
            if self.locked_at is not None:
                if self.profiler is not None:
                    self.profiler.disable()
                self.spans.append(time.perf_counter() - self.locked_at)
                self.locked_at = None

        stock.stock_lock = stock_lock
        connection.commit = commit
        # Callers imported the function by name: point them at the wrapper too.
        import production.services.records as records
        import products.services as package

        package.stock_lock = records.stock_lock = stock_lock


def bodies(kind: str, n: int) -> list[dict]:
    from django.db.models import Max, Min

    from bench.driver import MIXED_STOCK, bench_assemblies, contended_products
    from customers.models import Customer
    from employees.models import Employee

    # Plenty of stock: every request places (a 409 is a different, shorter path).
    chosen = contended_products(max(MIXED_STOCK, 40 * n))
    rng = random.Random(23)  # noqa: S311 -- request bodies, not security
    if kind == "orders":
        bounds = Customer.objects.aggregate(low=Min("id"), high=Max("id"))
        return [
            {
                "customer": rng.randint(bounds["low"], bounds["high"]),
                "items": [
                    {"product": pk, "quantity": rng.randint(1, 4)}
                    for pk in rng.sample(chosen, rng.randint(1, 3))
                ],
                "notes": "bench",
            }
            for _ in range(n)
        ]
    assemblies = bench_assemblies(chosen)
    employee = Employee.objects.filter(is_active=True).order_by("id").first()
    return [
        {"product": rng.choice(assemblies), "employee": employee.pk, "quantity": rng.randint(1, 3)}
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["orders", "production"])
    parser.add_argument("-n", type=int, default=100, help="requests per phase")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sql", action="store_true", help="print one request's statements")
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {access_token('clerk')}")
    path = f"/api/{args.kind}/"
    todo = bodies(args.kind, 3 * args.n + 5)
    clock = LockClock(connection)

    def post(body):
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    for body in todo[:5]:  # connections, imports, caches
        post(body)
    todo = todo[5:]

    # 1. Queries: all of them, and those from the lock on.
    counts, locked_counts, locked_sql_ms = [], [], []
    for index, body in enumerate(todo[: args.n]):
        with CaptureQueriesContext(connection) as captured:
            post(body)
        sql = [q["sql"] for q in captured.captured_queries]
        first = next(i for i, s in enumerate(sql) if LOCK_SQL in s and "products_product" in s)
        last = sql.index("COMMIT", first)
        counts.append(len(sql))
        locked_counts.append(last + 1 - first)
        locked_sql_ms.append(
            sum(float(q["time"]) for q in captured.captured_queries[first : last + 1]) * 1000
        )
        if args.sql and index < 3:
            for i, query in enumerate(captured.captured_queries):
                print(
                    f"{'L' if first <= i <= last else ' '} {i:2d} {float(query['time']) * 1000:6.2f} ms "
                    f"{query['sql'][:150]}"
                )

    # 2. Wall time and the locked span, unprofiled.
    clock.spans.clear()
    started, cpu = time.perf_counter(), time.process_time()
    for body in todo[args.n : 2 * args.n]:
        post(body)
    wall = (time.perf_counter() - started) / args.n * 1000
    cpu = (time.process_time() - cpu) / args.n * 1000
    locked = statistics.median(clock.spans) * 1000

    # 3. cProfile of the whole request, then of the locked span alone.
    whole = cProfile.Profile()
    whole.enable()
    for body in todo[2 * args.n : 2 * args.n + args.n // 2]:
        post(body)
    whole.disable()
    clock.profiler = cProfile.Profile()
    for body in todo[2 * args.n + args.n // 2 : 3 * args.n]:
        post(body)
    half = args.n - args.n // 2

    print(
        f"POST {path}: {wall:.2f} ms a request in-process ({cpu:.2f} ms CPU), locks held "
        f"{locked:.2f} ms (median), n={args.n}\n"
        f"queries a request: {statistics.median(counts):.0f} (max {max(counts)}), "
        f"{statistics.median(locked_counts):.0f} of them holding the locks (FOR UPDATE to COMMIT) "
        f"({statistics.median(locked_sql_ms):.2f} ms of SQL there)\n"
        f"Python calls a request: {pstats.Stats(whole).total_calls / (args.n // 2):,.0f}, "
        f"{pstats.Stats(clock.profiler).total_calls / half:,.0f} of them holding the locks"
    )
    for name, profile in (("whole request", whole), ("holding the locks", clock.profiler)):
        for order in ("tottime", "cumulative"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
            print(f"--- {name}, by {order}\n{out.getvalue()}")


if __name__ == "__main__":
    main()
