"""The registry of computed indicators: each a function of (subject, period) reading another app's
selectors, returning the value and what it was computed from (the breakdown down to the records).

A run shares one `Context` between the subjects of a period, so that a source asks its grouped query once
(`ctx.memo`) and each subject reads its row: a month over a million cases costs a handful of grouped
queries, not a pass per person. Sources whose data is not in the system yet are listed in `PENDING`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from onewindow.assessment.models import Rule, SubjectKind
from onewindow.assessment.periods import Period
from onewindow.cases import selectors as case_selectors
from onewindow.ratings import selectors as rating_selectors

REFS = 100  # records kept in a score's basis; the count is always complete


@dataclass
class Measure:
    value: Decimal | None  # a count, or a rate in [0, 1]; None: nothing to measure (full points)
    basis: dict = field(default_factory=dict)


@dataclass
class Context:
    region: object
    period: Period
    _memo: dict = field(default_factory=dict)

    def memo(self, key: str, build: Callable):
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


@dataclass(frozen=True)
class Source:
    code: str
    label: object
    kinds: tuple[str, ...]
    unit: str  # "count" | "rate"
    rule: str  # the default rule of a new indicator on this source
    compute: Callable  # (subject, period, ctx) -> Measure
    origin: str  # the app whose selectors it reads


REGISTRY: dict[str, Source] = {}


def register(source: Source) -> None:
    REGISTRY[source.code] = source


def measure(code: str, subject, ctx: Context) -> Measure:
    return REGISTRY[code].compute(subject, ctx.period, ctx)


# -- helpers ----------------------------------------------------------------------------------------


def _case_refs(qs, label) -> list[dict]:
    return [
        {"type": "case", "ref": n, "label": str(label)} for n in qs.values_list("number", flat=True)[:REFS]
    ]


def _count(n: int, records: list[dict]) -> Measure:
    return Measure(Decimal(n), {"count": n, "records": records, "more": max(0, n - len(records))})


def _rate(numerator: int, denominator: int, records: list[dict]) -> Measure:
    value = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001")) if denominator else None
    return Measure(
        value,
        {
            "numerator": numerator,
            "denominator": denominator,
            "records": records,
            "more": max(0, denominator - len(records)),
        },
    )


def _work(what: str, ctx: Context) -> dict:
    return ctx.memo(
        f"work:{what}",
        lambda: case_selectors.work_counts(
            what, region=ctx.region, start=ctx.period.start, end=ctx.period.end
        ),
    )


def _work_cases(what: str, who, ctx: Context):
    return case_selectors.work_cases(
        what, region=ctx.region, start=ctx.period.start, end=ctx.period.end, who=who
    )


# -- cases ------------------------------------------------------------------------------------------


def _work_count(what: str, label):
    def compute(subject, period, ctx):
        who = subject.user_id if subject.staff else subject.department.pk
        n = _work(what, ctx).get(who, {}).get("total", 0)
        return _count(
            n, _case_refs(_work_cases(what, who, ctx).order_by(WORK_ORDER[what]), label) if n else []
        )

    return compute


WORK_ORDER = {
    "accepted": "accepted_at",
    "issued": "issued_at",
    "decided": "decided_at",
    "decided_by_department": "decided_at",
}


def _on_time_rate(what: str):
    def compute(subject, period, ctx):
        who = subject.user_id if subject.staff else subject.department.pk
        row = _work(what, ctx).get(who, {"total": 0, "late": 0})
        late = _work_cases(what, who, ctx).filter(case_selectors.late_decision()).order_by("decided_at")
        return _rate(
            row["total"] - row["late"], row["total"], _case_refs(late, _("decided after the due date"))
        )

    return compute


def _late_count(what: str):
    def compute(subject, period, ctx):
        who = subject.user_id if subject.staff else subject.department.pk
        n = _work(what, ctx).get(who, {}).get("late", 0)
        late = _work_cases(what, who, ctx).filter(case_selectors.late_decision()).order_by("decided_at")
        return _count(n, _case_refs(late, _("decided after the due date")) if n else [])

    return compute


def _returns(subject, period, ctx):
    counts = ctx.memo(
        "returns",
        lambda: case_selectors.returns_per_clerk(region=ctx.region, start=period.start, end=period.end),
    )
    n = counts.get(subject.user_id, 0)
    records = []
    if n:
        events = case_selectors.returns_to_window(
            region=ctx.region, start=period.start, end=period.end, clerk=subject.user_id
        ).order_by("at")[:REFS]
        records = [{"type": "case", "ref": e.case.number, "label": e.comment[:80]} for e in events]
    return _count(n, records)


# -- ratings ----------------------------------------------------------------------------------------

RATING_ROLES = {
    SubjectKind.WINDOW_STAFF: ("clerk", "issuer"),
    SubjectKind.STATIONED_STAFF: ("approver",),
}


def _ratings_of(subject, period, ctx):
    qs = rating_selectors.ratings_in(region=ctx.region, date_from=period.first_day, date_to=period.last_day)
    if subject.staff:
        return rating_selectors.of_staff(qs, subject.user_id, RATING_ROLES[subject.kind])
    return qs.filter(department=subject.department)


def _rating_refs(qs) -> list[dict]:
    return [
        {"type": "rating", "ref": number, "label": f"{level}★ {comment[:60]}"}
        for number, level, comment in qs.order_by("rated_at").values_list("case__number", "level", "comment")[
            :REFS
        ]
    ]


def _good_rate(subject, period, ctx):
    qs = _ratings_of(subject, period, ctx)
    s = rating_selectors.summary(qs)
    return _rate(s["good"], s["total"], _rating_refs(qs.exclude(grade="good")))


def _bad_ratings(subject, period, ctx):
    qs = _ratings_of(subject, period, ctx).filter(grade="bad")
    n = qs.count()
    return _count(n, _rating_refs(qs) if n else [])


def _rectifications_late(subject, period, ctx):
    """差评 rectifications of the department unanswered past their deadline at the period's end, or
    answered after it within the period."""
    from django.db.models import Q

    end_day = period.last_day
    qs = rating_selectors.rectifications_in(region=ctx.region).filter(department=subject.department)
    unanswered = Q(deadline__lt=end_day, replied_at__isnull=True) | Q(
        deadline__lt=end_day, replied_at__gte=period.end
    )
    late_in_period = Q(replied_at__gte=period.start, replied_at__lt=period.end)
    candidates = list(qs.filter(unanswered | late_in_period).select_related("rating__case"))
    late = [
        item
        for item in candidates
        if item.replied_at is None or item.replied_at >= period.end or item.replied_late
    ]
    records = [
        {
            "type": "rectification",
            "ref": item.rating.case.number,
            "label": str(_("deadline %(d)s") % {"d": item.deadline}),
        }
        for item in late[:REFS]
    ]
    return _count(len(late), records)


STAFF_KINDS = (SubjectKind.WINDOW_STAFF, SubjectKind.STATIONED_STAFF)
for _source in [
    Source(
        "cases_accepted",
        _("Cases accepted"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("accepted", _("accepted")),
        "cases",
    ),
    Source(
        "cases_issued",
        _("Results handed out"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("issued", _("handed out")),
        "cases",
    ),
    Source(
        "returns_to_window",
        _("Returned by the back office for short materials (clerk's errors)"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.DEDUCT,
        _returns,
        "cases",
    ),
    Source(
        "cases_decided",
        _("Cases decided"),
        (SubjectKind.STATIONED_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("decided", _("decided")),
        "cases",
    ),
    Source(
        "decided_on_time_rate",
        _("Decided within the time limit (rate)"),
        (SubjectKind.STATIONED_STAFF,),
        "rate",
        Rule.RATE,
        _on_time_rate("decided"),
        "cases",
    ),
    Source(
        "decided_late",
        _("Decided after the due date (count)"),
        (SubjectKind.STATIONED_STAFF,),
        "count",
        Rule.DEDUCT,
        _late_count("decided"),
        "cases",
    ),
    Source(
        "department_on_time_rate",
        _("Department's decisions within the time limit (rate)"),
        (SubjectKind.DEPARTMENT,),
        "rate",
        Rule.RATE,
        _on_time_rate("decided_by_department"),
        "cases",
    ),
    Source(
        "department_decided_late",
        _("Department's decisions after the due date (count)"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _late_count("decided_by_department"),
        "cases",
    ),
    Source(
        "ratings_good_rate",
        _("Applicants' good ratings (rate)"),
        (*STAFF_KINDS, SubjectKind.DEPARTMENT),
        "rate",
        Rule.RATE,
        _good_rate,
        "ratings",
    ),
    Source(
        "bad_ratings",
        _("Applicants' bad ratings (count)"),
        (*STAFF_KINDS, SubjectKind.DEPARTMENT),
        "count",
        Rule.DEDUCT,
        _bad_ratings,
        "ratings",
    ),
    Source(
        "rectifications_late",
        _("Bad-rating rectifications answered late or not at all"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _rectifications_late,
        "ratings",
    ),
]:
    register(_source)

# Sources the issue asks for whose data other apps are still building: registered when they land.
PENDING = {
    "reminders_received": _("Reminders received (supervision)"),
    "orders_received": _("Supervision orders received (supervision)"),
    "acknowledgment_delay": _("Delay in acknowledging reminders (supervision)"),
    "daily_evaluations": _("Daily evaluation entries (staffing)"),
}
