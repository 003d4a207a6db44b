"""The registry of computed indicators: each a function of (subjects, period) reading another app's
selectors, returning per subject the value and what it was computed from (the breakdown down to the
records: cases, ratings, reminders, orders, daily evaluations).

A source computes **all the subjects of a run at once**: its counts are one grouped query (`GROUP BY` the
person or department) and the records behind them one more (the first `REFS` of each subject, ranked in the
database with `ROW_NUMBER() OVER (PARTITION BY …)`), so a run's query count does not grow with the number of
subjects and a month over a million cases costs a handful of aggregate queries. A run shares one `Context`
between the kinds of subjects, so that a grouped query asked twice is read once (`ctx.memo`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.assessment.models import Rule, SubjectKind
from onewindow.assessment.periods import Period
from onewindow.cases import selectors as case_selectors
from onewindow.ratings import selectors as rating_selectors
from onewindow.staffing import selectors as staffing_selectors
from onewindow.staffing.models import DailyEvaluation
from onewindow.supervision import selectors as supervision_selectors
from onewindow.supervision.models import Reminder, SupervisionOrder

REFS = 100  # records kept in a score's basis; the count is always complete


@dataclass
class Measure:
    value: Decimal | None  # a count, hours or a rate in [0, 1]; None: nothing to measure (full points)
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
    unit: str  # "count" | "rate" | "hours"
    rule: str  # the default rule of a new indicator on this source
    compute: Callable  # (subjects, ctx) -> {subject: Measure}, one grouped query per figure
    origin: str  # the app whose selectors it reads


REGISTRY: dict[str, Source] = {}


def register(source: Source) -> None:
    REGISTRY[source.code] = source


def measure_all(code: str, subjects: list, ctx: Context) -> dict:
    """{subject: Measure} of every subject (a subject the records do not name measures 0)."""
    if not subjects:
        return {}
    return REGISTRY[code].compute(list(subjects), ctx)


def measure(code: str, subject, ctx: Context) -> Measure:
    return measure_all(code, [subject], ctx)[subject]


# -- helpers ----------------------------------------------------------------------------------------


def first_per(qs, who: str, order: str, fields: tuple[str, ...], ids, limit: int = REFS) -> dict:
    """{who: [row, …]}: the first `limit` rows of each `who` among `ids`, by `order` then id — one query,
    ranked in the database (ROW_NUMBER() OVER (PARTITION BY who ORDER BY order, id))."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rank = Window(RowNumber(), partition_by=[F(who)], order_by=[F(order).asc(), F("pk").asc()])
    rows = (
        qs.filter(**{f"{who}__in": ids})
        .annotate(_rank=rank)
        .filter(_rank__lte=limit)
        .order_by(who, order, "pk")
        .values_list(who, *fields)
    )
    out: dict = defaultdict(list)
    for row in rows:
        out[row[0]].append(row[1:])
    return out


def _count(n: int, records: list[dict], **extra) -> Measure:
    return Measure(Decimal(n), {"count": n, "records": records, "more": max(0, n - len(records)), **extra})


