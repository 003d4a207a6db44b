"""Counting what a piece of the write path writes: the statements it runs, and the writes it adds to those
a case change gathers (core.prepared.gathering), which go out with the case change's own — on PostgreSQL
in its one statement, elsewhere one after another."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.core import prepared

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def statements(captured) -> list[str]:
    """The captured statements, transaction control left out."""
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(CONTROL)]


def written_by(call, *args, **kwargs) -> tuple[object, int]:
    """`call`'s result and its writes: statements run plus writes gathered."""
    gathered = prepared.gathered()
    before = len(gathered) if gathered is not None else 0
    with CaptureQueriesContext(connection) as captured:
        result = call(*args, **kwargs)
    added = len(gathered) - before if gathered is not None else 0
    return result, len(statements(captured)) + added
