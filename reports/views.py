from django.conf import settings
from django.db.models import QuerySet, Sum, Window
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from factory.api.cache_keys import keep_known_parameters
from factory.api.caching import JSON, PrefetchMixin
from factory.api.exceptions import JSONErrorsMixin
from factory.api.pagination import WindowCountPagination, WindowCountPaginator
from factory.api.permissions import HasRolePermission
from factory.api.renderers import FastJSONRenderer
from factory.cache import REPORTS, cached, namespace_version, prefetch
from factory.replicas import PRIMARY, read_for_report
from orders.invoicing import utc_today
from reports import selectors
from reports import serializers as s
from reports.renderers import CSVRenderer
from reports.statements import ReportRows

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv"],
    description="`csv` downloads every row of the report as CSV.",
)


class ReportView(PrefetchMixin, JSONErrorsMixin, APIView):
    """A report: validated parameters → one aggregate query → a page of rows (or every row as CSV).

    Results are cached under the validated parameters, the page, the page size and the
    negotiated format (factory.api.cache_keys: any other parameter is ignored, never a new
    entry), and the reports' cache version, which every committed write to the source tables
    bumps (see reports.apps). A plain JSON page is cached as the bytes it answers, so a cached
    page is sent as it is; CSV rows and other renderings are cached as data. Rows not in the
    cache are read from a read replica that has caught up with every committed write, or the
    primary (factory.replicas), by the page's statement compiled once per process
    (reports.statements) and shaped by plain functions of the row serializers
    (reports.serializers.represent_row); with replicas, the `X-Read-From` header says which
    database answered (absent when the cache did).
    """

    name: str
    params_class = s.NoParams
    row_class: type[s.serializers.Serializer]
    permission_classes = [HasRolePermission.require("reports.view_reports")]
    renderer_classes = [FastJSONRenderer, BrowsableAPIRenderer, CSVRenderer]
    pagination_class = WindowCountPagination

    def rows(self, **arguments) -> QuerySet:
        raise NotImplementedError

    def arguments(self, params: dict) -> dict:
        """What `rows()` is called with: the validated parameters, unless the report says more.

        Hashable values: with the page they name the statement compiled for it (reports.statements).
        """
        return params

    def prefetch(self, request, batch):
        super().prefetch(request, batch)
        try:
            self.params = self._validated(request)
        except ValidationError:  # get() answers 400, and nothing is cached
            return
        self.cache_parts = self._cache_parts(request)  # what get() reads, named once
        prefetch(REPORTS, self.cache_parts, timeout=settings.REPORT_CACHE_SECONDS)

    def _validated(self, request) -> dict:
        parameters = s.report_parameters(self.params_class)
        if request.META.get("QUERY_STRING"):
            keep_known_parameters(self, request, parameters.names)
        return parameters.validated(request.query_params)

    def _cache_parts(self, request) -> dict:
        # One URL is a JSON page or, asked for with `Accept: text/csv`, every row: the negotiated
        # format is part of the key (and whether the value is a body or data), as are the host
        # the page's links point at and the paging.
        return {
            "report": request.build_absolute_uri(),
            "params": self.params,
            "format": request.accepted_renderer.format,
            "body": self._as_body(request),
            **self.extra_cache_parts(),
        }

    @staticmethod
    def _as_body(request) -> bool:
        """A plain JSON page (no indent asked for): cached and answered as its bytes."""
        renderer = request.accepted_renderer
        return isinstance(renderer, JSONRenderer) and request.accepted_media_type == JSON

    def extra_cache_parts(self) -> dict:
        """More of what a report's rows depend on besides its URL (a report dated today: the day)."""
        return {}

    def get(self, request):
        if not hasattr(self, "params"):  # not validated by prefetch (invalid, or no batch)
            self.params = self._validated(request)
            self.cache_parts = self._cache_parts(request)
        arguments = self.arguments(self.params)
        represent = s.represent_row(self.row_class)

        if request.accepted_renderer.format == "csv":
            # Every row, but bad paging parameters are still a 400.
            self.pagination_class().get_page_size(request)
            columns = list(self.row_class().fields)
            rows = self._cached(
                lambda db: [represent(row) for row in self.rows(**arguments).using(db)]
            )
            stamp = timezone.localdate().isoformat()
            return self._answered(
                Response(
                    {"columns": columns, "rows": rows},
                    headers={
                        "Content-Disposition": f'attachment; filename="{self.name}-{stamp}.csv"'
                    },
                )
            )

        paginator = self.pagination_class()
        # The statements of this report's pages are compiled once for these arguments.
        key = (type(self), tuple(sorted(arguments.items())))

        def compute(db):
            rows = ReportRows(key, lambda: self.rows(**arguments), db)
            page = paginator.paginate_queryset(rows, request, view=self)
            return paginator.get_paginated_response([represent(row) for row in page]).data

        if self._as_body(request):
            renderer = request.accepted_renderer
            body = self._cached(lambda db: renderer.render(compute(db), JSON))
            return self._answered(HttpResponse(body, content_type=JSON))
        return self._answered(Response(self._cached(compute)))

    def _cached(self, compute):
        """`compute(db)`'s value, from the cache or read from the database chosen for reports."""

        def read():
            # The reports' version, read with this request's first round trip: a replica seen
            # caught up under it is read without a new wait (factory.replicas).
            version = namespace_version(REPORTS) if settings.REPLICA_DATABASES else None
            value, self.read_from = read_for_report(compute, version)
            return value

        return cached(REPORTS, self.cache_parts, read, timeout=settings.REPORT_CACHE_SECONDS)

    def _answered(self, response):
        if settings.REPLICA_DATABASES and hasattr(self, "read_from"):
            response["X-Read-From"] = "primary" if self.read_from == PRIMARY else "replica"
        return response


