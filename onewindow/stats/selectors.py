"""Reads of the statistics: the figures of a date range grouped by department, sub-item, window, staff
member or month, from the roll-ups (whole months from the monthly table, the days at the edges from the
case figures, by their indexed days), in the caller's scope; and the lobby screen's aggregates.

`case_statistics(user, …)` is the scoped entry point (the API, the pages, the export);
`figures(region_id=…, …)` the unscoped one that benchmarks and the assessment call directly.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors as case_selectors
from onewindow.cases.models import Case
from onewindow.catalogue.models import SubItem
from onewindow.core import clock
from onewindow.core.errors import InvalidInput, PermissionDenied, RuleViolation
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Window
from onewindow.stats import sql
from onewindow.stats.models import COUNTERS, MonthlyFigures, MonthlySubItemFigures

BY = ("department", "subitem", "window", "staff", "month")
# The roll-up column each grouping reads.
GROUP_COLUMN = {
    "department": "department_id",
    "subitem": "subitem_id",
    "window": "window_id",
    "staff": "staff_id",
    "month": "month",
}
# The dates a range may span (the hall's records; far beyond any real use, low enough to stay valid).
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
# Every figure of a row, in the order the tables and the export show them.
FIGURES = (
    "accepted",
    "completed",
    "issued",
    "on_time",
    "overdue",
    "on_time_rate",
    "avg_working_days",
    "supplements",
    "rejections",
    "withdrawals",
    "deferral_expired",
    "suspensions",
    "extensions",
    "open_overdue",
)


@dataclass(frozen=True)
class Scope:
    """Whose figures a caller may read: a region, and one department or all (None)."""

    region_id: int
    department_id: int | None


def scope_for(user) -> Scope:
    """The supervisor (the Data Bureau) reads the region's statistics, a department head their own
    department's; everyone else is refused with the reason (403)."""
    staff = getattr(user, "staff", None)
    if staff is not None and r.has_role(user, r.SUPERVISOR):
        return Scope(region_id=staff.organisation.region_id, department_id=None)
    if staff is not None and r.has_role(user, r.DEPARTMENT_HEAD):
        return Scope(region_id=staff.organisation.region_id, department_id=staff.organisation_id)
    raise PermissionDenied(
        _(
            "Statistics are for the Data Bureau's supervisors, and for department heads about their own department."
        ),
        code="stats.role_forbidden",
    )


def _invalid(field: str, message: str):
    raise InvalidInput(message, code=f"stats.invalid_{field}", errors={field: [message]})


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """This year through today."""
    today = today or clock.today()
    return today.replace(month=1, day=1), today


def _parse(value, field: str) -> dt.date | None:
    if value is None or value == "" or isinstance(value, dt.date):
        return value or None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        _invalid(field, _("A date as YYYY-MM-DD."))


def check_range(date_from, date_to) -> tuple[dt.date, dt.date]:
    """The range asked for (dates or YYYY-MM-DD), defaulted and bounded (400 naming the field otherwise)."""
    first, last = default_range()
    date_from = _parse(date_from, "from") or first
    date_to = _parse(date_to, "to") or last
    for field, value in (("from", date_from), ("to", date_to)):
        if not EARLIEST <= value <= LATEST:
            _invalid(
                field,
                _("A date from %(first)s to %(last)s.")
                % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
            )
    if date_from > date_to:
        message = _("The end of the range is before its start.")
        raise RuleViolation(message, code="stats.range_reversed", errors={"to": [message]})
    return date_from, date_to


def _month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def split_range(date_from: dt.date, date_to: dt.date) -> tuple[tuple[dt.date, dt.date] | None, list]:
    """(first and last whole month, or None; the day ranges at the edges) of [date_from, date_to]."""
    first_whole = date_from if date_from.day == 1 else _next_month(date_from)
    last_whole = (
        date_to.replace(day=1)
        if date_to == _month_end(date_to)
        else date_to.replace(day=1) - dt.timedelta(days=1)
    )
    last_whole = last_whole.replace(day=1)
    if first_whole > last_whole:
        return None, [(date_from, date_to)]
    edges = []
    if date_from < first_whole:
        edges.append((date_from, first_whole - dt.timedelta(days=1)))
    if _month_end(last_whole) < date_to:
        edges.append((_next_month(last_whole), date_to))
    return (first_whole, last_whole), edges


