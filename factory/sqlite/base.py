"""Django's SQLite backend, creating a new database file readable by its owner only (0600).

SQLite creates the file with the process's umask (0644 as a rule): every local account could
read the users' password hashes and the whole ledger. Its -wal and -shm files take the
database file's permissions. An existing file keeps the permissions it has.
"""

import os

from django.db.backends.sqlite3 import base


def create_private(path: str) -> None:
    """Create `path` empty with mode 0600 unless it exists (or is not a plain file path)."""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        create_private(str(conn_params["database"]))
        return super().get_new_connection(conn_params)
