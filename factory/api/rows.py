"""Plain rows for list pages: related data read with `.values()`, not as model instances.

A list page's selector reads the related rows it shows as tuples and sets them where the
read serializer looks (a page row's relation cache, `_prefetched_objects_cache`), so the
serializer reads the same attributes as from a prefetch, without Django building a model
instance for each related row (docs/bench.md, "Plain related rows").
"""

from types import SimpleNamespace


class Row(SimpleNamespace):
    """A read-only related row of a list page: attributes only, no model instance behind it."""


class Rows(tuple):
    """A plain row's to-many relation, read as a prefetched one is: `row.lines.all()`."""

    def all(self) -> "Rows":
        return self
