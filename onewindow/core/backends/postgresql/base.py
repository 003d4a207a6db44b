"""Django's PostgreSQL backend with two round trips fewer where nothing is learnt from them.

The health check. With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on the first use of a persistent
connection in every request: on the API's write path that is a round trip more per request (five per case
lifecycle) to learn what the previous request just proved. Here a connection that finished a request
without a database error less than `ANSWERED_RECENTLY` seconds ago skips the check; an idle one is checked
as before. A server that restarted within that second is noticed by the request's own first query instead:
that request fails (as any request during the restart does) and Django closes the connection after it.

The `BEGIN`. Out of autocommit (an atomic block), psycopg sends `BEGIN` on its own before the transaction's
first statement and waits for the answer: a round trip per transaction. Here psycopg stays in autocommit
and the transaction's first statement carries its `BEGIN` in the same message (`BEGIN; <statement>`, the
simple query protocol of Django's client-side-binding cursor; the cursor then stands on the statement's
result). What runs, and when the transaction starts, are what they were: the `BEGIN` still precedes the
first statement, and psycopg's commit and rollback act on the server's transaction status as before. Only
for the default connection settings (no isolation level, read-only or deferrable mode of psycopg's own,
which would change the `BEGIN`); otherwise, and for server-side cursors, `executemany`, `COPY` and
streaming, the `BEGIN` goes alone first, as psycopg would send it.
"""

from __future__ import annotations

from time import monotonic

from django.db.backends.postgresql import base, operations
from psycopg.pq import TransactionStatus

ANSWERED_RECENTLY = 1.0  # seconds

# Attributes on the psycopg connection: it takes the BEGIN with the first statement (LAZY), and Django is
# out of autocommit on it (OPEN): a statement on an idle connection then starts the transaction.
LAZY = "_onewindow_lazy_begin"
OPEN = "_onewindow_transaction_open"
PREFIX = "BEGIN; "


def _begin_pending(connection) -> bool:
    state = connection.__dict__
    return (
        state.get(OPEN, False)
        and connection.autocommit  # else psycopg sends its own BEGIN (a connection set up by hand)
        and connection.pgconn.transaction_status == TransactionStatus.IDLE
    )


class Cursor(base.Cursor):
    """Django's client-side-binding cursor, the transaction's BEGIN sent with its first statement."""

    def execute(self, query, params=None, **kwargs):
        if _begin_pending(self.connection):
            if isinstance(query, str) and not kwargs:
                super().execute(PREFIX + query, params)
                self.nextset()  # the statement's result, not the BEGIN's
                return self
            self.begin()
        return super().execute(query, params, **kwargs)

    def begin(self) -> None:
        """The BEGIN alone now, if the transaction has not started (what psycopg itself would send)."""
        if _begin_pending(self.connection):
            super().execute("BEGIN")

    def executemany(self, *args, **kwargs):
        self.begin()
        return super().executemany(*args, **kwargs)

    def copy(self, *args, **kwargs):
        self.begin()
        return super().copy(*args, **kwargs)

    def stream(self, *args, **kwargs):
        self.begin()
        return super().stream(*args, **kwargs)


class DatabaseOperations(operations.DatabaseOperations):
    def last_executed_query(self, cursor, sql, params):
        # What logs and query captures show: the statement, without the BEGIN it carried, and for the
        # EXECUTE of a statement core.prepared prepared, that statement's text as a comment.
        query = super().last_executed_query(cursor, sql, params)
        if not isinstance(query, str):
            return query
        query = query.removeprefix(PREFIX)
        if query.startswith("EXECUTE onewindow_"):
            from onewindow.core.prepared import statement_text

            text = statement_text(query[len("EXECUTE ") :].split("(", 1)[0].strip())
            if text:
                query = f"{query} /* {text.replace('*/', '')} */"
        return query


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
    _answered_at = float("-inf")

    # --- the health check -------------------------------------------------------------------------

    def close_if_unusable_or_obsolete(self):
        # Called at the start and the end of each request: `health_check_done` is true only at the end of
        # one that used the connection, and `errors_occurred` says whether a query of it failed.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self._answered_at = monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self):
        if (
            self.connection is not None
            and not self.health_check_done
            and monotonic() - self._answered_at < ANSWERED_RECENTLY
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close(self):
        self._answered_at = float("-inf")
        super().close()

    # --- the BEGIN with the first statement ---------------------------------------------------------

    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.Cursor:  # Django's default, client-side binding
            params["cursor_factory"] = Cursor
        return params

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.__dict__[LAZY] = (
            connection.cursor_factory is Cursor
            and connection.isolation_level is None
            and connection.read_only is None
            and connection.deferrable is None
        )
        return connection

    def _set_autocommit(self, autocommit):
        connection = self.connection
        if not connection.__dict__.get(LAZY):
            return super()._set_autocommit(autocommit)
        with self.wrap_database_errors:
            if not connection.autocommit:
                connection.autocommit = True  # psycopg never starts a transaction by itself
        connection.__dict__[OPEN] = not autocommit

    def create_cursor(self, name=None):
        connection = self.connection
        if not (name and connection.__dict__.get(LAZY)):
            return super().create_cursor(name)
        # A server-side cursor (QuerySet.iterator): declared inside the transaction, if one is open, and
        # held past a commit only in autocommit, as Django decides from psycopg's own autocommit.
        with connection.cursor() as plain:
            plain.begin()
        cursor = base.ServerSideCursor(
            connection, name=name, scrollable=False, withhold=self.get_autocommit()
        )
        tzloader = connection.adapters.get_loader(base.TIMESTAMPTZ_OID, base.Format.TEXT)
        if self.timezone != tzloader.timezone:
            base.register_tzloader(self.timezone, cursor)
        return cursor
