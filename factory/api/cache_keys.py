"""What names a cached list page or report: the parameters the view understands, nothing else.

Before a list page or a report is read, its request keeps only the parameters the view
understands (`keep_known_parameters`): its filters or report parameters, `search`, `ordering`
(its valid terms), `page` or the keyset `cursor`, `page_size` (as the paginator reads them) and
`format`. Any other
parameter is dropped, as DRF would ignore it when computing the page, so `?junk=1`, `?junk=2`, …
read one cache entry instead of each computing a new one (issue 24), and no client's stray
parameter reaches another client's `next`/`previous` links. The key is the resulting URL (with the
host the links point to). A value the view refuses (a bad date, a page size of `x`) answers 400
and is never stored. `make bench` alone (BENCH_BASELINE=1) also keeps `_bench`, the parameter its
cold measurements vary so that each request misses the cache.
"""

from django.conf import settings
from django.http import QueryDict
from rest_framework.exceptions import APIException
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.settings import api_settings

BENCH_PARAMETER = "_bench"


def _paging(view, query: QueryDict, request) -> None:
    paginator = view.paginator if hasattr(view, "paginator") else view.pagination_class()
    if paginator is None:
        return
    try:
        size = paginator.get_page_size(request)
    except APIException:  # refused when the page is computed
        size = None
    sizes = request.query_params.getlist(paginator.page_size_query_param)
    if size is None:
        query.setlist(paginator.page_size_query_param, sizes)
    elif sizes:
        query[paginator.page_size_query_param] = str(size)
    cursor = getattr(paginator, "cursor_query_param", None)
    if cursor and cursor in request.query_params:  # keyset mode: the page is the cursor's
        query.setlist(cursor, request.query_params.getlist(cursor))
        return
    pages = request.query_params.getlist(paginator.page_query_param)
    pages = [str(int(p)) if p.isascii() and p.isdigit() else p for p in pages]
    if pages and pages != ["1"]:
        query.setlist(paginator.page_query_param, pages)


def _before_the_key(terms) -> list[str]:
    """An ordering without the ascending primary-key tie-break StableOrderingFilter appends."""
    terms = list(terms or ())
    return terms[:-1] if terms and terms[-1] in ("id", "pk") else terms


def list_parameters(view, request) -> tuple[set[str], tuple[str, str] | None]:
    """The filter and search parameters a list view understands, and its valid `ordering`."""
    names: set[str] = set()
    ordering = None
    for backend in view.filter_backends:
        if issubclass(backend, OrderingFilter):
            if request.query_params.get(backend.ordering_param):
                ordering_filter = backend()
                terms = ordering_filter.get_ordering(request, view.queryset, view)
                default = ordering_filter.get_default_ordering(view)
                if _before_the_key(terms) != _before_the_key(default):  # else as if absent
                    ordering = (backend.ordering_param, ",".join(terms or ()))
        elif issubclass(backend, SearchFilter):
            names.add(backend.search_param)
        elif hasattr(backend, "get_filterset_class"):
            filterset_class = backend().get_filterset_class(view, view.queryset)
            if filterset_class is not None:
                names.update(filterset_class.base_filters)
    return names, ordering


def row_count_parameters(view, request) -> list[tuple[str, list[str]]]:
    """The parameters that choose a list's rows (its filters and `search`), without those that
    only order or page them: what names the list's row count (kept after `keep_known_parameters`)."""
    paginator = view.paginator
    ignored = {api_settings.URL_FORMAT_OVERRIDE, BENCH_PARAMETER}
    if paginator is not None:
        ignored |= {paginator.page_query_param, paginator.page_size_query_param}
        ignored.add(getattr(paginator, "cursor_query_param", None))
    ignored |= {b.ordering_param for b in view.filter_backends if issubclass(b, OrderingFilter)}
    query = request.query_params
    return [(name, query.getlist(name)) for name in sorted(query) if name not in ignored]


def keep_known_parameters(view, request, names, ordering=None) -> None:
    """Drops from `request` every query parameter but `names`, the paging ones and `format`."""
    query = QueryDict(mutable=True)
    known = [*sorted(names), api_settings.URL_FORMAT_OVERRIDE]
    if settings.BENCH_BASELINE:
        known.append(BENCH_PARAMETER)
    for name in known:
        values = request.query_params.getlist(name)
        if any(values):
            query.setlist(name, values)
    if ordering is not None and ordering[1]:
        query[ordering[0]] = ordering[1]
    _paging(view, query, request)
    query._mutable = False
    django_request = request._request
    django_request.GET = query
    django_request.META["QUERY_STRING"] = query.urlencode()
