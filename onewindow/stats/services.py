"""Writes of the statistics: keeping the roll-ups in step with every case change, and rebuilding them.

- `record_case_event(case, event)` is registered with `cases.hooks.on_case_event`: inside the case
  change's transaction it recomputes the case's figures (onewindow.stats.figures), takes the old
  contribution out of the daily and monthly roll-ups and puts the new one in (atomic upserts).
- `rebuild(since=None)` recomputes everything from the cases tables with set-based SQL
  (INSERT … SELECT … GROUP BY, the same on SQLite and PostgreSQL): what the bulk generator calls after
  loading, and what repairs the roll-ups after a calendar change. Never a case loaded into Python.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict

from django.conf import settings
from django.db import connection, transaction

from onewindow.cases.models import Case
from onewindow.org.models import Region
from onewindow.stats import figures
from onewindow.stats.models import (
    COUNTERS,
    DIMENSIONS,
    CaseFigures,
    DailyFigures,
    MonthlyFigures,
    WorkdayRank,
)
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

logger = logging.getLogger(__name__)

DAILY = DailyFigures._meta.db_table
MONTHLY = MonthlyFigures._meta.db_table
FACTS = CaseFigures._meta.db_table
RANKS = WorkdayRank._meta.db_table


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --------------------------------------------------------------------------------------------------
# Incremental: one case change
# --------------------------------------------------------------------------------------------------


def record_case_event(case: Case, event) -> None:
    """`cases.hooks.on_case_event` listener: the case's figures after this event, in its transaction."""
    stored = CaseFigures.objects.filter(case_id=case.pk).first()
    supplemented = None
    if stored is not None and stored.supplemented:
        supplemented = True  # a supplement once asked stays asked
    elif event is not None and event.action in figures.SUPPLEMENT_ACTIONS:
        supplemented = True
    elif stored is not None:
        supplemented = False  # the only way it becomes true is an event this listener sees
    new = figures.facts(case, supplemented=supplemented)
    old = _facts_of(stored) if stored is not None else None
    if old == new:
        return
    deltas: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for sign, f in ((-1, old), (1, new)):
        if f is None:
            continue
        for day, staff, counts in figures.contributions(f):
            key = (f.region_id, day, f.department_id, f.subitem_id, f.window_id, staff)
            for name, amount in counts.items():
                deltas[key][name] += sign * amount
    for key, counts in deltas.items():
        if any(counts.values()):
            _add(key, counts)
    values = new.as_dict()
    if stored is None:
        CaseFigures.objects.create(case_id=case.pk, **values)
    else:
        CaseFigures.objects.filter(case_id=case.pk).update(**values)


def _facts_of(row: CaseFigures) -> figures.Facts:
    return figures.Facts(**{name: getattr(row, name) for name in figures.Facts.__dataclass_fields__})


def _upsert_sql(table: str, period_columns: tuple[str, ...]) -> str:
    q = connection.ops.quote_name
    keys = ("region_id", *period_columns[:1], *DIMENSIONS)
    columns = ("region_id", *period_columns, *DIMENSIONS, *COUNTERS)
    updates = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in COUNTERS)
    return (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({', '.join(q(c) for c in keys)}) DO UPDATE SET {updates}"
    )


def _add(key: tuple, counts: dict[str, int]) -> None:
    """Add `counts` (which may be negative) to the day's and the month's row of `key`: one atomic
    statement each, so concurrent case changes of one key never lose an update."""
    region_id, day, *dims = key
    amounts = [counts[c] for c in COUNTERS]
    with connection.cursor() as cursor:
        cursor.execute(_upsert_sql(DAILY, ("day", "month")), [region_id, day, _month(day), *dims, *amounts])
        cursor.execute(_upsert_sql(MONTHLY, ("month",)), [region_id, _month(day), *dims, *amounts])


# --------------------------------------------------------------------------------------------------
# Set-based: rebuild from the cases tables
# --------------------------------------------------------------------------------------------------


def refresh_workday_ranks() -> int:
    """Write the working-day calendar of every region as ranks (WorkdayRank); returns the rows written."""
    WorkdayRank.objects.all().delete()
    rows = []
    for region in Region.objects.all():
        rank = 0
        for year in sorted(arithmetic.known_years(region=region)):
            day = dt.date(year, 1, 1)
            while day.year == year:
                try:
                    if arithmetic.is_workday(day, region=region):
                        rank += 1
                except CalendarMissing:  # pragma: no cover - known_years says it has a schedule
                    break
                rows.append(WorkdayRank(region=region, day=day, rank=rank))
                day += dt.timedelta(days=1)
    WorkdayRank.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


_ZONE = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def _local_date(column: str) -> str:
    """SQL of the hall's local date of a time column (rule 12), on either engine."""
    zone = settings.TIME_ZONE
    if not _ZONE.match(zone):  # pragma: no cover - settings are ours
        raise ValueError(zone)
    sql, params = connection.ops.datetime_cast_date_sql(column, (), zone)
    return sql % tuple(f"'{p}'" for p in params)


