"""Writes of the statistics: keeping the roll-ups in step with every case change, and rebuilding them.

- `record_case_event(case, event)` is registered with `cases.hooks.on_case_event`: inside the case
  change's transaction it recomputes the case's figures (onewindow.stats.figures) and upserts its row;
  the triggers of onewindow.stats.triggers take the old contribution out of the monthly roll-ups and put
  the new one in (atomic upserts, in the same statement).
- `rebuild(since=None)` recomputes everything from the cases tables with set-based SQL
  (INSERT … SELECT … GROUP BY, the same on SQLite and PostgreSQL): what the bulk generator calls after
  loading, and what repairs the roll-ups after a calendar change. Never a case loaded into Python.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

from django.db import connection, transaction

from onewindow.cases import hooks
from onewindow.cases.models import Case, CaseEvent
from onewindow.core import prepared
from onewindow.org.models import Region
from onewindow.stats import figures, sql, triggers
from onewindow.stats.models import (
    COUNTERS,
    DIMENSIONS,
    CaseFigures,
    MonthlyFigures,
    MonthlySubItemFigures,
    WorkdayRank,
)
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

logger = logging.getLogger(__name__)

MONTHLY = MonthlyFigures._meta.db_table
SUBITEMS = MonthlySubItemFigures._meta.db_table
FACTS = CaseFigures._meta.db_table
RANKS = WorkdayRank._meta.db_table


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --------------------------------------------------------------------------------------------------
# Incremental: one case change
# --------------------------------------------------------------------------------------------------


def record_case_event(case: Case, event) -> None:
    """`cases.hooks.on_case_event` listener: the case's figures after this event, in its transaction.

    One statement when the figures may have changed: the figures row, upserted; the triggers on it
    (stats.triggers) take its old contribution out of the two monthly roll-ups and put the new one in, in
    the same statement, so nothing is read first. What the case service already knows spares the rest: an
    action that changed none of the columns the figures read (figures.CASE_COLUMNS), no suspension or
    extension and asked for no supplement leaves the figures as they are, with no statement (a claim, a
    result produced); the figures this listener wrote earlier in the same service call (an acceptance
    writes two events) are known, and written again only when they differ. The case row is locked
    meanwhile, so no other transaction changes them."""
    asks_supplement = event is not None and event.action in figures.SUPPLEMENT_ACTIONS
    quiet = hooks.without_suspensions_or_extensions(case)
    before = hooks.row_before(case)
    if (
        before is not None
        and quiet
        and not asks_supplement
        and all(before[name] == getattr(case, attname) for name, attname in _CASE_COLUMNS)
    ):
        return
    known = case.__dict__.get(_WRITTEN)
    if asks_supplement or (known is not None and known.supplemented):
        supplemented = True  # a supplement once asked stays asked
    elif known is not None or hooks.inserted_now(case):
        supplemented = False  # the only way it becomes true is an event this listener sees
    else:
        supplemented = None  # asked of the events, inside the write
    new = figures.facts(
        case,
        supplemented=bool(supplemented),
        suspensions=[] if quiet else None,
        extensions=[] if quiet else None,
    )
    if known is not None and known == new:
        return
    case.__dict__[_WRITTEN] = new if supplemented is not None else None
    values = [getattr(new, name) for name in _FACT_NAMES]
    # With the case change's other writes (core.prepared.gathering): one statement may write the row once.
    if supplemented is None:
        prepared.write(_figures_sql(True), [case.pk, *values[:-1], case.pk], key=(FACTS, case.pk))
    else:
        prepared.write(_figures_sql(False), [case.pk, *values], key=(FACTS, case.pk))


# The figures this listener wrote for a case in the running service call, kept on the case instance.
_WRITTEN = "_stats_figures_written"
_CASE_COLUMNS = [(name, Case._meta.get_field(name).attname) for name in figures.CASE_COLUMNS]
# `supplemented` last: the one value the upsert may ask of the events instead.
_FACT_NAMES = [*(n for n in figures.Facts.__dataclass_fields__ if n != "supplemented"), "supplemented"]


def _column(fact: str) -> str:
    return next(f.column for f in CaseFigures._meta.concrete_fields if f.attname == fact)


@functools.cache
def _figures_sql(ask_events: bool) -> str:
    """The upsert of one case's figures row; an update only when some column changes (so the roll-up
    triggers fire only then). `ask_events`: whether a supplement was ever asked is read from the case's
    events (the last parameter is then the case id), the definition the rebuild uses."""
    q = connection.ops.quote_name
    columns = [q(_column(name)) for name in _FACT_NAMES]
    case = q(_column("case_id"))
    values = ["%s"] * len(columns)
    if ask_events:
        actions = ", ".join(f"'{a}'" for a in figures.SUPPLEMENT_ACTIONS)
        values[-1] = (
            f"EXISTS (SELECT 1 FROM {q(CaseEvent._meta.db_table)} WHERE {q('case_id')} = %s "
            f"AND {q('action')} IN ({actions}))"
        )
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    table = q(FACTS)
    return (
        f"INSERT INTO {table} ({case}, {', '.join(columns)}) VALUES (%s, {', '.join(values)}) "
        f"ON CONFLICT ({case}) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns)} "
        f"WHERE {' OR '.join(f'{table}.{c} {distinct} excluded.{c}' for c in columns)}"
    )


SUBITEM_KEYS = ("region_id", "month", "department_id", "subitem_id")


# --------------------------------------------------------------------------------------------------
# Set-based: rebuild from the cases tables
# --------------------------------------------------------------------------------------------------


def refresh_workday_ranks() -> int:
    """Write the working-day calendar of every region as ranks (WorkdayRank), when it changed; returns
    the rows written (0 when the table already held these ranks)."""
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
                rows.append((region.pk, day, rank))
                day += dt.timedelta(days=1)
    stored = list(WorkdayRank.objects.order_by("region_id", "day").values_list("region_id", "day", "rank"))
    if stored == rows:
        return 0
    WorkdayRank.objects.all().delete()
    WorkdayRank.objects.bulk_create(
        [WorkdayRank(region_id=region_id, day=day, rank=rank) for region_id, day, rank in rows],
        batch_size=2000,
    )
    return len(rows)


def _drop_indexes(cursor) -> None:
    """A full rebuild writes every row: building the indexes once afterwards is cheaper than keeping
    them up to date row by row (the roll-ups' unique keys too, on PostgreSQL; SQLite keeps them in the
    table's definition)."""
    editor = connection.schema_editor(atomic=False)  # only for the SQL: never entered
    for index in CaseFigures._meta.indexes:
        cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(index.name)}")
    if connection.vendor == "postgresql":
        for model in (MonthlyFigures, MonthlySubItemFigures):
            for constraint in model._meta.constraints:
                cursor.execute(str(constraint.remove_sql(model, editor)))


