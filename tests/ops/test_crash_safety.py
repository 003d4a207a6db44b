"""SIGKILL `onewindow serve` in the middle of a load of acceptances: every acceptance a client saw answered
201 is in the database whole (case, events, audit entries), no half-written case exists, the chain verifies."""

from __future__ import annotations

from django.db import connection

from onewindow.cases.models import Case, CaseEvent
from onewindow.core import audit
from onewindow.core.models import AuditEntry
from tests.ops.conftest import Load, onewindow, serve, source_env


def test_every_answered_acceptance_survives_a_sigkill_of_the_server(hall):
    # Bounded: 3 clients, at most 150 acceptances each and 30 s; the kill comes after the 20th answer.
    with serve(workers=2, threads=2) as server:
        load = Load(port=server.port, token=hall.clerk.token, subitem=hall.subitem, materials=hall.materials)
        load.start()
        try:
            load.wait_for(20)
            server.kill()
            assert server.process.returncode == -9
        finally:
            load.finish()
    answered = set(load.answered_201)
    assert len(answered) == len(load.answered_201) >= 20
    assert not load.other_answers, load.other_answers[:3]

    cases = Case.objects.filter(number__in=answered)
    assert cases.count() == len(answered)
    accepted = set(
        CaseEvent.objects.filter(case__number__in=answered, action="accept").values_list(
            "case__number", flat=True
        )
    )
    assert accepted == answered
    audited = set(
        AuditEntry.objects.filter(action="cases.accept", object_id__in=answered).values_list(
            "object_id", flat=True
        )
    )
    assert audited == answered
    # Cases whose answer the kill swallowed may exist, but whole or not at all.
    assert not Case.objects.filter(events__isnull=True).exists()
    every = set(Case.objects.values_list("number", flat=True))
    assert set(AuditEntry.objects.filter(action="cases.accept").values_list("object_id", flat=True)) == every
    assert audit.verify().ok
    verify = onewindow("audit", "verify", env=source_env())
    assert verify.returncode == 0, verify.stderr
    # And the installation starts again and accepts the next application.
    with serve(workers=1, threads=1) as server:
        after = Load(port=server.port, token=hall.clerk.token, subitem=hall.subitem, materials=hall.materials)
        after.clients, after.max_per_client = 1, 1
        after.start().finish_after(1)
    assert len(after.answered_201) == 1, after.other_answers
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA integrity_check")
            assert cursor.fetchone()[0] == "ok"
