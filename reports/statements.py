"""Report pages read by SQL compiled once per process (docs/bench.md, "Reports: the cold path").

A cold report whose statement takes 0.3 ms spent four times that in the ORM: building the
selector's queryset (0.26 ms for low-stock, 1.1 ms for reorder with its subqueries), compiling
it and iterating it. The statement of a page depends only on what the selector is called with,
the page's slice, the paginator's window columns, the database and the active time zone (dates
become datetimes in it), so it is compiled once for each of those keys and then run with a
cursor: the rows get the ORM's own converters and come out as the dicts `values()` gives.
What only the queryset can answer (the count of a page past the end or of an empty report,
`page=last`) asks the queryset, built only then.
"""

from collections.abc import Callable, Hashable

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import cached_property


class Statement:
    """One compiled page of a `values()` queryset: its SQL and how its rows become dicts."""

    __slots__ = ("columns", "fields", "names", "params", "query", "sql")

    def __init__(self, queryset: QuerySet):
        query = queryset.query
        compiler = query.get_compiler(queryset.db)
        try:
            self.sql, self.params = compiler.as_sql()
        except EmptyResultSet:  # a filter no row can match: the ORM runs nothing either
            self.sql, self.params = None, ()
            return
        self.query = query
        # Columns the compiler selects only to order by them come after these (ValuesIterable).
        self.columns = compiler.col_count
        self.fields = [select[0] for select in compiler.select[: self.columns]]
        if query.selected:
            self.names = list(query.selected)
        else:
            self.names = [*query.extra_select, *query.values_select, *query.annotation_select]

    def rows(self, alias: str) -> list[dict]:
        if self.sql is None:
            return []
        compiler = self.query.get_compiler(alias)  # this thread's connection, for the converters
        converters = compiler.get_converters(self.fields)
        with connections[alias].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        if converters:
            rows = compiler.apply_converters(rows, converters)
        names, columns = self.names, self.columns
        return [dict(zip(names, row[:columns], strict=True)) for row in rows]


class Statements:
    """The statements compiled so far, by key; a full memo starts over (its keys come from
    clients' parameters, so it must stay bounded). Any setting changed (tests) empties it."""

    MAX_STATEMENTS = 512

    def __init__(self):
        self.compiled: dict[Hashable, Statement] = {}
        setting_changed.connect(
            self._clear, weak=False, dispatch_uid=f"report-statements-{id(self)}"
        )

    def get(self, key: Hashable, queryset: Callable[[], QuerySet]) -> Statement:
        statement = self.compiled.get(key)
        if statement is None:
            statement = Statement(queryset())
            if len(self.compiled) >= self.MAX_STATEMENTS:
                self.compiled.clear()
            self.compiled[key] = statement
        return statement

    def _clear(self, **kwargs) -> None:
        self.compiled.clear()


statements = Statements()  # one per process; a statement never depends on the request


class ReportRows:
    """A report's rows as its paginator reads them: each slice by its compiled statement.

    Stands in for the selector's queryset where Django's Paginator and WindowCountPaginator
    use one: `ordered`, `annotate()` (the paginators' window columns, named by their
    expressions), slices and `count()`. `key` names what the selector is called with; `build`
    makes its queryset, which only `count()` (and a statement's first compilation) needs.
    """

    ordered = True  # every report orders its rows, with the spec's tie-breaks

    def __init__(self, key: Hashable, build: Callable[[], QuerySet], alias: str, annotations=()):
        self.key, self.build, self.alias, self.annotations = key, build, alias, annotations

    @cached_property
    def queryset(self) -> QuerySet:
        rows = self.build().using(self.alias)
        return rows.annotate(**dict(self.annotations)) if self.annotations else rows

    def annotate(self, **annotations) -> "ReportRows":
        added = (*self.annotations, *annotations.items())
        return ReportRows(self.key, self.build, self.alias, added)

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict]:
        key = (
            self.key,
            self.alias,
            timezone.get_current_timezone_name(),
            tuple((name, repr(expression)) for name, expression in self.annotations),
            page.start,
            page.stop,
        )
        return statements.get(key, lambda: self.queryset[page]).rows(self.alias)
