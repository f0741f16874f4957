"""List pages served from the shared cache while the rows they show are unchanged."""

from django.conf import settings
from django.http import HttpResponse
from rest_framework.renderers import JSONRenderer

from factory.cache import cached, prefetch

JSON = "application/json"


class CachedListMixin:
    """Caches each page of a list, as the JSON it answers, under the namespaces of its rows.

    The page is named by its full URL (filters, search, ordering, page, page size, and the
    host its `next`/`previous` links point to). It is served only while none of
    `list_cache_namespaces` has been written to since it was computed (factory/cache.py), so
    a committed write shows on the very next request. Authentication, permissions and
    throttles run first, as for any request; the page joins their cache round trip, so a
    page served from the cache costs one round trip in all. Other renderings (the browsable
    API) are computed every time. Off when LIST_CACHE_SECONDS is 0 (no Redis).
    """

    list_cache_namespaces: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        if self.action == "list":
            self.list_cache_parts = {"list": request.build_absolute_uri(), "as": JSON}
            prefetch(
                self.list_cache_namespaces,
                self.list_cache_parts,
                timeout=settings.LIST_CACHE_SECONDS,
            )
        super().initial(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        renderer = request.accepted_renderer
        if not (isinstance(renderer, JSONRenderer) and request.accepted_media_type == JSON):
            return super().list(request, *args, **kwargs)
        compute_page = super().list
        body = cached(
            self.list_cache_namespaces,
            self.list_cache_parts,
            lambda: renderer.render(compute_page(request, *args, **kwargs).data, JSON),
            timeout=settings.LIST_CACHE_SECONDS,
        )
        return HttpResponse(body, content_type=JSON)
