"""The primary's GTID position after the latest write, kept next to the namespace versions.

With read replicas (SPEC §19, factory.replicas), a write's commit records the primary's
`@@gtid_binlog_pos` in the shared cache in the same round trip as its namespace bump
(`SharedCache.bump`); a report waits for the replica to reach the recorded position before it
reads. `@@gtid_binlog_pos` rather than the session's `@@last_gtid`: read after our commit it is
at or past our own transaction, and it is never empty on a session that wrote nothing itself;
rather than `@@gtid_current_pos`: on a primary only what it wrote to its binary log counts.

Positions only move forward: two writers that record out of order (the later commit's position
arrives first) must not leave the older one, or a report would wait for too little. Redis merges
per replication domain in one script (`MERGE`); the in-process copy (no Redis: one process) with
`merge()`. A missing position (Redis restarted or flushed, a new process) is asked of the primary.
"""

import threading

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from redis.exceptions import RedisError

POSITION_KEY = "gtid:primary"

# Per replication domain, the higher sequence number of the stored position and ARGV[1].
MERGE = """
local merged, order = {}, {}
local function add(list)
  for domain, server, seq in string.gmatch(list, '(%d+)-(%d+)-(%d+)') do
    local current = merged[domain]
    if current == nil then table.insert(order, domain) end
    if current == nil or tonumber(seq) > tonumber(current[2]) then
      merged[domain] = {server, seq}
    end
  end
end
add(redis.call('GET', KEYS[1]) or '')
add(ARGV[1])
local parts = {}
for _, domain in ipairs(order) do
  table.insert(parts, domain .. '-' .. merged[domain][1] .. '-' .. merged[domain][2])
end
redis.call('SET', KEYS[1], table.concat(parts, ','))
return 1
"""


def recording() -> bool:
    """Positions are recorded only where a replica reads: with DATABASE_REPLICA_URLS."""
    return bool(settings.REPLICA_DATABASES)


def primary_position() -> str | None:
    """The primary's `@@gtid_binlog_pos` ('' before its first write); None if it cannot say."""
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT @@gtid_binlog_pos")
            return cursor.fetchone()[0] or ""
    except DatabaseError:
        return None


def merge(*positions: str) -> str:
    """Python's MERGE: per domain the GTID with the highest sequence number."""
    latest: dict[str, tuple[str, int]] = {}
    for position in positions:
        for gtid in filter(None, position.split(",")):
            domain, server, seq = gtid.strip().split("-")
            if domain not in latest or int(seq) > latest[domain][1]:
                latest[domain] = (server, int(seq))
    return ",".join(f"{domain}-{server}-{seq}" for domain, (server, seq) in latest.items())


def record_in(pipe, backend) -> None:
    """Adds 'the primary's position now' to a Redis pipeline that bumps namespaces.

    If the primary cannot say, the stored position is dropped instead: readers then ask the
    primary, never trust a position older than this write.
    """
    key = backend.make_key(POSITION_KEY)
    position = primary_position()
    if position is None:
        pipe.delete(key)
    else:
        pipe.eval(MERGE, 1, key, position)


class LocalPosition:
    """The position in this process, for a deployment without Redis (one process)."""

    def __init__(self):
        self.value: str | None = None
        self._lock = threading.Lock()

    def record(self) -> None:
        position = primary_position()
        with self._lock:
            self.value = None if position is None else merge(self.value or "", position)


local = LocalPosition()


def recorded_position(process) -> str | None:
    """The position a report must wait for: every write committed before now is at or before it.

    From Redis (one GET); from this process without Redis; from the primary when neither knows
    (Redis down or emptied: its answer is stored again for the others). None: nobody can say.
    """
    backend = process.redis()
    if backend is None:
        if local.value is None:
            local.record()
        return local.value
    if process.breaker.closed():
        client = backend.client.get_client(write=True)
        key = backend.make_key(POSITION_KEY)
        try:
            stored = client.get(key)
            if stored is not None:
                return stored.decode()
            position = primary_position()
            if position is not None:
                client.eval(MERGE, 1, key, position)
            return position
        except RedisError:
            process.breaker.trip("replica position")
    return primary_position()
