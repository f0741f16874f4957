"""gunicorn's settings file: gunicorn reads ./gunicorn.conf.py by itself when started here.

Throttle counters (sign-in limits included) live in the default cache. Without REDIS_URL that
is each process's own memory, so N workers would allow N times every limit, and a restarted
worker would forget its counts (issue 24). More than one worker therefore needs Redis: without
it gunicorn refuses to start more than one (threads of one worker share its memory and are fine).
"""

import os


def on_starting(server):
    if server.cfg.workers > 1 and not os.environ.get("REDIS_URL"):
        raise SystemExit(
            f"Refusing to start {server.cfg.workers} workers without REDIS_URL: each would keep "
            "its own throttle counters, multiplying every limit. Set REDIS_URL, or run one "
            "worker (--workers 1, WEB_CONCURRENCY=1)."
        )
