"""Liveness and readiness probes (SPEC §2): GET or HEAD, neither needs authentication."""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger("factory.health")


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("readiness: database unreachable", exc_info=True)
        return False


def _cache_ok() -> bool:
    if not settings.REDIS_URL:
        return True  # the in-process cache cannot be down
    # The cache backend swallows Redis errors by design, so ask Redis itself.
    from django_redis import get_redis_connection

    try:
        return bool(get_redis_connection("default").ping())
    except Exception:
        logger.warning("readiness: redis unreachable", exc_info=True)
        return False


@never_cache
@require_safe
def readyz(request):
    checks = {"database": _database_ok(), "cache": _cache_ok()}
    failed = [name for name, ok in checks.items() if not ok]
    body = {
        "status": "ok" if not failed else "unavailable",
        "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
    }
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
