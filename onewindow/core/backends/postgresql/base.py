"""Django's PostgreSQL backend, with its connection health check asked only of a connection that sat idle.

With CONN_HEALTH_CHECKS, Django runs `SELECT 1` on the first use of a persistent connection in every
request: on the API's write path that is a round trip more per request (five per case lifecycle) to learn
what the previous request just proved. Here a connection that finished a request without a database error
less than `ANSWERED_RECENTLY` seconds ago skips the check; an idle one is checked as before. A server that
restarted within that second is noticed by the request's own first query instead: that request fails
(as any request during the restart does) and Django closes the connection after it.
"""

from __future__ import annotations

from time import monotonic

from django.db.backends.postgresql import base

ANSWERED_RECENTLY = 1.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    _answered_at = float("-inf")

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
