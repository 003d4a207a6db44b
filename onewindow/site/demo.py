"""`load-sample --demo-handovers`: a few handovers already in force, so the demo shows receiving
departments at work. Only for the demo: the plain sample keeps every sub-item with the Approval Bureau
(CONTRACT.md). Made through the real handover services — the no-gap guard, the assignments and the seal
rule follow as in the hall."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.catalogue.results import sample_particulars
from onewindow.core import clock
from onewindow.handover import services as handover
from onewindow.handover.models import AgreementStatus, HandoverAgreement
from onewindow.org.models import Organisation, OrganisationKind

# Departments whose items the demo hands over (each has a stationed, qualified approver in the sample).
DEMO_DEPARTMENTS = ("construction", "health", "commerce")
# In force since this many days before today: the synthetic history (--cases) then holds cases
# accepted before (the bureau's authority and seal) and after (the department's).
DAYS_IN_FORCE = 45


def sign_demo_handovers(*, departments=DEMO_DEPARTMENTS, days_in_force: int = DAYS_IN_FORCE) -> dict:
    """Draft and sign (both parties) one agreement per department; idempotent — a department that
    already has a signed agreement is left alone."""
    User = get_user_model()
    supervisor = User.objects.filter(username="supervisor1").first()
    bureau = Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("sort_order").first()
    if supervisor is None or bureau is None:
        return {}
    day = clock.today() - dt.timedelta(days=days_in_force)
    effective_at = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
    signed = []
    for code in departments:
        department = Organisation.objects.filter(code=code).first()
        head = User.objects.filter(username=f"{code}-head").first()
        if department is None or head is None:
            continue
        if HandoverAgreement.objects.filter(department=department, status=AgreementStatus.SIGNED).exists():
            continue
        with_bureau = Assignment.objects.filter(organisation=bureau, valid_to__isnull=True).values(
            "subitem_id"
        )
        codes = list(
            SubItem.objects.filter(target_department=department, pk__in=with_bureau)
            .order_by("code")
            .values_list("code", flat=True)
        )
        if not codes:
            continue
        agreement = handover.draft_agreement(
            actor=supervisor,
            department=department,
            subitems=codes,
            effective_at=effective_at,
            rights_duties="自协议生效之日起，乙方依法实施协议所列事项，并承担相应法律责任；甲方做好业务指导和交接。",
            liaison="双方建立周例会和专人对接机制，交接期间的在办件由乙方继续办结。",
        )
        handover.sign_agreement(actor=supervisor, agreement=agreement)
        handover.sign_agreement(actor=head, agreement=agreement)
        signed.append(f"{code} ({len(codes)})")
    return {"demo handovers in force": ", ".join(signed) or "none new"}


# Each handed-over department gets one live case at each stage of the back office (made now, through
# the case services, as the demo users would): what its approver's home then counts.
STAGES = ("supplement_requested", "accepted", "in_review", "result_ready")


def _applicant(n: int) -> dict:
    from onewindow.core.validators import resident_id_check_char

    first17 = f"210302198501{(n % 28) + 1:02d}{(n * 37) % 1000:03d}"
    return {
        "kind": "person",
        "name": "示例申请人" + "甲乙丙丁戊己庚辛"[n % 8],
        "id_number": first17 + resident_id_check_char(first17),
        "phone": f"1390412{n:04d}",
    }


def make_in_flight_cases(*, departments=DEMO_DEPARTMENTS) -> dict:
    """One case per stage for each department that implements items now; idempotent by key."""
    from onewindow.cases import services as cases
    from onewindow.catalogue.selectors import current_guide, implementer

    User = get_user_model()
    clerk = User.objects.filter(username="clerk1").first()
    if clerk is None:
        return {}
    made = 0
    now = clock.now()
    for d_index, code in enumerate(departments):
        approver = User.objects.filter(username=f"{code}-approver").first()
        subitem = next(
            (
                s
                for s in SubItem.objects.filter(target_department__code=code, kind="promised").order_by(
                    "code"
                )
                if implementer(s, now).code == code
            ),
            None,
        )
        if approver is None or subitem is None:
            continue
        required = [m.code for m in current_guide(subitem).materials.all() if m.required]
        for s_index, stage in enumerate(STAGES):
            handed = required[:1] if stage == "supplement_requested" and len(required) > 1 else required
            case, created = cases.accept(
                actor=clerk,
                subitem=subitem.code,
                applicant=_applicant(d_index * 10 + s_index),
                materials=handed,
                idempotency_key=f"demo-{code}-{stage}",
            )
            if not created:
                continue
            made += 1
            if stage in ("in_review", "result_ready"):
                case = cases.claim(actor=approver, case=case, version=case.version)
            if stage == "result_ready":
                case = cases.decide(
                    actor=approver,
                    case=case,
                    version=case.version,
                    decision="grant",
                    particulars=sample_particulars(case.guide.result_fields, on=clock.today()),
                )
                cases.perform(actor=approver, case=case, action="produce_result", version=case.version)
    return {"demo cases in flight": made}


def assess_past_months(months: int = 6) -> list[str]:
    """Draft assessments of the last `months` finished months (the year view and each person's chart then
    show a line, not a point), through the same run as `onewindow assess`. A month the history does not
    reach, or without a scheme, is left out."""
    from onewindow.assessment import services as assessment
    from onewindow.core.errors import DomainError

    today = clock.today()
    done = []
    for back in range(months, 0, -1):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        period = f"{year:04d}-{month + 1:02d}"
        try:
            summary = assessment.run(actor=None, period=period)
        except DomainError:
            continue
        if summary.created or summary.updated:
            done.append(period)
    return done
