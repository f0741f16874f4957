"""Transactions that survive MariaDB's deadlock and lock-wait errors."""

import functools
import logging
import random
import time

from django.db import OperationalError, connection, transaction

logger = logging.getLogger("factory.db")

# MariaDB/MySQL: 1213 deadlock found, 1205 lock wait timeout exceeded. SQLite: "database is locked",
# which with the settings' IMMEDIATE transactions and busy timeout comes only after a writer waited
# SQLITE_TIMEOUT seconds for the lock at BEGIN (nothing was read or written yet): a retry is a
# further wait, not a replay of a half-done transaction. Nested calls run inside their caller's
# transaction, which already holds the write lock (the admin's views, the idempotency record).
RETRYABLE_MYSQL_CODES = {1205, 1213}
ATTEMPTS = 4


def is_retryable(exc: OperationalError) -> bool:
    code = exc.args[0] if exc.args else None
    return code in RETRYABLE_MYSQL_CODES or "database is locked" in str(exc)


def atomic_with_retry(func):
    """Run `func` in a transaction; on a deadlock or lock timeout, roll back and run it again.

    Only the outermost transaction can be retried (the database has already
    rolled back everything when it reports a deadlock), so inside an existing
    transaction this is a plain savepoint and errors propagate to the caller.
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        if connection.in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if attempt == ATTEMPTS or not is_retryable(exc):
                    raise
                logger.warning(
                    "%s: %s; retry %d of %d", func.__qualname__, exc, attempt, ATTEMPTS - 1
                )
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 -- jitter, not security
        raise AssertionError("unreachable")

    return wrapper
