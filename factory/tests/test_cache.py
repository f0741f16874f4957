"""Versioned cache namespaces (factory/cache.py) on whatever cache the suite runs with."""

import itertools

from factory.cache import cached, namespace_invalidate


def counter():
    numbers = itertools.count(1)
    return lambda: next(numbers)


def test_value_is_served_until_a_namespace_it_names_is_written():
    compute = counter()
    assert cached(("left", "right"), {"k": 1}, compute, timeout=60) == 1
    assert cached(("left", "right"), {"k": 1}, compute, timeout=60) == 1
    assert cached(("left", "right"), {"k": 2}, compute, timeout=60) == 2  # other parts
    namespace_invalidate("right")
    assert cached(("left", "right"), {"k": 1}, compute, timeout=60) == 3
    namespace_invalidate("elsewhere")
    assert cached(("left", "right"), {"k": 1}, compute, timeout=60) == 3


def test_value_computed_while_a_write_commits_is_never_served():
    numbers = counter()

    def compute():
        number = numbers()
        if number == 1:
            namespace_invalidate("things")  # another process commits a write meanwhile
        return number

    assert cached("things", {}, compute, timeout=60) == 1
    assert cached("things", {}, compute, timeout=60) == 2  # 1 was read before that write
    assert cached("things", {}, compute, timeout=60) == 2


def test_off_when_the_timeout_is_zero():
    compute = counter()
    assert [cached("things", {}, compute, timeout=0) for _ in range(2)] == [1, 2]
