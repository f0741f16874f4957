"""Plain rows for list pages: related data read with `.values()`, not as model instances.

A list page's selector reads the related rows it shows as tuples and sets them where the
read serializer looks (a page row's relation cache, `_prefetched_objects_cache`), so the
serializer reads the same attributes as from a prefetch, without Django building a model
instance for each related row (docs/bench.md, "Lists (issue 23, session 7)").
"""

from types import SimpleNamespace

from django.db.models import Model, OuterRef, Subquery


class Row(SimpleNamespace):
    """A read-only related row of a list page: attributes only, no model instance behind it."""


class Rows(tuple):
    """A plain row's to-many relation, read as a prefetched one is: `row.lines.all()`."""

    def all(self) -> "Rows":
        return self


def related_column(model: type[Model], column: str, key: str) -> Subquery:
    """`column` of the `model` row that the outer row's `key` points to, as a correlated
    subquery: a primary-key lookup a row. Unlike a join, it leaves the page query's plan
    alone (joined, MariaDB drove a page from the small table and sorted every row of the
    large one: docs/bench.md)."""
    return Subquery(model.objects.filter(pk=OuterRef(key)).order_by().values(column)[:1])
