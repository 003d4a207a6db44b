"""Django's SQLite backend, with the writers of every process queued on a file lock beside the database.

Every transaction here begins IMMEDIATE (the settings' `transaction_mode`): it takes the database's one
write lock at BEGIN. One that finds the lock taken waits in SQLite's busy handler, which sleeps 1, 2, 5,
10, 15, 20, 25, 25, 25, 50, 50, then 100 ms between looks: the lock is usually free long before the
sleeper looks again. Measured with four processes each committing small transactions on this machine:
p99 133–140 ms with the busy handler, 52–71 ms with the file lock, a quarter more transactions per second.

Here the outermost transaction first takes an exclusive `flock` on `<database>.writelock`, looking again
every fraction of a millisecond to 2 ms (not blocking in the kernel, so that a transaction waiting on
itself still fails after the settings' timeout with "database is locked" instead of hanging). It is let
go at commit, rollback or close; a process that dies lets it go too. A write statement outside a
transaction (autocommit: e.g. marking a text sent after the case change committed) takes the lock for its
own statement too: left to SQLite's busy handler, such writes were the long tail of a hall's latency (one
request in a hundred waited 100 ms to more than a second, each time one of them slept while the lock
passed from writer to writer).
"""

from __future__ import annotations

import fcntl
import functools
import os
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    """Django's "format" style (`%s`) as SQLite's "qmark" style (`?`), once per statement text: the
    regular expression over a long INSERT's text, on every execute, was 3–4 % of a worker's time on the
    case path (py-spy); the texts of a running hall are few and repeat."""
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor; a write statement in autocommit holds the writer lock while it runs (and commits)."""

    database: DatabaseWrapper | None = None

    def _alone(self, query) -> bool:
        database = self.database
        return (
            database is not None
            and not database._holds_writer_lock
            and database.get_autocommit()
            and isinstance(query, str)
            and query.lstrip()[:7].upper().startswith(_WRITES)
        )

    def _queued(self, run, query, *args):
        if not self._alone(query):
            return run(query, *args)
        self.database._take_writer_lock()
        try:
            return run(query, *args)
        finally:
            self.database._let_go_writer_lock()

    def convert_query(self, query, *, param_names=None):
        if param_names is None:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)

    def execute(self, query, params=None):
        return self._queued(super().execute, query, params)

    def executemany(self, query, param_list):
        return self._queued(super().executemany, query, param_list)


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _holds_writer_lock = False

    def create_cursor(self, name=None):
        cursor = self.connection.cursor(factory=CursorWrapper)
        cursor.database = self
        return cursor

    def _writer_lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        return None if self.is_in_memory_db() else f"{name}.writelock"

    def _take_writer_lock(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._holds_writer_lock:
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + float(self.settings_dict["OPTIONS"].get("timeout", 5))
        pause = 0.0002
        while True:
            try:
                fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise OperationalError("database is locked (waited for the writer lock)") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.002)
        self._holds_writer_lock = True

    def _let_go_writer_lock(self) -> None:
        if self._holds_writer_lock:
            self._holds_writer_lock = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self):
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._let_go_writer_lock()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._let_go_writer_lock()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._let_go_writer_lock()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._let_go_writer_lock()
            if self._writer_fd is not None:
                os.close(self._writer_fd)
                self._writer_fd = None
