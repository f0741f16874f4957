"""Reference views for `make bench`, mounted only when BENCH_BASELINE=1 (factory/urls.py)."""

from django.core.cache import cache
from django.http import JsonResponse
from rest_framework.response import Response
from rest_framework.views import APIView

from factory.api.caching import PrefetchMixin
from factory.api.permissions import HasRolePermission


def bench_baseline(request):
    """A bare Django JSON view (no DRF, no auth, no database): the throughput reference."""
    return JsonResponse({"status": "ok", "view": "baseline"})


def bench_cache_read(request):
    """The bare view plus one read of the shared cache: what consulting shared state costs at all."""
    cache.get("bench:cache-read")
    return JsonResponse({"status": "ok", "view": "cache-read"})


class BenchSignedInView(PrefetchMixin, APIView):
    """The same dict behind JWT sign-in, throttles and a role permission: what every API view pays."""

    permission_classes = [HasRolePermission.require("products.view_product")]
    schema = None

    def get(self, request):
        return Response({"status": "ok", "view": "signed-in"})
