"""List pages served from the shared cache while the rows they show are unchanged."""

from django.conf import settings
from rest_framework.response import Response

from factory.cache import cached, prefetch


class CachedListMixin:
    """Caches each page of a list under the cache namespaces of every row it shows.

    The page is named by its full URL (filters, search, ordering, page, page size, and the
    host its `next`/`previous` links point to). It is served only while none of
    `list_cache_namespaces` has been written to since it was computed (factory/cache.py), so
    a committed write shows on the very next request. Authentication, permissions and
    throttles run before, as for any request. Off when LIST_CACHE_SECONDS is 0 (no Redis).
    """

    list_cache_namespaces: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        # The page joins the request's first cache read (the signed-in user's): one round trip.
        if self.action == "list" and settings.LIST_CACHE_SECONDS > 0:
            prefetch(self.list_cache_namespaces, self.list_cache_parts(request))
        super().initial(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        compute_page = super().list
        data = cached(
            self.list_cache_namespaces,
            self.list_cache_parts(request),
            lambda: compute_page(request, *args, **kwargs).data,
            timeout=settings.LIST_CACHE_SECONDS,
        )
        return Response(data)

    @staticmethod
    def list_cache_parts(request) -> dict:
        return {"list": request.build_absolute_uri()}
