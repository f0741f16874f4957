from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet, Window
from django.utils.functional import cached_property
from rest_framework import exceptions, pagination

from factory.cache import cached


def _is_number(value) -> bool:
    """Written in the ASCII digits 0-9 only. `str.isdigit()` alone is also true for other
    scripts' digits: a superscript two, which `int()` refuses (a 500), and an Arabic-Indic
    three or a full-width two, which `int()` reads as 3 and 2."""
    return str(value).isascii() and str(value).isdigit()


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=N`: 10 a page by default; larger sizes are clamped to 100.

    Unlike DRF's, a malformed or repeated `page_size` is a 400 and a repeated `page` a 404,
    rather than silently the default. Both are numbers in ASCII digits (or `page=last`).
    """

    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values or values == [""]:
            return self.page_size
        if len(values) > 1 or not _is_number(values[0]) or int(values[0]) < 1:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        "Must be one positive integer (at most 100 are used)."
                    ]
                }
            )
        return min(int(values[0]), self.max_page_size)

    def get_page_number(self, request, paginator):
        if len(request.query_params.getlist(self.page_query_param)) > 1:
            raise exceptions.NotFound("Give the page number once.")
        number = super().get_page_number(request, paginator)
        if not _is_number(number):  # Django's paginator would read other scripts' digits
            raise exceptions.NotFound(
                self.invalid_page_message.format(
                    page_number=number, message=paginator.error_messages["invalid_page"]
                )
            )
        return number


class WindowCountPaginator(Paginator):
    """Reads a page and the total row count in one query: each row carries `COUNT(*) OVER ()`.

    Django's paginator counts with a separate `SELECT COUNT(*) FROM (<query>)`; for an
    aggregate report that runs the whole aggregate twice. The window is computed after
    GROUP BY and HAVING, so it counts the report's rows. Only an empty page (no rows at
    all, or a page past the end) falls back to the separate count. `object_list` must be
    a `values()` queryset.
    """

    TOTAL = "window_total_count"
    # Past this, no report has rows; a larger OFFSET is not even valid SQL on MariaDB.
    MAX_OFFSET = 2**63 - 1

    def page(self, number):
        bottom = (int(number) - 1) * self.per_page if _is_number(number) else -1
        if "count" not in self.__dict__ and 0 <= bottom <= self.MAX_OFFSET:
            counted = self.object_list.annotate(**{self.TOTAL: Window(Count("*"))})
            rows = list(counted[bottom : bottom + self.per_page])
            if rows:
                self.__dict__["count"] = rows[0][self.TOTAL]  # Paginator.count is a cached_property
                for row in rows:
                    del row[self.TOTAL]
                return self._get_page(rows, self.validate_number(number), self)
        return super().page(number)


class WindowCountPagination(PageNumberPagination):
    """PageNumberPagination whose page and count come from one query (aggregate reports)."""

    django_paginator_class = WindowCountPaginator


class CachedCountPaginator(Paginator):
    """Keeps each filter's row count in the shared cache, under a versioned namespace.

    `COUNT(*)` over a large table is a scan of a whole index (15 ms for 200,000 orders),
    paid by every page of the list. The count is cached under the namespace's version
    and the query's SQL; the app that owns the rows bumps the namespace when a write
    commits (see orders.apps), so a count is never stale. Off (counted every time) when
    LIST_CACHE_SECONDS is 0, as it is without Redis.
    """

    namespace = ""

    @cached_property
    def count(self):
        queryset = self.object_list
        if not isinstance(queryset, QuerySet) or settings.LIST_CACHE_SECONDS <= 0:
            return super().count
        sql, params = queryset.query.sql_with_params()
        return cached(
            self.namespace,
            {"count": sql, "params": params, "db": queryset.db},
            queryset.count,
            timeout=settings.LIST_CACHE_SECONDS,
        )


def cached_count_pagination(namespace: str) -> type[PageNumberPagination]:
    """PageNumberPagination whose counts are cached in `namespace` (see CachedCountPaginator)."""
    paginator = type(
        f"CachedCountPaginator_{namespace}", (CachedCountPaginator,), {"namespace": namespace}
    )
    return type(
        f"CachedCountPagination_{namespace}",
        (PageNumberPagination,),
        {"django_paginator_class": paginator},
    )
