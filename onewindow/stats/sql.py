"""The SQL the rebuild and the reads share: figures.contributions over the CaseFigures table, and the
engine-specific pieces (the hall's local date of a time, the month of a date), for SQLite and PostgreSQL."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection

from onewindow.stats import figures
from onewindow.stats.models import COUNTERS, CaseFigures

FACTS = CaseFigures._meta.db_table
_ZONE = re.compile(r"^[A-Za-z0-9_+\-/]+$")


def local_date(column: str) -> str:
    """SQL of the hall's local date of a time column (rule 12), on either engine."""
    zone = settings.TIME_ZONE
    if not _ZONE.match(zone):  # pragma: no cover - settings are ours
        raise ValueError(zone)
    sql, params = connection.ops.datetime_cast_date_sql(column, (), zone)
    return sql % tuple(f"'{p}'" for p in params)


def month_of(column: str) -> str:
    """SQL of the first day of the month of a date column."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"date({column}, 'start of month')"


def _yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


# figures.contributions as SQL: (day column, staff column, condition, {counter: expression}).
PARTS = [
    ("accepted_on", "accepted_by", "accepted_on IS NOT NULL", {"accepted": "1"}),
    (
        "decided_on",
        "decided_by",
        "decided_on IS NOT NULL",
        {
            "completed": "1",
            "on_time": _yes("on_time"),
            "overdue": _yes("NOT on_time"),
            "working_days": "working_days",
            "suspensions": _yes("suspended"),
            "extensions": _yes("extended"),
        },
    ),
    ("issued_on", "issued_by", "issued_on IS NOT NULL", {"issued": "1"}),
    *[
        ("ended_on", "received_by", f"ended_on IS NOT NULL AND closure = '{closure}'", {counter: "1"})
        for closure, counter in figures.CLOSURE_COUNTERS.items()
    ],
    ("received_on", "received_by", "supplemented", {"supplements": "1"}),
]


def contributions(condition: str = "", *, source: str = FACTS, signed: bool = False) -> tuple[str, int]:
    """SELECT … UNION ALL … of every contribution of every case in CaseFigures, with the columns
    region_id, day, department_id, subitem_id, window_id, staff_id and the COUNTERS. `condition` (with
    `{day}` for the part's day column and %s parameters) narrows each part; returns (sql, number of
    parts), the caller repeats its parameters that many times. `source`: rows with CaseFigures' columns
    to read instead of the table (the roll-up triggers' OLD and NEW rows); `signed`: each counter times the
    source's column `sign` (+1 put in, −1 taken out)."""
    selects = []
    for day, staff, where, counters in PARTS:
        values = ", ".join(
            f"{_times_sign(counters[c]) if signed and c in counters else counters.get(c, '0')} AS {c}"
            for c in COUNTERS
        )
        extra = f" AND {condition.format(day=day)}" if condition else ""
        selects.append(
            f"SELECT region_id, {day} AS day, department_id, subitem_id, window_id, {staff} AS staff_id, "
            f"{values} FROM {source} WHERE {where}{extra}"
        )
    return " UNION ALL ".join(selects), len(selects)


def _times_sign(expression: str) -> str:
    return f"sign * ({expression})"
