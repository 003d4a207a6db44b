"""`onewindow load-sample --cases N`: synthetic historical cases of the last months (illustrative).

The history is written as an import from the previous system, not replayed through the services (that
would move the one clock thousands of times). The back-office steps are signed by an approver of the
implementing organisation when one exists (the demo's data-bureau-approver), else by no one
("history"); the window clerks who accepted and the issuing clerk who handed out are the demo users. Everything else follows the same rules as live
cases: numbers from the same counters, the authority pinned at acceptance, the seal of rule 2 and the
result built by the result service, due dates from cases.clock, one event per step. Idempotent: the N cases are keyed `sample-<i>`.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from onewindow.cases import clock as case_clock
from onewindow.cases.models import Case, CaseEvent, CaseStatus, Closure, Decision, applicant_id_digest
from onewindow.cases.services import REMEDIES, case_number
from onewindow.cases.services._base import _next_serial
from onewindow.cases.services.results import build_result
from onewindow.catalogue.models import GuideStatus, ServiceGuide
from onewindow.catalogue.selectors import implementer
from onewindow.core import audit, clock
from onewindow.core.errors import RuleViolation
from onewindow.core.validators import resident_id_check_char
from onewindow.handover.seals import NoValidSeal, select_seal
from onewindow.org import roles as r
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

HISTORY = "history"
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
]


def _person(rng: random.Random) -> dict:
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
    first17 = f"210302{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return {
        "kind": "person",
        "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
        "id_number": first17 + resident_id_check_char(first17),
        "phone": f"13{rng.randrange(0, 10**9):09d}",
    }


def _at(day: dt.date, minutes: int) -> dt.datetime:
    """A time on `day` in the hall's time zone, `minutes` after 08:30."""
    naive = dt.datetime.combine(day, dt.time(8, 30)) + dt.timedelta(minutes=minutes)
    return timezone.make_aware(naive)


def _event(case, at, action, *, actor=None, role="", organisation=None, comment="", data=None):
    staff = getattr(actor, "staff", None)
    return CaseEvent(
        case=case,
        at=at,
        action=action,
        actor=actor,
        actor_name=actor.username if actor is not None else HISTORY,
        actor_full_name=staff.full_name if staff is not None else "",
        role=role,
        organisation=organisation or (staff.organisation if staff is not None else None),
        comment=comment,
        status_after=case.status,
        data=data or {},
    )


def load(n: int, *, days: int = 120, seed: int = 2024) -> dict:
    """Add synthetic cases until there are `n` of them, received over the `days` before today."""
    User = get_user_model()
    clerks = list(
        User.objects.filter(groups__name=r.WINDOW_CLERK, staff__isnull=False)
        .select_related("staff__organisation", "staff__window")
        .order_by("username")
    )
    issuers = list(
        User.objects.filter(groups__name=r.ISSUING_CLERK, staff__isnull=False).order_by("username")
    )
    guides = list(
        ServiceGuide.objects.filter(status=GuideStatus.PUBLISHED, promised_days__gte=1)
        .select_related("subitem__region")
        .prefetch_related("materials")
        .order_by("subitem__code", "-version")
    )
    latest = {}
    for guide in guides:
        latest.setdefault(guide.subitem_id, guide)
    guides = list(latest.values())
    if n <= 0 or not clerks or not issuers or not guides:
        return {}
    approvers = {}
    for approver in (
        User.objects.filter(groups__name=r.APPROVER, staff__isnull=False)
        .select_related("staff__organisation")
        .order_by("username")
    ):
        approvers.setdefault(approver.staff.organisation_id, approver)
    existing = set(
        Case.objects.filter(idempotency_key__startswith="sample-").values_list("idempotency_key", flat=True)
    )
    today = clock.today()
    first_day = today - dt.timedelta(days=days)
    made = 0
    for start in range(0, n, 200):
        with transaction.atomic():
            for i in range(start, min(n, start + 200)):
                key = f"sample-{i}"
                if key in existing:
                    continue
                rng = random.Random(seed * 100_003 + i)
                if _one(rng, key, clerks, issuers, approvers, guides, first_day, today):
                    made += 1
            audit.record(action="cases.sample_loaded", detail={"created": made, "requested": n})
    return {"synthetic cases created": made}


