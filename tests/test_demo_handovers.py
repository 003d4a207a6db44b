"""`load-sample --demo-handovers`: a few departments at work in the demo (through the real handover and
case services); without the option the sample keeps every sub-item with the Approval Bureau."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from onewindow.catalogue.models import Assignment
from onewindow.handover.models import AgreementState, HandoverAgreement
from onewindow.site.demo import DEMO_DEPARTMENTS, STAGES
from onewindow.workdays import arithmetic

HALL_TZ = dt.timezone(dt.timedelta(hours=8))


def test_demo_handovers_put_departments_to_work_and_the_plain_sample_does_not(db, frozen_clock):
    from django.contrib.auth import get_user_model

    from onewindow.cases.models import Case
    from onewindow.cases.ui_selectors import home_counts

    arithmetic.invalidate()
    frozen_clock(dt.datetime(2024, 12, 20, 10, 0, tzinfo=HALL_TZ))
    call_command("load_sample", stdout=io.StringIO())
    # CONTRACT.md: the plain sample's catalogue is all the bureau's.
    assert not Assignment.objects.exclude(organisation__code="data-bureau").exists()
    assert not HandoverAgreement.objects.exists()

    out = io.StringIO()
    call_command("load_sample", "--demo-handovers", "--cases", "40", stdout=out)
    agreements = HandoverAgreement.objects.select_related("department")
    assert sorted(a.department.code for a in agreements) == sorted(DEMO_DEPARTMENTS)
    assert {a.state for a in agreements} == {AgreementState.IN_FORCE}
    approver = get_user_model().objects.get(username="construction-approver")
    counts = home_counts(approver)["approver"]
    assert counts["to_claim"] >= 1 and counts["in_review"] >= 1
    demo_cases = Case.objects.filter(idempotency_key__startswith="demo-")
    assert demo_cases.count() == len(DEMO_DEPARTMENTS) * len(STAGES)
    assert set(demo_cases.values_list("status", flat=True)) == set(STAGES)
    # The last six finished months are assessed (drafts), so the year charts show a line.
    from onewindow.assessment.models import Result

    months = ["2024-06", "2024-07", "2024-08", "2024-09", "2024-10", "2024-11"]
    assert "assessment drafts computed for " + ", ".join(months) in out.getvalue()
    assert set(Result.objects.values_list("period", flat=True)) == set(months)

    # Idempotent: nothing new the second time.
    call_command("load_sample", "--demo-handovers", "--cases", "40", stdout=io.StringIO())
    assert HandoverAgreement.objects.count() == len(DEMO_DEPARTMENTS)
    assert Case.objects.filter(idempotency_key__startswith="demo-").count() == len(DEMO_DEPARTMENTS) * len(
        STAGES
    )
    arithmetic.invalidate()