def _sums(qs, column: str) -> dict:
    rows = qs.values(column).annotate(**{f"s_{c}": Sum(c) for c in COUNTERS}).order_by()
    return {row[column]: {c: row[f"s_{c}"] or 0 for c in COUNTERS} for row in rows}


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _edge_sums(
    region_id: int, start: dt.date, end: dt.date, by: str, department_id: int | None, subitem_id: int | None
) -> dict:
    """The sums of [start, end] (days of one month) per key, from the case figures (sql.contributions)."""
    condition, params = "region_id = %s AND {day} >= %s AND {day} <= %s", [region_id, start, end]
    if department_id is not None:
        condition, params = condition + " AND department_id = %s", [*params, department_id]
    if subitem_id is not None:
        condition, params = condition + " AND subitem_id = %s", [*params, subitem_id]
    union, parts = sql.contributions(condition)
    key = "day" if by == "month" else GROUP_COLUMN[by]
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key}, {sums} FROM ({union}) x GROUP BY {key}", params * parts)
        found = cursor.fetchall()
    result: dict = {}
    for row in found:
        k = _as_date(row[0]).replace(day=1) if by == "month" else row[0]
        _merge(result, {k: {c: int(v or 0) for c, v in zip(COUNTERS, row[1:], strict=True)}})
    return result


def _merge(into: dict, more: dict) -> None:
    for key, counts in more.items():
        target = into.setdefault(key, dict.fromkeys(COUNTERS, 0))
        for name, value in counts.items():
            target[name] += value


def _live_overdue(region_id: int, by: str, department_id: int | None, subitem_id: int | None) -> dict:
    """Open cases past their due date right now (the live figure, from the cases' indexed due dates),
    per key: the department working the case now, its sub-item, receiving window, the approver who
    claimed it."""
    if by == "month":
        return {}
    qs = case_selectors.open_cases_by_index(region=region_id).filter(
        case_selectors.level_condition(case_clock.OVERDUE)
    )
    if department_id is not None:
        qs = qs.of_department(Organisation(pk=department_id))
    if subitem_id is not None:
        qs = qs.filter(subitem_id=subitem_id)
    column = {
        "department": "department_id_now",
        "subitem": "subitem_id",
        "window": "window_id",
        "staff": "claimed_by_id",
    }[by]
    if by == "department":
        qs = qs.with_department()
    return {row[column] or 0: row["n"] for row in qs.values(column).annotate(n=Count("pk")).order_by()}


def figures(
    *,
    region_id: int,
    date_from: dt.date,
    date_to: dt.date,
    by: str = "department",
    department_id: int | None = None,
    subitem_id: int | None = None,
    live: bool = True,
) -> list[dict]:
    """The rows of the statistics (docs/rules.md rule 15), unscoped: [{key, name, accepted, completed,
    on_time, overdue, on_time_rate, avg_working_days, supplements, rejections, withdrawals,
    deferral_expired, suspensions, extensions, working_days, open_overdue}], ordered by key."""
    if by not in BY:
        _invalid("by", _("One of: %(values)s") % {"values": ", ".join(BY)})
    column = GROUP_COLUMN[by]
    condition = Q(region_id=region_id)
    if department_id is not None:
        condition &= Q(department_id=department_id)
    if subitem_id is not None:
        condition &= Q(subitem_id=subitem_id)
    whole, edges = split_range(date_from, date_to)
    totals: dict = {}
    if whole is not None:
        # By department, sub-item or month the small per-sub-item roll-up holds every figure.
        table = MonthlyFigures if by in ("window", "staff") else MonthlySubItemFigures
        months = table.objects.filter(condition, month__gte=whole[0], month__lte=whole[1])
        _merge(totals, _sums(months, column))
    for start, end in edges:
        _merge(totals, _edge_sums(region_id, start, end, by, department_id, subitem_id))
    overdue_now = _live_overdue(region_id, by, department_id, subitem_id) if live else {}
    keys = {k for k, counts in totals.items() if any(counts.values())} | {
        k for k, n in overdue_now.items() if n
    }
    labels = _labels(by, keys)
    rows = []
    for k in keys:
        counts = totals.get(k) or dict.fromkeys(COUNTERS, 0)
        key, name, order = labels[k]
        rows.append(
            {
                "key": key,
                "name": name,
                **row_figures(counts),
                "open_overdue": overdue_now.get(k, 0),
                "_order": order,
            }
        )
    rows.sort(key=lambda row: row.pop("_order"))
    return rows


