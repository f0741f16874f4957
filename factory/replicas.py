"""Reports read from MariaDB read replicas, never stale (SPEC §19, docs/scaling.md).

Which database a read uses is chosen by the code that reads, not guessed by a router: the
reports' views run their querysets `.using(report_database())`; everything else, every write
and every `SELECT ... FOR UPDATE`, goes to the primary (`PrimaryRouter`). A router that picked
the replica by model would send the reads that feed a write (the stock a sale checks, the
order a cancel loads) to a copy that may be behind, and could not tell a report's
`Order.objects` from an order form's.

A replica is read only once it has caught up with every write committed before the request
(the primary's GTID position, recorded on commit in the shared cache: factory.cache.positions):
`SELECT MASTER_GTID_WAIT(position, REPLICA_WAIT_SECONDS)`. If it times out (-1) or the replica
fails, the primary answers, and that replica is left alone for CACHE_RETRY_SECONDS (one
breaker per replica per process, logged), so a replica down or behind costs each process at
most one wait per window, never a 5xx. A replica seen caught up under a namespace version
(the reports') is not waited for again until that version changes (`report_database`).
"""

import random
from collections.abc import Callable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from factory.cache import shared
from factory.cache.breaker import Breaker
from factory.cache.positions import recorded_position

PRIMARY = DEFAULT_DB_ALIAS


class PrimaryRouter:
    """Every read and write goes to the primary, unless the reading code names a replica.

    Writes and migrations never go to a replica (its user may only SELECT, and it is
    read_only=ON: scripts/services.sh).
    """

    def db_for_read(self, model, **hints):
        return PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY


class Replicas:
    """This process's breakers, one per replica alias (settings.REPLICA_DATABASES), and the
    namespace version each replica was last seen caught up under (`caught_up`)."""

    def __init__(self, clock=None):
        self.clock = clock
        self.breakers: dict[str, Breaker] = {}
        self.caught_up: dict[str, str] = {}

    def breaker(self, alias: str) -> Breaker:
        if alias not in self.breakers:
            kwargs = {"clock": self.clock} if self.clock else {}
            self.breakers[alias] = Breaker(
                lambda: settings.CACHE_RETRY_SECONDS, name=f"Replica {alias}", **kwargs
            )
        return self.breakers[alias]

    def usable(self) -> list[str]:
        return [alias for alias in settings.REPLICA_DATABASES if self.breaker(alias).closed()]

    def failed(self, alias: str, what: str) -> None:
        """The replica timed out or failed: the primary answers, and it is left alone a while."""
        self.caught_up.pop(alias, None)
        self.breaker(alias).trip(what)
        connections[alias].close()


replicas = Replicas()


def report_database(version: str | None = None) -> str:
    """The database a report reads in this request: a replica that has caught up, else the primary.

    The primary when there is no replica, when every replica is being left alone, and inside a
    transaction (its own uncommitted writes are on the primary only).

    `version` is the token of the namespace that every write the report reads bumps, read
    before this call (the reports': factory.cache.REPORTS). A replica seen caught up under that
    same token is used without asking for the position or waiting again: every such write
    committed since would have changed the token, and under an unchanged token a cached report
    would be served just the same. Each write's bump gives a new token, so the next report
    waits for the replica again.
    """
    if connections[PRIMARY].in_atomic_block:
        return PRIMARY
    usable = replicas.usable()
    if not usable:
        return PRIMARY
    alias = random.choice(usable)  # noqa: S311 -- spreading load, not security
    if version is not None and replicas.caught_up.get(alias) == version:
        return alias
    position = recorded_position(shared())
    if position is None:  # nobody knows how far the primary is: only it is fresh
        return PRIMARY
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(
                "SELECT MASTER_GTID_WAIT(%s, %s)", [position, settings.REPLICA_WAIT_SECONDS]
            )
            (waited,) = cursor.fetchone()
    except DatabaseError:
        replicas.failed(alias, "error")
        return PRIMARY
    if waited != 0:  # -1: not caught up in time; NULL: it could not say
        replicas.failed(alias, f"not at {position} within {settings.REPLICA_WAIT_SECONDS}s")
        return PRIMARY
    if version is not None:  # the position was read after the token: it covers its writes
        replicas.caught_up[alias] = version
    return alias


def read_for_report(
    read: Callable[[str], object], version: str | None = None
) -> tuple[object, str]:
    """`read(alias)` on the database `report_database(version)` chooses; on the primary if the
    replica fails while it reads. Returns what it read and the alias that answered."""
    alias = report_database(version)
    if alias != PRIMARY:
        try:
            return read(alias), alias
        except DatabaseError:
            replicas.failed(alias, "error while reading")
    return read(PRIMARY), PRIMARY
