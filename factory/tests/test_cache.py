"""Versioned cache namespaces and the breaker (factory/cache/) on whatever cache the suite runs with."""

import itertools
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings

from factory.cache import cached, namespace_invalidate
from factory.cache.batch import serving_request
from factory.cache.shared import version_key
from factory.tests.redis_outage import missing_redis, needs_redis, silent_redis
from products.models import Product


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


@pytest.mark.django_db
def test_a_request_writing_makes_no_cache_write_before_commit_and_reads_past_the_cache(
    django_capture_on_commit_callbacks,
):
    """No Redis round trip while the writing transaction holds its locks; its own reads fresh."""
    compute = counter()
    version = version_key("things")
    assert cached("things", {}, compute, timeout=60) == 1
    before = cache.get(version)
    with serving_request():  # as RequestBatchMiddleware does for each request
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            namespace_invalidate("things")
            assert cache.get(version) == before  # nothing sent yet
            assert cached("things", {}, compute, timeout=60) == 2  # not the value from before
            assert cached("things", {}, compute, timeout=60) == 3  # nor stored for others
        assert cache.get(version) not in (None, before)  # bumped once it committed
    assert cached("things", {}, compute, timeout=60) == 4  # computed under the new version
    assert cached("things", {}, compute, timeout=60) == 4


@pytest.mark.django_db
def test_a_request_bumps_what_a_transaction_wrote_in_one_round_trip_after_commit(
    django_capture_on_commit_callbacks, monkeypatch
):
    """An order writes several namespaces (its own, products', reports'...): one bump after its
    commit names them all, with what a rolled-back savepoint wrote along (harmless)."""
    from factory.cache import namespaces as module

    bumps = []
    real = module._bump
    monkeypatch.setattr(module, "_bump", lambda *names: bumps.append(names) or real(*names))
    before = {name: cache.get(version_key(name)) for name in ("a", "b", "c")}
    with serving_request():
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            namespace_invalidate("b")
            namespace_invalidate("a")
            with pytest.raises(RuntimeError), transaction.atomic():
                namespace_invalidate("c")
                raise RuntimeError("rolled back to the savepoint")
            namespace_invalidate("b")
        assert bumps == [("a", "b", "c")]
        assert all(cache.get(version_key(n)) not in (None, before[n]) for n in before)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            namespace_invalidate("a")  # the next transaction of the request bumps again
        assert bumps == [("a", "b", "c"), ("a",)]


def test_off_when_the_timeout_is_zero():
    compute = counter()
    assert [cached("things", {}, compute, timeout=0) for _ in range(2)] == [1, 2]


@override_settings(CACHE_RETRY_SECONDS=60, LIST_CACHE_SECONDS=300, ACCESS_CACHE=True)
def test_a_redis_that_hangs_is_tried_once_then_bypassed(user_api, caplog):
    Product.objects.create(name="Bolt", sku="B-1", price="1.00")
    with silent_redis() as attempts:
        pages = [user_api.get("/api/products/") for _ in range(3)]
    # One socket timeout in all, not one for every read, count and token of every request.
    assert len(attempts) == 1
    assert [page.status_code for page in pages] == [200] * 3
    assert all(page.json()["results"][0]["sku"] == "B-1" for page in pages)
    assert [r.getMessage() for r in caplog.records if r.name == "factory.cache"] == [
        "Cache unavailable (read): bypassed for 60s"
    ]


@override_settings(CACHE_RETRY_SECONDS=60)
def test_writes_while_redis_hangs_wait_for_it_once():
    with silent_redis() as attempts:
        for _ in range(3):
            namespace_invalidate("things")
    assert len(attempts) == 1  # the other bumps are owed, not tried


@override_settings(CACHE_RETRY_SECONDS=0, LIST_CACHE_SECONDS=300, ACCESS_CACHE=True)
def test_without_a_retry_window_every_read_tries_redis(user_api):
    with silent_redis() as attempts:
        assert user_api.get("/api/products/").status_code == 200
    assert len(attempts) > 1


@needs_redis
@override_settings(CACHE_RETRY_SECONDS=0)
def test_a_bump_redis_missed_is_made_before_the_next_read():
    compute = counter()
    assert cached("things", {}, compute, timeout=60) == 1
    with missing_redis():
        namespace_invalidate("things")  # a write while Redis is away: the bump is lost
    # Redis is back with the old token: the value computed before the write must not be served.
    assert cached("things", {}, compute, timeout=60) == 2
    assert cached("things", {}, compute, timeout=60) == 2


@needs_redis
@override_settings(CACHE_RETRY_SECONDS=0)
def test_a_bump_redis_missed_is_made_without_waiting_for_this_process_next_read(shared_cache):
    """Other processes must see the write even if the writer serves no further request."""
    version = version_key("things")
    cached("things", {}, counter(), timeout=60)
    before = cache.get(version)
    with missing_redis():
        namespace_invalidate("things")
    assert cache.get(version) == before  # Redis missed it...
    deadline = time.monotonic() + 10
    while cache.get(version) == before and time.monotonic() < deadline:
        time.sleep(0.1)  # ...until the payer thread makes it (about a second later)
    assert cache.get(version) not in (None, before)
    assert not shared_cache.breaker.owed()
