"""Profile cold requests in-process: where a list page's or report's time goes.

    scripts/with-bench-env.sh .venv/bin/python -m bench.profile /api/orders/?page_size=100

(or any shell with the bench's environment: DATABASE_URL, REDIS_URL, BENCH_BASELINE=1). Each
request goes through Django's whole handler (middleware, JWT sign-in, throttles, the view) as
the clerk, with a `_bench` parameter never used before, so the page cache misses as in the
bench's cold lines. Prints cProfile's top functions by own time and by cumulative time.
"""

import argparse
import cProfile
import io
import pstats
import time
import uuid

from bench.driver import access_token, django_setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url", help="a path with its query, e.g. /api/orders/?page_size=100")
    parser.add_argument("-n", type=int, default=50, help="cold requests to profile")
    parser.add_argument("--user", default="clerk")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    django_setup()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {access_token(args.user)}")
    sep = "&" if "?" in args.url else "?"

    def cold():
        response = client.get(f"{args.url}{sep}_bench={uuid.uuid4().hex}")
        assert response.status_code == 200, response.content[:300]

    for _ in range(5):  # connections, imports, the cached row count
        cold()
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        cold()
    plain = (time.perf_counter() - started) / args.n * 1000
    cpu = (time.process_time() - cpu) / args.n * 1000
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(args.n):
        cold()
    profiler.disable()
    calls = pstats.Stats(profiler).total_calls / args.n
    print(
        f"{args.url}: {plain:.2f} ms a cold request in-process, {cpu:.2f} ms of it this "
        f"process's CPU (unprofiled, n={args.n}); {calls:,.0f} Python calls a request"
    )
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
