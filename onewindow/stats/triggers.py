"""The roll-ups follow the case figures in the database: triggers on CaseFigures move every change of a
row (its old contribution out, its new one in) into MonthlyFigures and MonthlySubItemFigures.

So the case-event listener writes one statement per changed case, the figures row, on either engine;
the rows of the roll-ups are always the sum of the contributions of the rows of CaseFigures, by whatever
means those changed. The contributions are `sql.contributions` (rule 15, as the rebuild and the reads
state it), over the trigger's OLD and NEW rows. `services.rebuild` writes the three tables itself: it
turns the triggers off for its transaction (`suspended`).

Installed after every migrate (post_migrate of this app, idempotent: the SQL follows the code) and by
migration 0003.
"""

from __future__ import annotations

from django.db import connection as default_connection

from onewindow.stats import sql
from onewindow.stats.models import COUNTERS, DIMENSIONS, CaseFigures, MonthlyFigures, MonthlySubItemFigures

FACTS = CaseFigures._meta.db_table
MONTHLY = MonthlyFigures._meta.db_table
SUBITEMS = MonthlySubItemFigures._meta.db_table
NAME = "stats_casefigures_rollup"
# PostgreSQL: set (SET LOCAL) for the transaction of a rebuild, which writes the roll-ups itself.
SUSPEND_SETTING = "onewindow.stats_rollup_suspended"

# The columns of a CaseFigures row the contributions read.
_COLUMNS = [f.column for f in CaseFigures._meta.concrete_fields if f.column != "case_id"]


def _rows(vendor: str, *records: tuple[str, int]) -> str:
    """A derived table of the trigger's records (NEW, OLD) with CaseFigures' columns and their sign."""
    selects = [
        f"SELECT {sign} AS sign, " + ", ".join(f"{record}.{c} AS {c}" for c in _COLUMNS)
        for record, sign in records
    ]
    return f"({' UNION ALL '.join(selects)}) AS f"


def _upserts(vendor: str, *records: tuple[str, int]) -> list[str]:
    """The two upserts of the signed contributions of `records`, summed per key of each roll-up; keys whose
    sums are all zero are left alone."""
    union, _parts = sql.contributions(source=_rows(vendor, *records), signed=True)
    month = sql.month_of("day")
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    nonzero = " OR ".join(f"SUM({c}) <> 0" for c in COUNTERS)
    statements = []
    for table, keys in ((MONTHLY, DIMENSIONS), (SUBITEMS, ("department_id", "subitem_id"))):
        columns = ", ".join(("region_id", "month", *keys, *COUNTERS))
        group = ", ".join(("region_id", month, *keys))
        updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
        conflict = ", ".join(("region_id", "month", *keys))
        # WHERE true: SQLite's parser needs it before an upsert's ON CONFLICT after a SELECT. ORDER BY:
        # concurrent case changes lock the rows they share in one order (no deadlock between them).
        statements.append(
            f"INSERT INTO {table} ({columns}) SELECT region_id, {month}, {', '.join(keys)}, {sums} "
            f"FROM ({union}) AS x WHERE true GROUP BY {group} HAVING {nonzero} ORDER BY {group} "
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
    return statements


def _postgresql(install: bool) -> list[str]:
    drop = f"DROP TRIGGER IF EXISTS {NAME} ON {FACTS}"
    if not install:
        return [drop, f"DROP FUNCTION IF EXISTS {NAME}()"]
    inserted = ";\n    ".join(_upserts("postgresql", ("NEW", 1)))
    updated = ";\n    ".join(_upserts("postgresql", ("NEW", 1), ("OLD", -1)))
    function = f"""
CREATE OR REPLACE FUNCTION {NAME}() RETURNS trigger AS $$
BEGIN
  IF current_setting('{SUSPEND_SETTING}', true) = 'on' THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    {inserted};
  ELSE
    {updated};
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql"""
    return [
        function,
        drop,
        f"CREATE TRIGGER {NAME} AFTER INSERT OR UPDATE ON {FACTS} FOR EACH ROW EXECUTE FUNCTION {NAME}()",
    ]


def _sqlite(install: bool) -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {NAME}_{op}" for op in ("insert", "update")]
    if install:
        for op, records in (("insert", [("NEW", 1)]), ("update", [("NEW", 1), ("OLD", -1)])):
            body = "; ".join(_upserts("sqlite", *records))
            statements.append(f"CREATE TRIGGER {NAME}_{op} AFTER {op.upper()} ON {FACTS} BEGIN {body}; END")
    return statements


def statements(vendor: str, install: bool = True) -> list[str]:
    if vendor == "postgresql":
        return _postgresql(install)
    if vendor == "sqlite":
        return _sqlite(install)
    return []  # pragma: no cover - the two engines we run on


def install(connection=None) -> None:
    """(Re)create the triggers as the code states them (idempotent)."""
    connection = connection or default_connection
    if FACTS not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for statement in statements(connection.vendor, True):
            cursor.execute(statement)


def installed(using="default", **kwargs) -> None:
    """post_migrate: the triggers as this code states them."""
    from django.db import connections

    install(connections[using])


def suspend(cursor) -> None:
    """For the rest of the running transaction the triggers do nothing (a rebuild writes the roll-ups)."""
    if default_connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL {SUSPEND_SETTING} = 'on'")
    else:  # SQLite: DDL is transactional, and there is one writer at a time
        for statement in _sqlite(False):
            cursor.execute(statement)


def resume(cursor) -> None:
    """Undo `suspend` (at the end of a rebuild: later writes of the same transaction count again)."""
    if default_connection.vendor == "postgresql":
        cursor.execute(f"SET LOCAL {SUSPEND_SETTING} = 'off'")
    else:
        for statement in _sqlite(True):
            cursor.execute(statement)
