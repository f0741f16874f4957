import base64
import datetime
import json
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Q, QuerySet, Window
from django.utils.functional import cached_property
from rest_framework import exceptions, pagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

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

    def paginate_queryset(self, queryset, request, view=None):
        """DRF's, with the paginator made by `get_paginator`."""
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        paginator = self.get_paginator(queryset, page_size, view)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as error:
            message = self.invalid_page_message.format(page_number=page_number, message=error)
            raise exceptions.NotFound(message) from None
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True  # the browsable API's page links
        return list(self.page)

    def get_paginator(self, queryset, page_size: int, view) -> Paginator:
        """A `django_paginator_class`; its row count read from the shared cache when the view
        keeps its list's counts there (`CachedListMixin.row_count_cache`: the namespaces and
        the parts naming this count, which the request's first round trip already fetched)."""
        paginator = self.django_paginator_class(queryset, page_size)
        row_count_cache = getattr(view, "row_count_cache", None)
        if row_count_cache is not None:
            namespaces, parts = row_count_cache
            paginator.__dict__["count"] = cached(  # Paginator.count is a cached_property
                namespaces,
                parts,
                lambda: Paginator.count.func(paginator),  # Django's: the queryset's count()
                timeout=settings.LIST_CACHE_SECONDS,
            )
        return paginator

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


class KeysFirstPaginator(Paginator):
    """Reads a page's primary keys first, then its rows by key: for a large table ordered by an index.

    MariaDB 10.11 walks the index of `ORDER BY name, id` for a page of 10 customers but sorts
    the whole table for a page of 100 (10,000 customers: 8-10 ms instead of 0.5 ms). The keys
    alone are read from that index and nothing else (0.13 ms), then the rows by primary key.
    Django's `page()` otherwise: the same validation, the same page object.
    """

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = self.object_list.in_bulk(keys) if keys else {}  # a row deleted since: left out
        return self._get_page([rows[key] for key in keys if key in rows], number, self)


class KeysFirstPagination(PageNumberPagination):
    """PageNumberPagination reading each page by KeysFirstPaginator."""

    django_paginator_class = KeysFirstPaginator


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