def report_schema(view_class):
    params = view_class.params_class()
    return extend_schema(
        summary=getattr(view_class, "summary", None)
        or f"{view_class.name.replace('-', ' ').capitalize()} report",
        description=f"{view_class.__doc__} A page of rows, or every row as CSV with `?format=csv`.",
        parameters=[FORMAT_PARAMETER, view_class.params_class]
        if params.fields
        else [FORMAT_PARAMETER],
        responses=view_class.row_class(many=True),
    )(view_class)


@report_schema
class EmployeeProductionReport(ReportView):
    """Units produced per employee, most first (ties by employee id)."""

    name = "employee-production"
    params_class = s.DateRangeParams
    row_class = s.EmployeeProductionRow

    def rows(self, **arguments):
        return selectors.report_employee_production(**arguments)


@report_schema
class TopSellingProductsReport(ReportView):
    """Units sold and revenue (pre-tax) per product on placed orders, most units first."""

    name = "top-selling-products"
    params_class = s.DateRangeParams
    row_class = s.TopSellingProductRow

    def rows(self, **arguments):
        return selectors.report_top_selling_products(**arguments)


@report_schema
class CustomerLifetimeValueReport(ReportView):
    """Customers whose placed orders total (with tax) more than `threshold`, highest first."""

    name = "customer-lifetime-value"
    params_class = s.ThresholdParams
    row_class = s.CustomerLifetimeValueRow

    def rows(self, **arguments):
        return selectors.report_customer_lifetime_value(**arguments)


@report_schema
class ProductionReport(ReportView):
    """Units produced per product on one day, most first."""

    name = "production"
    params_class = s.DateParams
    row_class = s.ProductionRow

    def rows(self, **arguments):
        return selectors.report_production(**arguments)


@report_schema
class LowStockReport(ReportView):
    """Products at or below their reorder level (when one is set), biggest shortfall first."""

    name = "low-stock"
    row_class = s.LowStockRow

    def rows(self, **arguments):
        return selectors.report_low_stock()


@report_schema
class ReorderReport(ReportView):
    """Products whose stock and units on order are at or below their reorder level, by product id."""

    name = "reorder"
    row_class = s.ReorderRow

    def rows(self, **arguments):
        return selectors.report_reorder()


@report_schema
class ReceivablesReport(ReportView):
    """Unpaid invoices and the days each is overdue (0 when not yet due), most overdue first."""

    name = "receivables"
    summary = "Receivables: unpaid invoices, most overdue first"
    row_class = s.ReceivablesRow

    def extra_cache_parts(self) -> dict:
        # days_overdue grows each day with no write: a cached page is for its day only.
        return {"today": utc_today().isoformat()}

    def arguments(self, params: dict) -> dict:
        return {"today": utc_today()}

    def rows(self, *, today):
        return selectors.report_receivables(today=today)


class TotalValuePaginator(WindowCountPaginator):
    """A page of the stock valuation with `SUM(value) OVER ()` on each row: the envelope's total
    over every row, in the same single statement as the page and its count."""

    TOTAL_VALUE = "total_value_cents"

    def page(self, number):
        self.object_list = self.object_list.annotate(
            **{self.TOTAL_VALUE: Window(Sum("value_cents"))}
        )
        return super().page(number)


class TotalValuePagination(WindowCountPagination):
    """The report's page with `total_value` (SPEC §15: the sum over every row, not just the page)."""

    django_paginator_class = TotalValuePaginator

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        rows = self.page.object_list
        cents = rows[0][TotalValuePaginator.TOTAL_VALUE] if rows else 0
        response.data["total_value"] = f"{s.scaled(cents, 2):.2f}"
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["total_value"] = {
            "type": "string",
            "format": "decimal",
            "pattern": r"^-?\d{0,28}(?:\.\d{0,2})?$",
            "example": "15230.75",
            "description": "Σ value over every row of the report (not just this page).",
        }
        schema["required"] = [*schema.get("required", []), "total_value"]
        return schema


@report_schema
class StockValuationReport(ReportView):
    """What the stock is worth: products in stock with stock x average_cost (half-up to cents),
    most valuable first; `total_value` on the page is the sum over every row."""

    name = "stock-valuation"
    summary = "Stock valuation: what each product's stock is worth, with the total"
    row_class = s.StockValuationRow
    pagination_class = TotalValuePagination

    def rows(self, **arguments):
        return selectors.report_stock_valuation()


@report_schema
class ProductMarginsReport(ReportView):
    """Revenue (pre-tax), cost at sale, margin and margin percent per product on orders that are
    not cancelled, highest margin first."""

    name = "product-margins"
    params_class = s.DateRangeParams
    row_class = s.ProductMarginRow

    def rows(self, **arguments):
        return selectors.report_product_margins(**arguments)