def _rate(numerator: int, denominator: int, records: list[dict], shown: int | None = None) -> Measure:
    value = (Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001")) if denominator else None
    total = denominator if shown is None else shown
    return Measure(
        value,
        {
            "numerator": numerator,
            "denominator": denominator,
            "records": records,
            "more": max(0, total - len(records)),
        },
    )


def _who(subject) -> int:
    """The id the records name a subject by: the person's user, or the department."""
    return subject.user_id if subject.staff else subject.department.pk


def _work(what: str, ctx: Context) -> dict:
    return ctx.memo(
        f"work:{what}",
        lambda: case_selectors.work_counts(
            what, region=ctx.region, start=ctx.period.start, end=ctx.period.end
        ),
    )


def _work_cases(what: str, ctx: Context):
    return case_selectors.work_cases(what, region=ctx.region, start=ctx.period.start, end=ctx.period.end)


def _case_records(rows, label) -> list[dict]:
    return [{"type": "case", "ref": number, "label": str(label)} for (number,) in rows]


# -- cases ------------------------------------------------------------------------------------------

WORK_ORDER = {
    "accepted": "accepted_at",
    "issued": "issued_at",
    "decided": "decided_at",
    "decided_by_department": "decided_at",
}


def _work_count(what: str, label):
    def compute(subjects, ctx):
        counts = _work(what, ctx)
        who_column = case_selectors.WORK[what][0]
        n = {s: counts.get(_who(s), {}).get("total", 0) for s in subjects}
        records = first_per(
            _work_cases(what, ctx),
            who_column,
            WORK_ORDER[what],
            ("number",),
            [_who(s) for s in subjects if n[s]],
        )
        return {s: _count(n[s], _case_records(records.get(_who(s), []), label)) for s in subjects}

    return compute


def _late_records(what: str, subjects, ctx) -> dict:
    counts = _work(what, ctx)
    who_column = case_selectors.WORK[what][0]
    ids = [_who(s) for s in subjects if counts.get(_who(s), {}).get("late")]
    late = _work_cases(what, ctx).filter(case_selectors.late_decision())
    return first_per(late, who_column, "decided_at", ("number",), ids)


def _on_time_rate(what: str):
    def compute(subjects, ctx):
        counts = _work(what, ctx)
        records = _late_records(what, subjects, ctx)
        out = {}
        for s in subjects:
            row = counts.get(_who(s), {"total": 0, "late": 0})
            refs = _case_records(records.get(_who(s), []), _("decided after the due date"))
            out[s] = _rate(row["total"] - row["late"], row["total"], refs, shown=row["late"])
        return out

    return compute


def _late_count(what: str):
    def compute(subjects, ctx):
        counts = _work(what, ctx)
        records = _late_records(what, subjects, ctx)
        return {
            s: _count(
                counts.get(_who(s), {}).get("late", 0),
                _case_records(records.get(_who(s), []), _("decided after the due date")),
            )
            for s in subjects
        }

    return compute


def _returns(subjects, ctx):
    period = ctx.period
    counts = ctx.memo(
        "returns",
        lambda: case_selectors.returns_per_clerk(region=ctx.region, start=period.start, end=period.end),
    )
    events = case_selectors.returns_to_window(region=ctx.region, start=period.start, end=period.end)
    records = first_per(
        events,
        "case__accepted_by_id",
        "at",
        ("case__number", "comment"),
        [s.user_id for s in subjects if counts.get(s.user_id)],
    )
    return {
        s: _count(
            counts.get(s.user_id, 0),
            [
                {"type": "case", "ref": number, "label": comment[:80]}
                for number, comment in records.get(s.user_id, [])
            ],
        )
        for s in subjects
    }


# -- ratings ----------------------------------------------------------------------------------------

RATING_ROLES = {
    SubjectKind.WINDOW_STAFF: ("clerk", "issuer"),
    SubjectKind.STATIONED_STAFF: ("approver",),
}
RATING_FIELDS = ("rated_at", "pk", "case__number", "level", "comment")


def _rating_sets(kind: str, ctx: Context) -> list[tuple[str, object]]:
    """(who column, ratings) pairs whose union holds each subject's ratings once: a rating names a person
    in several roles (clerk and issuer), so the later role leaves out the ratings the earlier one counted."""
    period = ctx.period
    qs = rating_selectors.ratings_in(region=ctx.region, date_from=period.first_day, date_to=period.last_day)
    if kind == SubjectKind.DEPARTMENT:
        return [("department_id", qs)]
    columns = [rating_selectors.STAFF_FIELDS[role] for role in RATING_ROLES[kind]]
    sets = []
    for n, column in enumerate(columns):
        part = qs
        for earlier in columns[:n]:
            part = part.exclude(**{earlier: F(column)})
        sets.append((column, part))
    return sets


def _rating_counts(kind: str, ctx: Context) -> dict:
    def build():
        out: dict = defaultdict(lambda: {"total": 0, "good": 0, "bad": 0})
        for column, qs in _rating_sets(kind, ctx):
            rows = (
                qs.exclude(**{f"{column}__isnull": True})
                .order_by()
                .values(column)
                .annotate(
                    total=Count("pk"),
                    good=Count("pk", filter=Q(grade="good")),
                    bad=Count("pk", filter=Q(grade="bad")),
                )
            )
            for row in rows:
                for key in ("total", "good", "bad"):
                    out[row[column]][key] += row[key]
        return dict(out)

    return ctx.memo(f"ratings:{kind}", build)


def _rating_records(kind: str, ctx: Context, condition: Q, ids) -> dict:
    """{who: [record, …]}: the first REFS ratings matching `condition` of each subject, by rating time."""
    merged: dict = defaultdict(list)
    for column, qs in _rating_sets(kind, ctx):
        for who, rows in first_per(qs.filter(condition), column, "rated_at", RATING_FIELDS, ids).items():
            merged[who].extend(rows)
    return {
        who: [
            {"type": "rating", "ref": number, "label": f"{level}★ {comment[:60]}"}
            for _at, _pk, number, level, comment in sorted(rows)[:REFS]
        ]
        for who, rows in merged.items()
    }


def _good_rate(subjects, ctx):
    kind = subjects[0].kind
    counts = _rating_counts(kind, ctx)
    empty = {"total": 0, "good": 0, "bad": 0}
    ids = [
        _who(s) for s in subjects if counts.get(_who(s), empty)["total"] > counts.get(_who(s), empty)["good"]
    ]
    records = _rating_records(kind, ctx, ~Q(grade="good"), ids)
    out = {}
    for s in subjects:
        row = counts.get(_who(s), empty)
        out[s] = _rate(row["good"], row["total"], records.get(_who(s), []), shown=row["total"] - row["good"])
    return out


def _bad_ratings(subjects, ctx):
    kind = subjects[0].kind
    counts = _rating_counts(kind, ctx)
    ids = [_who(s) for s in subjects if counts.get(_who(s), {}).get("bad")]
    records = _rating_records(kind, ctx, Q(grade="bad"), ids)
    return {s: _count(counts.get(_who(s), {}).get("bad", 0), records.get(_who(s), [])) for s in subjects}


def _rectifications_late(subjects, ctx):
    """差评 rectifications of the department unanswered past their deadline at the period's end, or
    answered after it within the period (the hall's day of the reply after the deadline)."""
    period = ctx.period
    end_day = period.last_day
    zone = timezone.get_current_timezone()
    unanswered = Q(deadline__lt=end_day) & (Q(replied_at__isnull=True) | Q(replied_at__gte=period.end))
    late_in_period = Q(replied_at__gte=period.start, replied_at__lt=period.end, replied_on__gt=F("deadline"))
    late = (
        rating_selectors.rectifications_in(region=ctx.region)
        .annotate(replied_on=TruncDate("replied_at", tzinfo=zone))
        .filter(unanswered | late_in_period)
    )
    ids = [s.department.pk for s in subjects]
    counts = {
        row["department_id"]: row["n"]
        for row in late.filter(department_id__in=ids)
        .order_by()
        .values("department_id")
        .annotate(n=Count("pk"))
    }
    records = first_per(
        late,
        "department_id",
        "deadline",
        ("rating__case__number", "deadline"),
        [i for i in ids if counts.get(i)],
    )
    return {
        s: _count(
            counts.get(s.department.pk, 0),
            [
                {"type": "rectification", "ref": number, "label": _("deadline %(d)s") % {"d": deadline}}
                for number, deadline in records.get(s.department.pk, [])
            ],
        )
        for s in subjects
    }


# -- supervision (reminders, acknowledgments, supervision orders) ------------------------------------


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _reminders(subjects, ctx):
    """Reminders (催办) sent to the department in the period, acknowledged or not."""
    period = ctx.period
    figures = supervision_selectors.reminders_received(
        start=period.first_day, end=period.last_day, region=ctx.region
    )
    sent = Reminder.objects.filter(region=ctx.region, at__gte=period.start, at__lt=period.end)
    n = {s: figures.get(s.department.code, {}).get("received", 0) for s in subjects}
    records = first_per(
        sent,
        "department_id",
        "at",
        ("pk", "case__number", "at", "acknowledged_at", "escalated_at"),
        [s.department.pk for s in subjects if n[s]],
    )

    def label(at, acknowledged_at, escalated_at) -> str:
        words = [_("sent %(at)s") % {"at": _local(at)}]
        if acknowledged_at:
            words.append(_("acknowledged %(at)s") % {"at": _local(acknowledged_at)})
        else:
            words.append(_("not acknowledged"))
        if escalated_at:
            words.append(_("escalated"))
        return "，".join(words)

    return {
        s: _count(
            n[s],
            [
                {"type": "reminder", "ref": number or _("all late cases"), "id": pk, "label": label(*rest)}
                for pk, number, *rest in records.get(s.department.pk, [])
            ],
            acknowledged=figures.get(s.department.code, {}).get("acknowledged", 0),
            escalated=figures.get(s.department.code, {}).get("escalated", 0),
        )
        for s in subjects
    }


def _orders(subjects, ctx):
    """Supervision orders (督办) issued to the department in the period."""
    period = ctx.period
    figures = supervision_selectors.orders_per_department(
        start=period.first_day, end=period.last_day, region=ctx.region
    )
    issued = SupervisionOrder.objects.filter(
        region=ctx.region, issued_at__gte=period.start, issued_at__lt=period.end
    )
    n = {s: figures.get(s.department.code, {}).get("issued", 0) for s in subjects}
    records = first_per(
        issued,
        "department_id",
        "issued_at",
        ("pk", "number", "case__number", "issued_at", "status"),
        [s.department.pk for s in subjects if n[s]],
    )
    return {
        s: _count(
            n[s],
            [
                {
                    "type": "order",
                    "ref": number,
                    "id": pk,
                    "label": _("case %(case)s, issued %(at)s") % {"case": case, "at": _local(at)},
                }
                for pk, number, case, at, _status in records.get(s.department.pk, [])
            ],
            explained_late=figures.get(s.department.code, {}).get("explained_late", 0),
        )
        for s in subjects
    }


def _acknowledgment_delay(subjects, ctx):
    """The mean delay, in working hours, of the department's acknowledgments made in the period (each
    reminder's delay as stored at acknowledgment: hall hours on working days). None: nothing acknowledged."""
    period = ctx.period
    figures = supervision_selectors.acknowledgment_delays(
        start=period.first_day, end=period.last_day, region=ctx.region
    )
    answered = Reminder.objects.filter(
        region=ctx.region, acknowledged_at__gte=period.start, acknowledged_at__lt=period.end
    )
    records = first_per(
        answered,
        "department_id",
        "acknowledged_at",
        ("pk", "case__number", "at", "delay_minutes"),
        [s.department.pk for s in subjects if s.department.code in figures],
    )
    out = {}
    for s in subjects:
        row = figures.get(s.department.code)
        refs = [
            {
                "type": "reminder",
                "ref": number or _("all late cases"),
                "id": pk,
                "label": _("sent %(at)s, acknowledged after %(h)s working hours")
                % {"at": _local(at), "h": round((minutes or 0) / 60, 1)},
            }
            for pk, number, at, minutes in records.get(s.department.pk, [])
        ]
        if not row:
            out[s] = Measure(None, {"count": 0, "hours": None, "records": [], "more": 0})
            continue
        out[s] = Measure(
            Decimal(str(row["average_hours"])),
            {
                "count": row["count"],
                "hours": row["average_hours"],
                "max_hours": row["max_hours"],
                "records": refs,
                "more": max(0, row["count"] - len(refs)),
            },
        )
    return out


# -- staffing (daily evaluations, 日常考评) ------------------------------------------------------------

# The marks a day's entry adds to the month's count (docs/rules.md rule 20): a late arrival, a minor breach,
# poor conduct or a complaint 1 each, an absence 2, a serious breach 3; present, on leave, good, fair,
# none and praise 0.
ADVERSE = {
    "attendance": {"late": 1, "absent": 2},
    "discipline": {"minor": 1, "serious": 3},
    "conduct": {"poor": 1},
    "feedback": {"complaint": 1},
}
ADVERSE_ENTRY = (
    Q(attendance__in=list(ADVERSE["attendance"]))
    | Q(discipline__in=list(ADVERSE["discipline"]))
    | Q(conduct__in=list(ADVERSE["conduct"]))
    | Q(feedback__in=list(ADVERSE["feedback"]))
)


def marks(summary_row: dict) -> int:
    """The adverse marks of a month's evaluation summary (staffing.selectors.monthly_evaluation_summary)."""
    return sum(
        weight * summary_row.get(field, {}).get(value, 0)
        for field, weights in ADVERSE.items()
        for value, weight in weights.items()
    )


def _daily_evaluations(subjects, ctx):
    period = ctx.period
    if not period.month:  # the year's part is the months' scores
        return {s: Measure(None, {"count": 0, "records": [], "more": 0}) for s in subjects}
    summary = ctx.memo(
        "evaluations",
        lambda: {
            row["staff"].pk: row
            for row in staffing_selectors.monthly_evaluation_summary(period=str(period), region=ctx.region)
        },
    )
    entries = DailyEvaluation.objects.filter(
        region=ctx.region, day__gte=period.first_day, day__lte=period.last_day
    ).filter(ADVERSE_ENTRY)
    n = {s: marks(summary[s.staff.pk]) if s.staff.pk in summary else 0 for s in subjects}
    records = first_per(
        entries,
        "staff_id",
        "day",
        ("day", "attendance", "discipline", "conduct", "feedback"),
        [s.staff.pk for s in subjects if n[s]],
    )
    labels = {
        "attendance": dict(DailyEvaluation._meta.get_field("attendance").choices),
        "discipline": dict(DailyEvaluation._meta.get_field("discipline").choices),
        "conduct": dict(DailyEvaluation._meta.get_field("conduct").choices),
        "feedback": dict(DailyEvaluation._meta.get_field("feedback").choices),
    }

    def label(values: dict) -> str:
        return "，".join(str(labels[name][value]) for name, value in values.items() if value in ADVERSE[name])

    out = {}
    for s in subjects:
        row = summary.get(s.staff.pk)
        refs = [
            {
                "type": "evaluation",
                "ref": day.isoformat(),
                "label": label({"attendance": att, "discipline": dis, "conduct": con, "feedback": fee}),
            }
            for day, att, dis, con, fee in records.get(s.staff.pk, [])
        ]
        # Every adverse entry of a month is listed (at most 31 a person): the count is of marks, not entries.
        out[s] = Measure(
            Decimal(n[s]), {"count": n[s], "days": row["days"] if row else 0, "records": refs, "more": 0}
        )
    return out


STAFF_KINDS = (SubjectKind.WINDOW_STAFF, SubjectKind.STATIONED_STAFF)
for _source in [
    Source(
        "cases_accepted",
        gettext_lazy("Cases accepted"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("accepted", gettext_lazy("accepted")),
        "cases",
    ),
    Source(
        "cases_issued",
        gettext_lazy("Results handed out"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("issued", gettext_lazy("handed out")),
        "cases",
    ),
    Source(
        "returns_to_window",
        gettext_lazy("Returned by the back office for short materials (clerk's errors)"),
        (SubjectKind.WINDOW_STAFF,),
        "count",
        Rule.DEDUCT,
        _returns,
        "cases",
    ),
    Source(
        "cases_decided",
        gettext_lazy("Cases decided"),
        (SubjectKind.STATIONED_STAFF,),
        "count",
        Rule.TARGET,
        _work_count("decided", gettext_lazy("decided")),
        "cases",
    ),
    Source(
        "decided_on_time_rate",
        gettext_lazy("Decided within the time limit (rate)"),
        (SubjectKind.STATIONED_STAFF,),
        "rate",
        Rule.RATE,
        _on_time_rate("decided"),
        "cases",
    ),
    Source(
        "decided_late",
        gettext_lazy("Decided after the due date (count)"),
        (SubjectKind.STATIONED_STAFF,),
        "count",
        Rule.DEDUCT,
        _late_count("decided"),
        "cases",
    ),
    Source(
        "department_on_time_rate",
        gettext_lazy("Department's decisions within the time limit (rate)"),
        (SubjectKind.DEPARTMENT,),
        "rate",
        Rule.RATE,
        _on_time_rate("decided_by_department"),
        "cases",
    ),
    Source(
        "department_decided_late",
        gettext_lazy("Department's decisions after the due date (count)"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _late_count("decided_by_department"),
        "cases",
    ),
    Source(
        "ratings_good_rate",
        gettext_lazy("Applicants' good ratings (rate)"),
        (*STAFF_KINDS, SubjectKind.DEPARTMENT),
        "rate",
        Rule.RATE,
        _good_rate,
        "ratings",
    ),
    Source(
        "bad_ratings",
        gettext_lazy("Applicants' bad ratings (count)"),
        (*STAFF_KINDS, SubjectKind.DEPARTMENT),
        "count",
        Rule.DEDUCT,
        _bad_ratings,
        "ratings",
    ),
    Source(
        "rectifications_late",
        gettext_lazy("Bad-rating rectifications answered late or not at all"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _rectifications_late,
        "ratings",
    ),
    Source(
        "reminders_received",
        gettext_lazy("Reminders received (supervision)"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _reminders,
        "supervision",
    ),
    Source(
        "orders_received",
        gettext_lazy("Supervision orders received (supervision)"),
        (SubjectKind.DEPARTMENT,),
        "count",
        Rule.DEDUCT,
        _orders,
        "supervision",
    ),
    Source(
        "acknowledgment_delay",
        gettext_lazy("Delay in acknowledging reminders (working hours, mean)"),
        (SubjectKind.DEPARTMENT,),
        "hours",
        Rule.DEDUCT,
        _acknowledgment_delay,
        "supervision",
    ),
    Source(
        "daily_evaluations",
        gettext_lazy("Adverse marks in the daily evaluations (staffing)"),
        STAFF_KINDS,
        "count",
        Rule.DEDUCT,
        _daily_evaluations,
        "staffing",
    ),
]:
    register(_source)

# Sources the issue asks for whose data other apps are still building: registered when they land.
PENDING: dict[str, object] = {}
