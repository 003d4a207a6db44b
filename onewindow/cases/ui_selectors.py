"""Reads the workbenches need beyond cases.selectors: paged lists with each row's clock, the named
slices and counts of the role homes, the materials table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors
from onewindow.cases.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Closure,
    Extension,
    Suspension,
    applicant_id_digest,
)
from onewindow.core import clock
from onewindow.core.scoping import in_scope
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org.models import Organisation

# Named slices of the case lists: a home page counts exactly what its link then lists (?view=NAME).
ACCEPTED_TODAY_MINE = "accepted_today_mine"
ACCEPTED_TODAY = "accepted_today"
COMPLETED_TODAY = "completed_today"
DEFERRED_DUE = "deferred_due"
ISSUE_LATE = "issue_late"
VIEWS = (ACCEPTED_TODAY_MINE, ACCEPTED_TODAY, COMPLETED_TODAY, DEFERRED_DUE, ISSUE_LATE)


def _today_range(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The hall's local day as an aware [start, end) range (an index-friendly filter on a time column)."""
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


def view_condition(name: str, user, *, today: dt.date | None = None) -> Q:
    """The condition of a named slice (VIEWS); the caller's scope is applied separately."""
    today = today or clock.today()
    start, end = _today_range(today)
    if name == ACCEPTED_TODAY_MINE:
        return Q(accepted_by_id=user.pk, accepted_at__gte=start, accepted_at__lt=end)
    if name == ACCEPTED_TODAY:
        return Q(accepted_at__gte=start, accepted_at__lt=end)
    if name == COMPLETED_TODAY:
        return Q(status=CaseStatus.ISSUED, issued_at__gte=start, issued_at__lt=end)
    if name == DEFERRED_DUE:
        # 容缺: accepted with materials still owed; the tick ends those past their top-up deadline.
        return Q(status__in=CLOCK_STATUSES, top_up_deadline__isnull=False) & ~Q(deferred_materials=[])
    if name == ISSUE_LATE:
        # 行政许可法 art. 44: the result should reach the applicant within 10 working days of the decision.
        return Q(
            status__in=[CaseStatus.DECIDED, CaseStatus.RESULT_READY],
            issue_due_date__isnull=False,
            issue_due_date__lt=today,
        )
    raise ValueError(name)


def _is_department_user(user) -> bool:
    return r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD) and not r.has_role(
        user, r.WINDOW_CLERK, r.ISSUING_CLERK, r.SUPERVISOR
    )


def scoped_cases(user) -> QuerySet[Case]:
    """The cases a list shows `user`: approvers and heads see their department's back-office work only —
    a case still at the window (待补正, or ended there before acceptance) is not theirs yet."""
    qs = in_scope(Case.objects.all(), user)
    if _is_department_user(user):
        qs = qs.filter(accepted_at__isnull=False)
    return qs


def case_list(
    user, *, status: str = "", level: str = "", department: str = "", q: str = "", view: str = ""
) -> QuerySet[Case]:
    """Cases in `user`'s scope (approvers and heads: their department's only), filtered, soonest due first."""
    qs = scoped_cases(user).select_related("subitem", "authority", "guide", "region")
    if view in VIEWS:
        qs = qs.filter(view_condition(view, user))
    if status:
        qs = qs.filter(status=status)
    if department:
        organisation = Organisation.objects.filter(code=department).first()
        qs = qs.of_department(organisation) if organisation else qs.none()
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(subitem__name__icontains=q)
            | Q(subitem__code__icontains=q)
            | Q(applicant_name__icontains=q)
            | Q(applicant_id_digest=applicant_id_digest(q))  # the whole ID number, never a part of it
        )
    if level:
        qs = selectors.filter_level(qs, level)
    return qs.with_department().order_by("due_date", "-received_at", "-pk")


# What a finished case's row says instead of its remaining days (its outcome, never "normal").
ON_TIME, LATE, DECIDED_ON_TIME, DECIDED_LATE = "on_time", "late", "decided_on_time", "decided_late"
NOT_ACCEPTED, WITHDRAWN, DEFERRAL_EXPIRED = "rejected", "withdrawn", "deferral_expired"


def outcome(case: Case, clock_now: case_clock.CaseClock) -> str | None:
    """The outcome of a case whose review clock has stopped, or None while it runs (or before acceptance)."""
    if case.status == CaseStatus.REJECTED:
        return NOT_ACCEPTED
    if case.status == CaseStatus.WITHDRAWN:
        return DEFERRAL_EXPIRED if case.closure == Closure.DEFERRAL_EXPIRED else WITHDRAWN
    late = clock_now.level == case_clock.OVERDUE
    if case.status == CaseStatus.ISSUED:
        return LATE if late else ON_TIME
    if case.status in (CaseStatus.DECIDED, CaseStatus.RESULT_READY):
        return DECIDED_LATE if late else DECIDED_ON_TIME
    return None


@dataclass
class Row:
    """A case in a list, with its clock of today and the department working it now."""

    case: Case
    clock: case_clock.CaseClock
    issuance: case_clock.IssuanceClock | None
    department: Organisation | None

    @property
    def outcome(self) -> str | None:
        return outcome(self.case, self.clock)