def row_figures(counts: dict) -> dict:
    """The counters of a row and the two figures derived from them (rule 15): the on-time rate of the
    completed cases and their average working days (None when nothing was completed)."""
    completed = counts["completed"]
    return {
        **{c: counts[c] for c in COUNTERS},
        "on_time_rate": round(counts["on_time"] / completed, 4) if completed else None,
        "avg_working_days": round(counts["working_days"] / completed, 2) if completed else None,
    }


def totals(rows: list[dict]) -> dict:
    """The sum of the rows (each contribution of a case sits under exactly one key of a grouping)."""
    counts = {c: sum(row[c] for row in rows) for c in COUNTERS}
    return {**row_figures(counts), "open_overdue": sum(row["open_overdue"] for row in rows)}


def _labels(by: str, keys: set) -> dict:
    """{roll-up id: (key, name, sort order)}; id 0 is "not recorded" and sorts last."""
    none = (None, _("At the window (no department)") if by == "department" else _("Not recorded"), (1,))
    found = {}
    ids = {k for k in keys if k}
    if by == "department":
        for o in Organisation.objects.filter(pk__in=ids):
            found[o.pk] = (o.code, o.name, (0, o.sort_order, o.code))
    elif by == "subitem":
        for s in SubItem.objects.filter(pk__in=ids):
            found[s.pk] = (s.code, s.name, (0, s.code))
    elif by == "window":
        for w in Window.objects.filter(pk__in=ids):
            found[w.pk] = (w.number, _("Window %(number)s") % {"number": w.number}, (0, w.number))
    elif by == "staff":
        for u in get_user_model().objects.filter(pk__in=ids).select_related("staff"):
            staff = getattr(u, "staff", None)
            found[u.pk] = (u.username, staff.full_name if staff else u.username, (0, u.username))
    else:
        for month in keys:
            found[month] = (
                f"{month:%Y-%m}",
                _("%(year)s-%(month)02d") % {"year": month.year, "month": month.month},
                (0, month),
            )
    return {k: found.get(k, none) for k in keys}


def _resolve(scope: Scope, department: str | None, subitem: str | None) -> tuple[int | None, int | None]:
    department_id = scope.department_id
    if department:
        found = Organisation.objects.filter(code=department, region_id=scope.region_id).first()
        if found is None:
            message = _("Unknown department %(code)s.") % {"code": department}
            raise RuleViolation(message, code="stats.unknown_department", errors={"department": [message]})
        if scope.department_id is not None and found.pk != scope.department_id:
            raise PermissionDenied(
                _("A department head sees the statistics of their own department only."),
                code="stats.other_department",
            )
        department_id = found.pk
    subitem_id = None
    if subitem:
        found = SubItem.objects.filter(code=subitem, region_id=scope.region_id).first()
        if found is None:
            message = _("Unknown sub-item %(code)s.") % {"code": subitem}
            raise RuleViolation(message, code="stats.unknown_subitem", errors={"subitem": [message]})
        subitem_id = found.pk
    return department_id, subitem_id


def case_statistics(
    user,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    by: str = "department",
    department: str | None = None,
    subitem: str | None = None,
) -> list[dict]:
    """GET /stats/cases: the figures of [date_from, date_to] grouped `by`, in the caller's scope (403
    outside the two roles, 403 for another department's head), with the `department` and `subitem`
    filters (codes; unknown ones are 400)."""
    scope = scope_for(user)
    if by not in BY:
        _invalid("by", _("One of: %(values)s") % {"values": ", ".join(BY)})
    date_from, date_to = check_range(date_from, date_to)
    department_id, subitem_id = _resolve(scope, department, subitem)
    return figures(
        region_id=scope.region_id,
        date_from=date_from,
        date_to=date_to,
        by=by,
        department_id=department_id,
        subitem_id=subitem_id,
    )