def _create_indexes(cursor) -> None:
    editor = connection.schema_editor(atomic=False)
    for index in CaseFigures._meta.indexes:
        cursor.execute(str(index.create_sql(CaseFigures, editor)))
    if connection.vendor == "postgresql":
        for model in (MonthlyFigures, MonthlySubItemFigures):
            for constraint in model._meta.constraints:
                cursor.execute(str(constraint.create_sql(model, editor)))


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
        {sql.local_date("c.received_at")} AS received_on,
        {sql.local_date("c.accepted_at")} AS accepted_on,
        {sql.local_date("c.decided_at")} AS decided_on,
        {sql.local_date("c.issued_at")} AS issued_on,
        CASE WHEN c.closure IN ({closures}) THEN {sql.local_date("c.ended_at")} END AS ended_on,
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


def _monthly_sql(from_month: bool) -> tuple[str, int]:
    """INSERT … SELECT … GROUP BY of MonthlyFigures: figures.contributions over CaseFigures summed per
    month (from a month on, or all)."""
    dims = ", ".join(DIMENSIONS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    union, parts = sql.contributions("{day} >= %s" if from_month else "")
    month = sql.month_of("day")
    return (
        f"INSERT INTO {MONTHLY} (region_id, month, {dims}, {', '.join(COUNTERS)}) "
        f"SELECT region_id, {month}, {dims}, {sums} FROM ({union}) x GROUP BY region_id, {month}, {dims}",
        parts if from_month else 0,
    )


def _subitems_sql(from_month: bool) -> str:
    """INSERT … SELECT … GROUP BY of MonthlySubItemFigures from MonthlyFigures."""
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    keys = ", ".join(SUBITEM_KEYS)
    where = "WHERE month >= %s" if from_month else ""
    return (
        f"INSERT INTO {SUBITEMS} ({keys}, {', '.join(COUNTERS)}) "
        f"SELECT {keys}, {sums} FROM {MONTHLY} {where} GROUP BY {keys}"
    )


def _lock_tables(cursor) -> None:
    """Case changes wait while the roll-ups are rebuilt (PostgreSQL; SQLite has one writer anyway)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {FACTS}, {MONTHLY}, {SUBITEMS} IN EXCLUSIVE MODE")


def _empty(cursor, *tables: str) -> None:
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {', '.join(tables)}")
    else:
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")


def _analyze(cursor) -> None:
    """Fresh planner statistics after a bulk change (PostgreSQL; SQLite's are kept by its own ANALYZE)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {FACTS}, {MONTHLY}, {SUBITEMS}")


def rebuild(*, since: dt.date | None = None) -> dict:
    """Recompute the statistics' roll-ups from the cases tables, in one transaction, set-based.

    `since=None`: everything. With a date: the figures of the cases changed since then (their
    `updated_at`), and the roll-up rows of every day from the earliest day those cases count on (their
    reception day, the first day any figure of a case counts on) or `since`, whichever is earlier.
    Returns {"cases": facts written, "months": monthly rows, "seconds": …, "steps": {step: seconds}}.
    """
    import time

    started = time.perf_counter()
    steps = []

    def step(name):
        steps.append((name, time.perf_counter()))

    with transaction.atomic(), connection.cursor() as cursor:
        _lock_tables(cursor)
        triggers.suspend(cursor)  # the rebuild writes the roll-ups itself
        refresh_workday_ranks()
        if since is None:
            step("ranks")
            _empty(cursor, FACTS, MONTHLY, SUBITEMS)
            _drop_indexes(cursor)
            step("empty")
            cursor.execute(_facts_sql(False))
            written = cursor.rowcount
            step("facts")
            cursor.execute(_monthly_sql(False)[0])
            months = cursor.rowcount
            cursor.execute(_subitems_sql(False))
            step("months")
            _create_indexes(cursor)
            step("indexes")
            _analyze(cursor)
            step("analyze")
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
            cursor.execute(f"DELETE FROM {MONTHLY} WHERE month >= %s", [from_month])
            cursor.execute(f"DELETE FROM {SUBITEMS} WHERE month >= %s", [from_month])
            statement, parts = _monthly_sql(True)
            cursor.execute(statement, [from_month] * parts)
            months = cursor.rowcount
            cursor.execute(_subitems_sql(True), [from_month])
        triggers.resume(cursor)
    seconds = time.perf_counter() - started
    logger.info("stats rebuilt: %s cases, %s monthly rows in %.2fs", written, months, seconds)
    timings, last = {}, started
    for name, at in steps:
        timings[name] = round(at - last, 3)
        last = at
    return {"cases": written, "months": months, "seconds": round(seconds, 3), "steps": timings}


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
