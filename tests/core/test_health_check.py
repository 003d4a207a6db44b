"""The PostgreSQL backend asks Django's health check (SELECT 1) only of a connection that sat idle."""

from __future__ import annotations

import pytest
from django.db import connection, connections

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own")


def test_a_connection_that_just_answered_skips_the_check_an_idle_or_failed_one_does_not(
    transactional_db, monkeypatch
):
    from onewindow.core.backends.postgresql import base

    connection = connections["default"]  # the wrapper itself, not the proxy
    assert isinstance(connection, base.DatabaseWrapper) and connection.health_check_enabled
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(1) or True)
    now = [base.monotonic()]
    monkeypatch.setattr(base, "monotonic", lambda: now[0])

    def request(*, failing=False):
        connection.close_if_unusable_or_obsolete()  # request_started
        with connection.cursor() as cursor:
            cursor.execute("SELECT 2")
        connection.errors_occurred = failing
        connection.close_if_unusable_or_obsolete()  # request_finished

    connection.ensure_connection()
    request()
    assert checks == []  # a new connection is not checked (Django's rule); it has now answered
    now[0] += 0.5
    request()
    assert checks == []  # answered half a second ago: not asked
    now[0] += base.ANSWERED_RECENTLY + 0.1
    request()
    assert len(checks) == 1  # idle longer: checked
    request(failing=True)  # a query of it failed: Django's own check at the end of the request
    assert len(checks) == 2
    now[0] += 0.1
    request()
    assert len(checks) == 2  # it answered that check a moment ago
    connection.close()
    connection.ensure_connection()
    connection.health_check_done = False  # as at a request's start
    with connection.cursor():
        pass
    assert len(checks) == 3  # a closed and reopened connection knows nothing of the old one's answers