# --------------------------------------------------------------------------------------------------
# The statistics page and its export: the chosen table and the two tables the charts draw
# --------------------------------------------------------------------------------------------------


@dataclass
class Tables:
    """What the page shows and the workbook holds, read once: the same numbers in both."""

    date_from: dt.date
    date_to: dt.date
    by: str
    department: str | None
    subitem: str | None
    rows: list[dict]
    by_month: list[dict]
    by_department: list[dict]

    @property
    def total(self) -> dict:
        return totals(self.rows)


def page_tables(
    user, *, date_from=None, date_to=None, by="department", department=None, subitem=None
) -> Tables:
    """The statistics of the page: the rows grouped `by`, and by month and by department for the charts
    (acceptances and completions per month, the on-time rate per department), in the caller's scope."""
    scope = scope_for(user)
    if by not in BY:
        _invalid("by", _("One of: %(values)s") % {"values": ", ".join(BY)})
    date_from, date_to = check_range(date_from, date_to)
    department_id, subitem_id = _resolve(scope, department or None, subitem or None)
    common = {
        "region_id": scope.region_id,
        "date_from": date_from,
        "date_to": date_to,
        "department_id": department_id,
        "subitem_id": subitem_id,
    }
    rows = figures(by=by, **common)
    by_month = rows if by == "month" else figures(by="month", **common)
    by_department = rows if by == "department" else figures(by="department", **common)
    return Tables(date_from, date_to, by, department or None, subitem or None, rows, by_month, by_department)


# --------------------------------------------------------------------------------------------------
# The lobby screen (大厅大屏): aggregates only, no login
# --------------------------------------------------------------------------------------------------

# Accepted and not ended: with the department, or decided and waiting for issuance.
IN_PROGRESS = ("accepted", "in_review", "suspended", "decided", "result_ready")


def _rate(on_time: int, completed: int) -> float | None:
    return round(on_time / completed, 4) if completed else None


def lobby_figures(region) -> dict:
    """Today's figures of the hall for the big screen: accepted today, in progress, issued today, the
    on-time rate this month, and the same per department. Aggregates only — no case, no person."""
    today = clock.today()
    month = today.replace(day=1)
    day_rows = _edge_sums(region.pk, today, today, "department", None, None)
    month_rows = _sums(MonthlySubItemFigures.objects.filter(region=region, month=month), "department_id")
    open_rows = {
        row["department_id_now"]: row["n"]
        for row in Case.objects.filter(region=region, status__in=IN_PROGRESS)
        .with_department()
        .values("department_id_now")
        .annotate(n=Count("pk"))
        .order_by()
    }
    ids = {k for k in (*day_rows, *month_rows, *open_rows) if k}
    departments = Organisation.objects.filter(pk__in=ids).order_by("sort_order", "code")
    zero = dict.fromkeys(COUNTERS, 0)
    per_department = []
    for o in departments:
        d, m = day_rows.get(o.pk, zero), month_rows.get(o.pk, zero)
        per_department.append(
            {
                "name": o.short_name or o.name,
                "accepted_today": d["accepted"],
                "in_progress": open_rows.get(o.pk, 0),
                "issued_today": d["issued"],
                "on_time_rate_month": _rate(m["on_time"], m["completed"]),
            }
        )
    day_total = {c: sum(v[c] for v in day_rows.values()) for c in COUNTERS}
    month_total = {c: sum(v[c] for v in month_rows.values()) for c in COUNTERS}
    return {
        "date": today,
        "updated_at": clock.now(),
        "accepted_today": day_total["accepted"],
        "in_progress": sum(open_rows.values()),
        "issued_today": day_total["issued"],
        "on_time_rate_month": _rate(month_total["on_time"], month_total["completed"]),
        "departments": per_department,
    }


def lobby_region(code: str | None = None):
    """The hall's region (the first, or the one named by `code`); None when there is none."""
    from onewindow.org.models import Region

    regions = Region.objects.order_by("pk")
    if code:
        return regions.filter(code=str(code)[:12]).first()
    return regions.first()
