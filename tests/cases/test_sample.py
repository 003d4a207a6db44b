"""`onewindow load-sample --cases N`: synthetic history that follows the live rules and loads once."""

from __future__ import annotations

from onewindow.cases import sample
from onewindow.cases.models import Case, CaseStatus, Result
from onewindow.core import audit
from tests.cases.conftest import at
from tests.conftest import ApiClient


def test_synthetic_history_is_consistent_and_idempotent(world, frozen_clock):
    frozen_clock(at(2024, 12, 20, 18, 0))
    assert sample.load(40) == {"synthetic cases created": 40}
    assert sample.load(40) == {"synthetic cases created": 0}
    cases = list(Case.objects.all())
    assert len(cases) == 40 == len({c.number for c in cases})
    statuses = {c.status for c in cases}
    assert CaseStatus.ISSUED in statuses
    for case in cases:
        assert case.number.startswith(
            "210300" + case.received_at.astimezone(at(2024, 1, 1).tzinfo).strftime("%Y%m%d")
        )
        if case.accepted_at:
            assert case.authority_id and case.due_date
        assert case.events.exists()
        if case.decided_at:
            # Signed by an approver of the organisation that decided.
            assert case.decided_by.staff.organisation_id == case.decided_department_id
    issued = Result.objects.filter(case__status=CaseStatus.ISSUED).first()
    body = ApiClient().get(f"/public/results/{issued.verification_code}").json()
    assert body["genuine"] is True and body["number"] == issued.number
    assert audit.verify().ok
