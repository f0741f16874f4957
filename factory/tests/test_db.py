import pytest
from django.db import OperationalError, transaction

from factory.db import ATTEMPTS, atomic_with_retry


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_with_retry_retries_deadlocks_then_succeeds():
    calls = []

    @atomic_with_retry
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return "done"

    assert flaky() == "done" and len(calls) == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_with_retry_gives_up_after_bounded_attempts():
    calls = []

    @atomic_with_retry
    def always_locked():
        calls.append(1)
        raise OperationalError(1205, "Lock wait timeout exceeded")

    with pytest.raises(OperationalError):
        always_locked()
    assert len(calls) == ATTEMPTS


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_atomic_with_retry_does_not_retry_other_errors_or_nested_calls():
    calls = []

    @atomic_with_retry
    def broken():
        calls.append(1)
        raise OperationalError(2006, "MySQL server has gone away")

    with pytest.raises(OperationalError):
        broken()
    with pytest.raises(OperationalError), transaction.atomic():
        broken()
    assert len(calls) == 2


@pytest.mark.django_db
def test_namespace_invalidate_bumps_now_and_again_on_commit(django_capture_on_commit_callbacks):
    from factory.cache import namespace_invalidate, namespace_version

    first = namespace_version("things")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        namespace_invalidate("things")
        during = namespace_version("things")
    assert during != first
    for callback in callbacks:
        callback()
    assert namespace_version("things") not in (first, during)