def _one(rng, key, clerks, issuers, approvers, guides, first_day, today) -> bool:
    guide = rng.choice(guides)
    subitem = guide.subitem
    region = subitem.region
    day = first_day + dt.timedelta(days=rng.randrange(0, (today - first_day).days + 1))
    try:
        if not arithmetic.is_workday(day, region=region):
            day = arithmetic.add_workdays(day, 1, region=region)
    except CalendarMissing:
        return False
    if day > today:
        return False
    received_at = _at(day, rng.randrange(0, 420))
    if received_at > clock.now():
        return False
    try:
        authority = implementer(subitem, received_at)
    except RuleViolation:
        return False
    clerk = rng.choice(clerks)
    approver = approvers.get(authority.pk)
    back_office = {"actor": approver, "role": r.APPROVER if approver else "", "organisation": authority}
    person = _person(rng)
    required = [m.code for m in guide.materials.all() if m.required]
    roll = rng.random()
    serial = _next_serial(region, "case", f"{day:%Y%m%d}")
    case = Case(
        region=region,
        number=case_number(region, day, serial),
        status=CaseStatus.SUPPLEMENT_REQUESTED,
        subitem=subitem,
        guide=guide,
        window=clerk.staff.window,
        created_by=clerk,
        received_at=received_at,
        idempotency_key=key,
        applicant_kind=person["kind"],
        applicant_name=person["name"],
        applicant_id_number=person["id_number"],
        applicant_phone=person["phone"],
        applicant_id_digest=applicant_id_digest(person["id_number"]),
        materials=list(required),
        updated_at=received_at,
    )
    events = []
    if roll < 0.06:  # incomplete: one complete list, then rejected or still waiting
        case.materials = required[:1]
        case.missing_materials = required[1:] or required
        events.append(_event(case, received_at, "request_supplement", actor=clerk, role=r.WINDOW_CLERK))
        if roll < 0.03:
            case.status, case.closure, case.ended_at = CaseStatus.REJECTED, Closure.REJECTED, received_at
            events.append(
                _event(
                    case, received_at, "reject", actor=clerk, role=r.WINDOW_CLERK, comment="不符合受理条件"
                )
            )
        case.save(force_insert=True)
        CaseEvent.objects.bulk_create(events)
        return True
    case.status = CaseStatus.ACCEPTED
    case.authority = authority
    case.accepted_at = received_at
    case.accepted_by = clerk
    case_clock.refresh_due_dates(case, suspensions=[], extensions=[])
    events.append(_event(case, received_at, "accept", actor=clerk, role=r.WINDOW_CLERK))
    events.append(_event(case, received_at, "routed", organisation=authority, comment=authority.name))
    promised = guide.promised_days
    # Most cases decide within the limit; about one in ten runs late.
    work_days = rng.randint(1, promised) if rng.random() > 0.1 else promised + rng.randint(1, 4)
    decided_on = arithmetic.add_workdays(day, work_days, region=region)
    if roll < 0.09:
        withdrawn_at = _at(arithmetic.add_workdays(day, 1, region=region), rng.randrange(0, 420))
        if withdrawn_at <= clock.now():
            case.status, case.closure, case.ended_at = CaseStatus.WITHDRAWN, Closure.WITHDRAWN, withdrawn_at
            events.append(
                _event(case, withdrawn_at, "withdraw", actor=clerk, role=r.WINDOW_CLERK, comment="申请人撤回")
            )
        return _save(case, events)
    if decided_on >= today:
        # Still in the back office (some already overdue when their limit passed).
        if rng.random() < 0.7:
            case.status = CaseStatus.IN_REVIEW
            case.claimed_by = approver
            events.append(_event(case, received_at + dt.timedelta(hours=1), "claim", **back_office))
        return _save(case, events)
    case.status = CaseStatus.IN_REVIEW
    case.claimed_by = approver
    events.append(_event(case, received_at + dt.timedelta(hours=1), "claim", **back_office))
    decided_at = _at(decided_on, rng.randrange(0, 420))
    deny = rng.random() < 0.05
    case.decision = Decision.DENY if deny else Decision.GRANT
    case.decision_reason = "不符合法定条件" if deny else "符合法定条件"
    case.decided_at = decided_at
    case.decided_by = approver
    case.decided_department = authority
    case.status = CaseStatus.DECIDED
    case_clock.refresh_due_dates(case, suspensions=[], extensions=[])
    events.append(
        _event(
            case,
            decided_at,
            "decide",
            **back_office,
            comment=case.decision_reason,
            data={"decision": case.decision, **({"remedies": REMEDIES} if deny else {})},
        )
    )
    try:
        seal = select_seal(authority=authority, at=decided_at)
    except NoValidSeal:
        return _save(case, events)  # decided, the result refused until a valid seal exists (rule 2)
    case.status = CaseStatus.RESULT_READY
    case.save(force_insert=True)
    result = build_result(case, seal=seal, at=decided_at, actor=approver, extra={"synthetic": True})
    number = result.number
    events.append(_event(case, decided_at, "produce_result", data={"result": number}, **back_office))
    issue_on = arithmetic.add_workdays(decided_on, rng.randint(0, 12), region=region)
    if issue_on < today:
        issued_at = _at(issue_on, rng.randrange(0, 420))
        case.status = CaseStatus.ISSUED
        case.issued_at = case.ended_at = result.issued_at = issued_at
        case.issued_by = rng.choice(issuers)
        case.issue_method = "pickup" if rng.random() < 0.8 else "mail"
        case.issue_recipient = case.applicant_name
        events.append(_event(case, issued_at, "issue", actor=case.issued_by, role=r.ISSUING_CLERK))
    case.save()
    result.save(force_insert=True)
    CaseEvent.objects.bulk_create(events)
    return True


def _save(case: Case, events: list) -> bool:
    case.save(force_insert=True)
    CaseEvent.objects.bulk_create(events)
    return True