def with_clocks(cases) -> list[Row]:
    """Each case's clock, with suspensions and extensions fetched in one query each for the whole page."""
    cases = list(cases)
    if not cases:
        return []
    ids = [c.pk for c in cases]
    suspensions: dict[int, list] = {}
    for s in Suspension.objects.filter(case_id__in=ids):
        suspensions.setdefault(s.case_id, []).append(s)
    extensions: dict[int, list] = {}
    for e in Extension.objects.filter(case_id__in=ids):
        extensions.setdefault(e.case_id, []).append(e)
    departments = Organisation.objects.in_bulk(
        {getattr(c, "department_id_now", None) for c in cases} - {None}
    )
    return [
        Row(
            case=c,
            clock=case_clock.case_clock(
                c, suspensions=suspensions.get(c.pk, []), extensions=extensions.get(c.pk, [])
            ),
            issuance=case_clock.issuance_clock(c),
            department=departments.get(getattr(c, "department_id_now", None)),
        )
        for c in cases
    ]


def departments() -> QuerySet[Organisation]:
    """The organisations a case can be worked by (the bureau and the receiving departments)."""
    return org_selectors.approving_bodies()


def materials_table(case: Case) -> list[dict]:
    """The pinned guide's materials with what the window received, what is missing and what is deferred,
    and each material's scans (every version, the newest first)."""
    scans: dict[str, list] = {}
    for f in case.files.select_related("replaced_by").order_by("-uploaded_at", "-pk"):
        scans.setdefault(f.material, []).append(f)
    return [
        {
            "material": m,
            "received": m.code in case.materials,
            "missing": m.code in case.missing_materials,
            "deferred": m.code in case.deferred_materials,
            "files": scans.get(m.code, []),
        }
        for m in case.guide.materials.all()
    ]


# --------------------------------------------------------------------------------------------------
# The role homes: today's work in a handful of aggregate queries
# --------------------------------------------------------------------------------------------------


def _open_level(level: str, today: dt.date) -> Q:
    """Open cases at `level` — what the list behind the link shows (status "open" + level)."""
    return Q(status__in=OPEN_STATUSES) & selectors.level_condition(level, today=today)


def home_counts(user) -> dict[str, dict]:
    """{role: {count name: n}} for the roles of `user` that have counts; one aggregate query a role
    (the supervisor's per-department levels: one more). Each count is what its list link shows."""
    mine = r.roles_of(user)
    today = clock.today()
    counts: dict[str, dict] = {}
    if r.WINDOW_CLERK in mine:
        counts[r.WINDOW_CLERK] = scoped_cases(user).aggregate(
            accepted_today_mine=Count("pk", filter=view_condition(ACCEPTED_TODAY_MINE, user, today=today)),
            supplement=Count("pk", filter=Q(status=CaseStatus.SUPPLEMENT_REQUESTED)),
            deferred_due=Count("pk", filter=view_condition(DEFERRED_DUE, user, today=today)),
        )
    department_roles = [role for role in (r.APPROVER, r.DEPARTMENT_HEAD) if role in mine]
    if department_roles:
        queue = scoped_cases(user).aggregate(
            to_claim=Count("pk", filter=Q(status=CaseStatus.ACCEPTED)),
            in_review=Count("pk", filter=Q(status=CaseStatus.IN_REVIEW)),
            suspended=Count("pk", filter=Q(status=CaseStatus.SUSPENDED)),
            warning=Count("pk", filter=_open_level(case_clock.WARNING, today)),
            overdue=Count("pk", filter=_open_level(case_clock.OVERDUE, today)),
        )
        for role in department_roles:  # the same queue, whichever of the two roles the section shows
            counts[role] = queue
    if r.ISSUING_CLERK in mine:
        counts[r.ISSUING_CLERK] = scoped_cases(user).aggregate(
            waiting=Count("pk", filter=Q(status=CaseStatus.RESULT_READY)),
            issue_late=Count("pk", filter=view_condition(ISSUE_LATE, user, today=today)),
            issued_today=Count("pk", filter=view_condition(COMPLETED_TODAY, user, today=today)),
        )
    if r.SUPERVISOR in mine:
        scope = scoped_cases(user)
        counts[r.SUPERVISOR] = scope.aggregate(
            accepted_today=Count("pk", filter=view_condition(ACCEPTED_TODAY, user, today=today)),
            completed_today=Count("pk", filter=view_condition(COMPLETED_TODAY, user, today=today)),
            warning=Count("pk", filter=_open_level(case_clock.WARNING, today)),
            overdue=Count("pk", filter=_open_level(case_clock.OVERDUE, today)),
        )
        counts[r.SUPERVISOR]["by_department"] = levels_by_department(scope, today=today)
    return counts


def levels_by_department(scope: QuerySet[Case], *, today: dt.date) -> list[dict]:
    """Open cases at warning and overdue per department working them now (the worst first)."""
    rows = (
        scope.filter(status__in=OPEN_STATUSES)
        .with_department()
        .values("department_id_now")
        .annotate(
            warning=Count("pk", filter=selectors.level_condition(case_clock.WARNING, today=today)),
            overdue=Count("pk", filter=selectors.level_condition(case_clock.OVERDUE, today=today)),
        )
        .filter(Q(warning__gt=0) | Q(overdue__gt=0))
        .order_by()
    )
    rows = list(rows)
    names = Organisation.objects.in_bulk({row["department_id_now"] for row in rows} - {None})
    found = [
        {
            "department": names.get(row["department_id_now"]),
            "warning": row["warning"],
            "overdue": row["overdue"],
        }
        for row in rows
    ]
    found.sort(
        key=lambda row: (
            -row["overdue"],
            -row["warning"],
            row["department"].sort_order if row["department"] else 0,
        )
    )
    return found