class KeysetPagination(PageNumberPagination):
    """Page numbers, or keyset (cursor) iteration with `?cursor=`: deep pages cost what the first does.

    Without `cursor` this is PageNumberPagination (`?page=N`, an OFFSET: page 20,000 of the
    orders reads and drops 200,000 rows). With `?cursor=` (empty: the first page) the list is
    walked by keyset: the page is the `page_size` rows after the last one seen, in the list's
    ordering (`?ordering=` included) with ties broken by `id`, read as one range on the index
    of that ordering. `next` and `previous` are then cursor links (opaque strings naming the
    edge row's ordering values); the body keeps its `count`. A cursor that cannot be read is
    a 404, as DRF's CursorPagination answers. Every field a list orders by must be a non-null
    column of its own table.
    """

    cursor_query_param = "cursor"
    cursor_description = (
        "Keyset iteration: give it empty (`?cursor=`) for the first page, then follow `next` / "
        "`previous`, which carry the cursor. Every page then costs the same however deep, "
        "unlike `page`. Works with `ordering`, `page_size` and the filters; `page` is ignored."
    )
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset, request, view=None):
        if self.cursor_query_param not in request.query_params:
            self.cursor_mode = False
            return super().paginate_queryset(queryset, request, view)
        self.cursor_mode = True
        self.request = request
        self.page_size = self.get_page_size(request)
        values = request.query_params.getlist(self.cursor_query_param)
        if len(values) > 1:
            raise exceptions.NotFound("Give the cursor once.")
        terms = self._ordering(queryset)
        position, backwards = self._decode(values[0], terms)
        self.count = self.get_paginator(queryset, self.page_size, view).count
        ordered = queryset.order_by(*(self._flip(t) if backwards else t for t in terms))
        if position is not None:
            ordered = ordered.filter(self._after(terms, position, backwards))
        rows = list(ordered[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.terms = terms
        self.edges = (rows[0], rows[-1]) if rows else (None, None)
        started = position is not None
        self.has_next = more if not backwards else started
        self.has_previous = started if not backwards else more
        return rows

    def get_paginated_response(self, data):
        if not getattr(self, "cursor_mode", False):
            return super().get_paginated_response(data)
        return Response(
            {
                "count": self.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_next_link(self):
        if not getattr(self, "cursor_mode", False):
            return super().get_next_link()
        if not self.has_next or self.edges[1] is None:
            return None
        return self._link(self.edges[1], backwards=False)

    def get_previous_link(self):
        if not getattr(self, "cursor_mode", False):
            return super().get_previous_link()
        if not self.has_previous or self.edges[0] is None:
            return None
        return self._link(self.edges[0], backwards=True)

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_description,
                "schema": {"type": "string"},
            },
        ]

    # --- the keyset ---------------------------------------------------------------------------

    @staticmethod
    def _flip(term: str) -> str:
        return term[1:] if term.startswith("-") else f"-{term}"

    def _ordering(self, queryset) -> list[str]:
        """The queryset's ordering as column terms, ending with `id` (appended ascending if absent)."""
        model = queryset.model
        terms, self.model_fields = [], []
        for term in queryset.query.order_by or model._meta.ordering:
            if not isinstance(term, str):
                raise exceptions.ValidationError({self.cursor_query_param: ["Not for this list."]})
            name = term.lstrip("-")
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
            if not field.concrete or field.null:
                raise exceptions.ValidationError(
                    {self.cursor_query_param: [f"Cannot walk a list ordered by {name}."]}
                )
            terms.append(("-" if term.startswith("-") else "") + field.attname)
            self.model_fields.append(field)
            if field.primary_key:
                return terms
        self.model_fields.append(model._meta.pk)
        return [*terms, model._meta.pk.attname]

    def _decode(self, raw: str, terms: list[str]):
        """(values of the edge row or None for the first page, backwards?) from a cursor."""
        if raw == "":
            return None, False
        try:
            padded = raw + "=" * (-len(raw) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            if data["o"] != terms or len(data["v"]) != len(terms):
                raise ValueError("the list's ordering changed")
            values = [
                self.model_fields[i].to_python(v) if v is not None else None
                for i, v in enumerate(data["v"])
            ]
            if any(v is None for v in values):
                raise ValueError("a null value")
            return values, bool(data.get("b"))
        except (ValueError, KeyError, TypeError, UnicodeError, DjangoValidationError) as error:
            raise exceptions.NotFound(self.invalid_cursor_message) from error

    def _after(self, terms: list[str], values: list, backwards: bool) -> Q:
        """Rows strictly after `values` in `terms` order: (a > x) or (a = x and b > y) …, led by a
        range on the first column so the database walks its index from there."""
        ops = []
        for term in terms:
            descending = term.startswith("-") != backwards
            ops.append((term.lstrip("-"), "lt" if descending else "gt"))
        condition = Q()
        for k in range(len(terms) - 1, -1, -1):
            name, op = ops[k]
            step = Q(**{f"{name}__{op}": values[k]})
            condition = step if k == len(terms) - 1 else step | (Q(**{name: values[k]}) & condition)
        first, op = ops[0]
        return Q(**{f"{first}__{op}e": values[0]}) & condition

    def _link(self, row, *, backwards: bool) -> str:
        names = [t.lstrip("-") for t in self.terms]
        values = [self._encode_value(getattr(row, n)) for n in names]
        payload = json.dumps(
            {"o": self.terms, "v": values, "b": int(backwards)}, separators=(",", ":")
        )
        token = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    @staticmethod
    def _encode_value(value):
        if isinstance(value, (datetime.date, datetime.datetime)):
            return value.isoformat()
        if isinstance(value, Decimal | uuid.UUID):
            return str(value)
        return value


def cached_count_pagination(namespace: str) -> type[PageNumberPagination]:
    """KeysetPagination whose counts are cached in `namespace` (see CachedCountPaginator)."""
    paginator = type(
        f"CachedCountPaginator_{namespace}", (CachedCountPaginator,), {"namespace": namespace}
    )
    return type(
        f"CachedCountPagination_{namespace}",
        (KeysetPagination,),
        {"django_paginator_class": paginator},
    )