def _month_of(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _facts_sql(changed_since: bool) -> str:
    """INSERT … SELECT of CaseFigures: figures.facts over every case (or those changed since %s)."""
    lit = ", ".join(f"'{a}'" for a in figures.SUPPLEMENT_ACTIONS)
    where = "WHERE c.updated_at >= %s" if changed_since else ""
    closures = ", ".join(f"'{c}'" for c in figures.CLOSURE_COUNTERS)
    return f"""
INSERT INTO {FACTS} (case_id, region_id, department_id, subitem_id, window_id, received_by, accepted_by,
    decided_by, issued_by, received_on, accepted_on, decided_on, issued_on, ended_on, closure, on_time, working_days,
    supplemented, suspended, extended)
SELECT b.case_id, b.region_id, b.department_id, b.subitem_id, b.window_id, b.received_by, b.accepted_by,
    b.decided_by, b.issued_by, b.received_on, b.accepted_on, b.decided_on, b.issued_on, b.ended_on, b.closure,
    CASE WHEN b.decided_on IS NOT NULL AND (b.due_date IS NULL OR b.decided_on <= b.due_date)
         THEN TRUE ELSE FALSE END,
    CASE WHEN b.decided_on IS NULL OR b.due_date IS NULL OR rd.rank IS NULL OR ru.rank IS NULL THEN 0
         WHEN b.allowed + rd.rank - ru.rank < 0 THEN 0
         ELSE b.allowed + rd.rank - ru.rank END,
    b.supplemented, b.suspended, b.extended
FROM (
    SELECT c.id AS case_id, c.region_id AS region_id,
        COALESCE(c.decided_department_id,
            CASE WHEN c.accepted_at IS NOT NULL THEN c.authority_id END, 0) AS department_id,
        c.subitem_id AS subitem_id, COALESCE(c.window_id, 0) AS window_id,
        c.created_by_id AS received_by, COALESCE(c.accepted_by_id, 0) AS accepted_by,
        COALESCE(c.decided_by_id, 0) AS decided_by, COALESCE(c.issued_by_id, 0) AS issued_by,
        {_local_date("c.received_at")} AS received_on,
        {_local_date("c.accepted_at")} AS accepted_on,
        {_local_date("c.decided_at")} AS decided_on,
        {_local_date("c.issued_at")} AS issued_on,
        CASE WHEN c.closure IN ({closures}) THEN {_local_date("c.ended_at")} END AS ended_on,
        c.closure AS closure, c.due_date AS due_date,
        g.promised_days + COALESCE(ext.days, 0) AS allowed,
        CASE WHEN sup.case_id IS NULL THEN FALSE ELSE TRUE END AS supplemented,
        CASE WHEN sus.case_id IS NULL THEN FALSE ELSE TRUE END AS suspended,
        CASE WHEN ext.case_id IS NULL THEN FALSE ELSE TRUE END AS extended
    FROM cases_case c
    JOIN catalogue_serviceguide g ON g.id = c.guide_id
    LEFT JOIN (
        SELECT e.case_id AS case_id, SUM(e.days) AS days FROM cases_extension e
        JOIN cases_case ce ON ce.id = e.case_id
        WHERE ce.accepted_at IS NOT NULL AND e.granted_at >= ce.accepted_at GROUP BY e.case_id
    ) ext ON ext.case_id = c.id
    LEFT JOIN (
        SELECT DISTINCT s.case_id AS case_id FROM cases_suspension s
        JOIN cases_case cs ON cs.id = s.case_id
        WHERE cs.accepted_at IS NOT NULL AND s.started_at >= cs.accepted_at
    ) sus ON sus.case_id = c.id
    LEFT JOIN (
        SELECT DISTINCT ev.case_id AS case_id FROM cases_caseevent ev WHERE ev.action IN ({lit})
    ) sup ON sup.case_id = c.id
    {where}
) b
LEFT JOIN {RANKS} rd ON rd.region_id = b.region_id AND rd.day = b.decided_on
LEFT JOIN {RANKS} ru ON ru.region_id = b.region_id AND ru.day = b.due_date
"""


def _daily_sql(from_day: bool) -> str:
    """INSERT … SELECT … GROUP BY of DailyFigures: figures.contributions over CaseFigures."""
    zeros = dict.fromkeys(COUNTERS, "0")
    since = " AND {day} >= %s" if from_day else ""

    def part(day: str, staff: str, condition: str, **counters: str) -> str:
        values = {**zeros, **counters}
        return (
            f"SELECT region_id, {day} AS day, department_id, subitem_id, window_id, {staff} AS staff_id, "
            + ", ".join(f"{values[c]} AS {c}" for c in COUNTERS)
            + f" FROM {FACTS} WHERE {condition}"
            + since.format(day=day)
        )

    yes = "CASE WHEN {} THEN 1 ELSE 0 END".format
    parts = [
        part("accepted_on", "accepted_by", "accepted_on IS NOT NULL", accepted="1"),
        part(
            "decided_on",
            "decided_by",
            "decided_on IS NOT NULL",
            completed="1",
            on_time=yes("on_time"),
            overdue=yes("NOT on_time"),
            working_days="working_days",
            suspensions=yes("suspended"),
            extensions=yes("extended"),
        ),
    ]
    parts.append(part("issued_on", "issued_by", "issued_on IS NOT NULL", issued="1"))
    for closure, counter in figures.CLOSURE_COUNTERS.items():
        parts.append(
            part(
                "ended_on", "received_by", f"ended_on IS NOT NULL AND closure = '{closure}'", **{counter: "1"}
            )
        )
    parts.append(part("received_on", "received_by", "supplemented", supplements="1"))
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    dims = ", ".join(DIMENSIONS)
    return (
        f"INSERT INTO {DAILY} (region_id, day, month, {dims}, {', '.join(COUNTERS)}) "
        f"SELECT region_id, day, {_month_of('day')}, {dims}, {sums} FROM ("
        + " UNION ALL ".join(parts)
        + f") x GROUP BY region_id, day, {dims}"
    )


def _monthly_sql(from_month: bool) -> str:
    dims = ", ".join(DIMENSIONS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    where = "WHERE month >= %s" if from_month else ""
    return (
        f"INSERT INTO {MONTHLY} (region_id, month, {dims}, {', '.join(COUNTERS)}) "
        f"SELECT region_id, month, {dims}, {sums} FROM {DAILY} {where} GROUP BY region_id, month, {dims}"
    )


def _lock_tables(cursor) -> None:
    """Case changes wait while the roll-ups are rebuilt (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {FACTS}, {DAILY}, {MONTHLY} IN EXCLUSIVE MODE")


def rebuild(*, since: dt.date | None = None) -> dict:
    """Recompute the statistics' roll-ups from the cases tables, in one transaction, set-based.

    `since=None`: everything. With a date: the figures of the cases changed since then (their
    `updated_at`), and the roll-up rows of every day from the earliest day those cases count on (their
    reception day, the first day any figure of a case counts on) or `since`, whichever is earlier.
    Returns {"cases": facts written, "days": daily rows, "months": monthly rows, "seconds": …}.
    """
    import time

    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock_tables(cursor)
        refresh_workday_ranks()
        if since is None:
            cursor.execute(f"DELETE FROM {FACTS}")
            cursor.execute(_facts_sql(False))
            written = cursor.rowcount
            cursor.execute(f"DELETE FROM {DAILY}")
            cursor.execute(f"DELETE FROM {MONTHLY}")
            cursor.execute(_daily_sql(False))
            days = cursor.rowcount
            cursor.execute(_monthly_sql(False))
            months = cursor.rowcount
        else:
            start = _start_of(since)
            changed = "SELECT id FROM cases_case WHERE updated_at >= %s"
            cursor.execute(f"SELECT MIN(received_on) FROM {FACTS} WHERE case_id IN ({changed})", [start])
            earliest_old = cursor.fetchone()[0]
            cursor.execute(f"DELETE FROM {FACTS} WHERE case_id IN ({changed})", [start])
            cursor.execute(_facts_sql(True), [start])
            written = cursor.rowcount
            cursor.execute(f"SELECT MIN(received_on) FROM {FACTS} WHERE case_id IN ({changed})", [start])
            earliest_new = cursor.fetchone()[0]
            from_day = min(d for d in (since, _as_date(earliest_old), _as_date(earliest_new)) if d)
            from_month = _month(from_day)
            cursor.execute(f"DELETE FROM {DAILY} WHERE day >= %s", [from_day])
            sql = _daily_sql(True)
            cursor.execute(sql, [from_day] * sql.count("%s"))
            days = cursor.rowcount
            cursor.execute(f"DELETE FROM {MONTHLY} WHERE month >= %s", [from_month])
            cursor.execute(_monthly_sql(True), [from_month])
            months = cursor.rowcount
    seconds = time.perf_counter() - started
    logger.info("stats rebuilt: %s cases, %s days, %s months in %.2fs", written, days, months, seconds)
    return {"cases": written, "days": days, "months": months, "seconds": round(seconds, 3)}


def _start_of(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _as_date(value) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def calendar_changed(*, region=None, years=(), **_ignored) -> None:
    """`workdays.on_calendar_changed` listener (after cases recomputed the due dates): the working days
    and on-time figures of decided cases may have moved, so the roll-ups are rebuilt (a calendar changes
    a few times a year; with no case there is nothing to do)."""
    if Case.objects.exists():
        rebuild()
