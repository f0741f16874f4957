"""The one prefetch hook of the API views, and list pages served from the shared cache."""

from django.conf import settings
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from factory.api.cache_keys import keep_known_parameters, list_parameters, row_count_parameters
from factory.api.fastread import FastListMixin
from factory.api.throttling import FixedWindowThrottle
from factory.cache import RequestBatch, cached, prefetch

JSON = "application/json"


class PrefetchMixin:
    """Names, before sign-in, everything the request will read from the shared cache.

    Sign-in's read of the `access` version is the request's first cache round trip; what is
    named here joins it (docs/caching.md, "One round trip a request"). `prefetch` is the one
    hook: by default it names the per-user counters of the view's throttles, counted once
    sign-in has verified the token's user (`RequestBatch.identified`); a view that serves a
    cached value adds it (`super().prefetch(...)` first). It runs after content negotiation,
    so the negotiated format can name the value.
    """

    def perform_authentication(self, request):
        if (batch := RequestBatch.current()) is not None:
            self.prefetch(request, batch)
        super().perform_authentication(request)

    def get_throttles(self):
        """The view's throttles, made once a request (the hook and the throttle check share them)."""
        if not hasattr(self, "_throttles"):
            self._throttles = super().get_throttles()
        return self._throttles

    def prefetch(self, request, batch: RequestBatch) -> None:
        throttles = [t for t in self.get_throttles() if isinstance(t, FixedWindowThrottle)]

        def counters(user_id):
            return filter(None, (throttle.counter_for_user(user_id) for throttle in throttles))

        batch.per_user = counters


class CachedListMixin(FastListMixin, PrefetchMixin):
    """Caches each page of a list, as the JSON it answers, under the namespaces of its rows.

    The page is named by its URL with only the parameters the list understands (filters,
    search, ordering, page, page size, format: `factory.api.cache_keys`; any other is dropped,
    so it never makes a new entry) and the host its `next`/`previous` links point to. It is served only while
    none of `list_cache_namespaces` has been written to since it was computed, so a committed
    write shows on the very next request. Authentication, permissions and throttles run first,
    as for any request; the page joins their cache round trip (`prefetch`), so a page served
    from the cache costs one round trip in all. Other renderings (the browsable API) are
    computed every time. Off when LIST_CACHE_SECONDS is 0 (no Redis).
    """

    list_cache_namespaces: tuple[str, ...] = ()

    def prefetch(self, request, batch):
        super().prefetch(request, batch)
        if self.action == "list":
            if request.META.get("QUERY_STRING"):
                keep_known_parameters(self, request, *list_parameters(self, request))
            self.list_cache_parts = {"list": request.build_absolute_uri(), "as": JSON}
            # The row count, named by the path and the parameters that choose the rows: every
            # page, ordering and page size of one filter shares it (read by the paginator).
            count_parts = {"count": request.path, "rows": row_count_parameters(self, request)}
            self.row_count_cache = (self.list_cache_namespaces, count_parts)
            for parts in (self.list_cache_parts, count_parts):
                prefetch(self.list_cache_namespaces, parts, timeout=settings.LIST_CACHE_SECONDS)

    def list(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        if not (isinstance(renderer, JSONRenderer) and request.accepted_media_type == JSON):
            return super().list(request, *args, **kwargs)
        if not hasattr(self, "list_cache_parts"):  # served outside a request batch
            if request.META.get("QUERY_STRING"):
                keep_known_parameters(self, request, *list_parameters(self, request))
            self.list_cache_parts = {"list": request.build_absolute_uri(), "as": JSON}
        compute_page = super().list
        body = cached(
            self.list_cache_namespaces,
            self.list_cache_parts,
            lambda: renderer.render(compute_page(request, *args, **kwargs).data, JSON),
            timeout=settings.LIST_CACHE_SECONDS,
        )
        return HttpResponse(body, content_type=JSON)
