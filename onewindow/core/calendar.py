"""The working-day calendar: days off and make-up working days (调休) per region, and O(1) working-day arithmetic.

DESIGN.md rule 4. A day is a working day when it is Monday–Friday and not declared off, or a Saturday or
Sunday declared a working day. The tables store only those exceptions (`CalendarDay`), one
`CalendarYear` per region and year, *official* (the State Council's notice, seeded from the
`chinesecalendar` package or loaded from a file) or *provisional* (derived from the holiday regulation
until the notice is out). A year with neither is an error (`CalendarMissing`), never a guess.

Reads (`add_workdays`, `count_workdays`, `is_workday`, …) use an in-process index per region: a prefix
count of working days per day and the list of working days, so each call is a couple of list look-ups.
The index is rebuilt when this process changes a year, and when another process did: a fingerprint of
`CalendarYear` (count, max id, sum of revisions; one small query) is compared once per HTTP request
that uses the calendar, and outside requests (commands, benchmarks) at most every `RECHECK_SECONDS`.

Writes (`seed_from_package`, `create_provisional_year`, `load_schedule`) run in one transaction with
their audit entry, then call every hook in `on_calendar_changed` inside that same transaction, so the
cases context can recompute the due dates of open cases all-or-nothing with the new schedule.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import connection, transaction
from django.db.models import Count, Max
from django.utils.translation import gettext as _

from onewindow.core import audit, clock
from onewindow.core.errors import InvalidInput, PermissionDenied, RuleViolation
from onewindow.core.models import CalendarDay, CalendarStatus, CalendarYear, DayKind

OFF = DayKind.OFF.value
WORK = DayKind.WORK.value
OFFICIAL = CalendarStatus.OFFICIAL.value
PROVISIONAL = CalendarStatus.PROVISIONAL.value

# How often (seconds) a process checks whether another process changed the calendar.
RECHECK_SECONDS = float(getattr(settings, "ONEWINDOW_CALENDAR_RECHECK_SECONDS", 2.0))

PACKAGE = "chinesecalendar"
PROVISIONAL_SOURCE = (
    "provisional rule: 全国年节及纪念日放假办法 (国务院令第795号), Monday–Friday weeks, no 调休"
)

# Hooks run after a year's schedule was created or changed, inside the same transaction:
# `hook(region=<org.Region>, years=frozenset[int])`. The cases context registers the recomputation of
# open cases' due dates here (in its AppConfig.ready); an exception in a hook rolls the change back.
on_calendar_changed: list[Callable[..., None]] = []


class CalendarMissing(RuleViolation):
    """A count ran into a year that has no schedule, neither official nor provisional (422)."""

    def __init__(self, year: int):
        super().__init__(
            _(
                "No working-day calendar for %(year)s: load the official holiday schedule of %(year)s "
                "or create a provisional one."
            )
            % {"year": year},
            code="calendar.missing",
            title=_("Working-day calendar missing"),
        )
        self.year = year


class WorkdayResult(NamedTuple):
    """A due date and whether any day counted to reach it lies in a provisional year."""

    date: dt.date
    provisional: bool


_new_result = tuple.__new__

# --------------------------------------------------------------------------------------------------
# The in-process index
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Index:
    """Working days of one region from 1 January of `first_year` to 31 December of `last_year`.

    Position i stands for the ordinal `zero + i` (i = 0 is 31 December before `first_year`):
    `rank[i]` counts the working days in (zero, zero + i]; `workdays[k - 1]` is the k-th working day;
    `year_at[i]` is the year of that day minus `first_year` (one extra slot for the day after the end).
    `next_missing[y - first_year]` is the first year ≥ y with no schedule (`last_year + 1` at most);
    `next_provisional[...]` likewise for provisional years (a large number when there is none).
    Years without a schedule inside the range are filled with plain Monday–Friday weeks so the
    arithmetic runs on; a result that reaches one is refused by the `next_missing` check.
    """

    zero: int
    first_year: int
    last_year: int
    rank: list[int]
    workdays: list[dt.date]
    year_at: list[int]
    next_missing: list[int]
    next_provisional: list[int]
    status: dict[int, str]


_NO_PROVISIONAL = 1_000_000


def _build_index(years: dict[int, str], exceptions: dict[dt.date, str]) -> _Index | None:
    if not years:
        return None
    first, last = min(years), max(years)
    zero = dt.date(first, 1, 1).toordinal() - 1
    end = dt.date(last, 12, 31).toordinal()
    rank = [0]
    workdays: list[dt.date] = []
    year_at = [-1]
    count = 0
    for ordinal in range(zero + 1, end + 1):
        day = dt.date.fromordinal(ordinal)
        kind = exceptions.get(day)
        working = (kind == WORK) if kind is not None else day.weekday() < 5
        if working:
            count += 1
            workdays.append(day)
        rank.append(count)
        year_at.append(day.year - first)
    year_at.append(last + 1 - first)
    next_missing = [0] * (last - first + 2)
    next_provisional = [0] * (last - first + 2)
    next_missing[-1] = last + 1
    next_provisional[-1] = _NO_PROVISIONAL
    for year in range(last, first - 1, -1):
        i = year - first
        next_missing[i] = year if year not in years else next_missing[i + 1]
        next_provisional[i] = year if years.get(year) == PROVISIONAL else next_provisional[i + 1]
    return _Index(
        zero=zero,
        first_year=first,
        last_year=last,
        rank=rank,
        workdays=workdays,
        year_at=year_at,
        next_missing=next_missing,
        next_provisional=next_provisional,
        status=dict(years),
    )


@dataclass
class _State:
    fingerprint: tuple | None = None
    checked_at: float = float("-inf")
    default_region_id: int | None = None
    region_ids: dict[str, int] = field(default_factory=dict)
    indexes: dict[int, _Index | None] = field(default_factory=dict)


_state = _State()
_lock = threading.Lock()
_monotonic = time.monotonic

# Inside a request the calendar is checked once, at its first use: a request sees every change another
# process committed before it, and costs the same queries whatever the time (one, when it uses the
# calendar). Outside requests (commands, benchmarks) the check runs at most every RECHECK_SECONDS.
_local = threading.local()
_UNCHECKED, _CHECKED = 1, 2


def _request_started(**kwargs) -> None:
    _local.request = _UNCHECKED


def _request_finished(**kwargs) -> None:
    _local.request = None


request_started.connect(_request_started, dispatch_uid="onewindow.core.calendar.request_started")
request_finished.connect(_request_finished, dispatch_uid="onewindow.core.calendar.request_finished")


def _fingerprint() -> tuple:
    """Whatever changes a schedule or the regions changes this (one query, any backend)."""
    from onewindow.org.models import Region

    years = connection.ops.quote_name(CalendarYear._meta.db_table)
    regions = connection.ops.quote_name(Region._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {years}), (SELECT MAX(id) FROM {years}), "
            f"(SELECT SUM(revision) FROM {years}), (SELECT COUNT(*) FROM {regions}), "
            f"(SELECT MIN(id) FROM {regions})"
        )
        return tuple(cursor.fetchone())


def _refresh() -> _State:
    """Keep the state when the calendar is unchanged since the last look, else start a new, empty one."""
    global _state
    with _lock:
        fingerprint = _fingerprint()
        if fingerprint == _state.fingerprint:
            _state.checked_at = _monotonic()
            return _state
        from onewindow.org.models import Region

        state = _State(fingerprint=fingerprint, checked_at=_monotonic())
        state.region_ids = dict(Region.objects.values_list("code", "id"))
        state.default_region_id = fingerprint[4]
        _state = state
        return state


def invalidate() -> None:
    """Forget the index of this process; the next read rebuilds it from the tables."""
    global _state
    with _lock:
        _state = _State()


def _load_index(state: _State, region_id: int | None) -> _Index | None:
    if region_id is None:
        return None
    years = dict(CalendarYear.objects.filter(region_id=region_id).values_list("year", "status"))
    exceptions = dict(CalendarDay.objects.filter(region_id=region_id).values_list("date", "kind"))
    index = _build_index(years, exceptions)
    with _lock:
        state.indexes[region_id] = index
    return index


def _index_for(region) -> _Index | None:
    state = _state
    in_request = getattr(_local, "request", None)
    if in_request is None:
        if _monotonic() - state.checked_at > RECHECK_SECONDS:
            state = _refresh()
    elif in_request == _UNCHECKED:
        state = _refresh()
        _local.request = _CHECKED
    if region is None:
        region_id = state.default_region_id
    elif isinstance(region, str):
        region_id = state.region_ids.get(region)
        if region_id is None:
            raise InvalidInput(
                _("Unknown region %(code)s.") % {"code": region},
                code="calendar.unknown_region",
                errors={"region": [_("Unknown region %(code)s.") % {"code": region}]},
            )
    else:
        region_id = region.pk
    try:
        return state.indexes[region_id]
    except KeyError:
        return _load_index(state, region_id)


def _year_after(day: dt.date) -> int:
    """The year of the day after `day` (the first day a count from `day` looks at)."""
    return day.year + 1 if (day.month == 12 and day.day == 31) else day.year


def _check_days(n: int) -> None:
    if n < 0:
        raise InvalidInput(
            _("The number of working days cannot be negative."),
            code="calendar.negative_days",
            errors={"days": [_("The number of working days cannot be negative.")]},
        )


# --------------------------------------------------------------------------------------------------
# Reads: the working-day arithmetic
# --------------------------------------------------------------------------------------------------


def add_workdays_info(start: dt.date, n: int, *, region=None) -> WorkdayResult:
    """The n-th working day after `start`, and whether a provisional year was counted to reach it.

    Counting starts the next working day: the start day never counts, so 2024-09-27 + 5 = 2024-10-10.
    n = 0 gives `start` itself (no day is counted, so no schedule is needed). Every year from the day
    after `start` through the result must have a schedule, else `CalendarMissing` names the first that
    has none. `region` is an org.Region, a region code, or None for the default (first) region.
    """
    if n <= 0:
        _check_days(n)
        return WorkdayResult(start, False)
    due, index, first_year_index = _count(start, n, region)
    # Hot path: tuple.__new__ skips the named tuple's Python-level __new__.
    return _new_result(WorkdayResult, (due, index.next_provisional[first_year_index] <= due.year))


def _count(start: dt.date, n: int, region):
    """The one counting rule (n ≥ 1): (due date, the index used, the year slot of the first counted day)."""
    index = _index_for(region)
    if index is None:
        raise CalendarMissing(_year_after(start))
    i = start.toordinal() - index.zero
    rank = index.rank
    if i < 0 or i >= len(rank) - 1:
        raise CalendarMissing(_year_after(start))
    k = rank[i] + n
    first_year_index = index.year_at[i + 1]
    if k > len(index.workdays):
        raise CalendarMissing(index.next_missing[first_year_index])
    due = index.workdays[k - 1]
    missing = index.next_missing[first_year_index]
    if missing <= due.year:
        raise CalendarMissing(missing)
    return due, index, first_year_index


def add_workdays(start: dt.date, n: int, *, region=None) -> dt.date:
    """The n-th working day after `start` (see `add_workdays_info`); n = 0 gives `start`."""
    if n <= 0:
        _check_days(n)
        return start
    return _count(start, n, region)[0]


def count_workdays(after: dt.date, through: dt.date, *, region=None) -> int:
    """Working days in (after, through]: `after` does not count, `through` does; 0 when through <= after.

    The inverse of `add_workdays`: count_workdays(d, add_workdays(d, n)) == n for n ≥ 0.
    """
    if through <= after:
        return 0
    index = _index_for(region)
    if index is None:
        raise CalendarMissing(_year_after(after))
    i = after.toordinal() - index.zero
    j = through.toordinal() - index.zero
    rank = index.rank
    if i < 0 or i >= len(rank) - 1:
        raise CalendarMissing(_year_after(after))
    missing = index.next_missing[index.year_at[i + 1]]
    if missing <= through.year:
        raise CalendarMissing(missing)
    return rank[j] - rank[i]


def is_workday(day: dt.date, *, region=None) -> bool:
    """Whether `day` is a working day; CalendarMissing when its year has no schedule."""
    index = _index_for(region)
    if index is None or index.status.get(day.year) is None:
        raise CalendarMissing(day.year)
    i = day.toordinal() - index.zero
    return index.rank[i] != index.rank[i - 1]


def span_is_provisional(start: dt.date, end: dt.date, *, region=None) -> bool:
    """Whether any day in [start, end] lies in a provisional year."""
    if end < start:
        return False
    index = _index_for(region)
    if index is None:
        return False
    return any(index.status.get(year) == PROVISIONAL for year in range(start.year, end.year + 1))


def year_status(year: int, *, region=None) -> str | None:
    """'official', 'provisional', or None when the year has no schedule."""
    index = _index_for(region)
    return None if index is None else index.status.get(year)


def known_years(*, region=None) -> dict[int, str]:
    """{year: status} of every year with a schedule."""
    index = _index_for(region)
    return {} if index is None else dict(sorted(index.status.items()))


# --------------------------------------------------------------------------------------------------
# Sources of schedules: the package, the holiday regulation, a file
# --------------------------------------------------------------------------------------------------


class ScheduleDay(NamedTuple):
    """One exception to the Monday–Friday week, as loaded: date, kind ('off' or 'work'), name."""

    date: dt.date
    kind: str
    name: str


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"{PACKAGE} {version(PACKAGE)}"
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        return PACKAGE


def package_years() -> dict[int, list[ScheduleDay]]:
    """Every year `chinese_calendar` knows, as its exceptions to the Monday–Friday week.

    Its `holidays` table holds every day off (weekends inside a holiday included) and `workdays` the
    make-up working days; only weekdays off and weekend days worked are exceptions.
    """
    import chinese_calendar

    chinese = {h.value: h.chinese for h in chinese_calendar.Holiday}
    years: dict[int, list[ScheduleDay]] = {}
    for day, holiday in chinese_calendar.holidays.items():
        years.setdefault(day.year, [])
        if day.weekday() < 5:
            years[day.year].append(ScheduleDay(day, OFF, chinese.get(holiday, str(holiday))))
    for day, holiday in chinese_calendar.workdays.items():
        years.setdefault(day.year, [])
        if day.weekday() >= 5:
            name = chinese.get(holiday, str(holiday))
            years[day.year].append(ScheduleDay(day, WORK, f"{name}调休上班"))
    return {year: sorted(days) for year, days in sorted(years.items())}


# Lunar festivals and Qingming (a solar term) by Gregorian date: year → (春节 正月初一, 清明, 端午 五月初五,
# 中秋 八月十五). Generated from `lunardate` 0.3.0 and cross-checked against `lunar-python` 1.4.8 (both agree
# for 2004–2060, and with chinesecalendar's official tables for 2004–2026); 清明 also agrees with
# chinesecalendar's solar-term formula. 除夕 is the day before 正月初一.
FESTIVALS: dict[int, tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]] = {
    2025: ((1, 29), (4, 4), (5, 31), (10, 6)),
    2026: ((2, 17), (4, 5), (6, 19), (9, 25)),
    2027: ((2, 6), (4, 5), (6, 9), (9, 15)),
    2028: ((1, 26), (4, 4), (5, 28), (10, 3)),
    2029: ((2, 13), (4, 4), (6, 16), (9, 22)),
    2030: ((2, 3), (4, 5), (6, 5), (9, 12)),
    2031: ((1, 23), (4, 5), (6, 24), (10, 1)),
    2032: ((2, 11), (4, 4), (6, 12), (9, 19)),
    2033: ((1, 31), (4, 4), (6, 1), (9, 8)),
    2034: ((2, 19), (4, 5), (6, 20), (9, 27)),
    2035: ((2, 8), (4, 5), (6, 10), (9, 16)),
    2036: ((1, 28), (4, 4), (5, 30), (10, 4)),
    2037: ((2, 15), (4, 4), (6, 18), (9, 24)),
    2038: ((2, 4), (4, 5), (6, 7), (9, 13)),
    2039: ((1, 24), (4, 5), (5, 27), (10, 2)),
    2040: ((2, 12), (4, 4), (6, 14), (9, 20)),
    2041: ((2, 1), (4, 4), (6, 3), (9, 10)),
    2042: ((1, 22), (4, 4), (6, 22), (9, 28)),
    2043: ((2, 10), (4, 5), (6, 11), (9, 17)),
    2044: ((1, 30), (4, 4), (5, 31), (10, 5)),
    2045: ((2, 17), (4, 4), (6, 19), (9, 25)),
    2046: ((2, 6), (4, 4), (6, 8), (9, 15)),
    2047: ((1, 26), (4, 5), (5, 29), (10, 4)),
    2048: ((2, 14), (4, 4), (6, 15), (9, 22)),
    2049: ((2, 2), (4, 4), (6, 4), (9, 11)),
    2050: ((1, 23), (4, 4), (6, 23), (9, 30)),
    2051: ((2, 11), (4, 5), (6, 13), (9, 19)),
    2052: ((2, 1), (4, 4), (6, 1), (9, 7)),
    2053: ((2, 19), (4, 4), (6, 20), (9, 26)),
    2054: ((2, 8), (4, 4), (6, 10), (9, 16)),
    2055: ((1, 28), (4, 5), (5, 30), (10, 5)),
    2056: ((2, 15), (4, 4), (6, 17), (9, 24)),
    2057: ((2, 4), (4, 4), (6, 6), (9, 13)),
    2058: ((1, 24), (4, 4), (6, 25), (10, 2)),
    2059: ((2, 12), (4, 5), (6, 14), (9, 21)),
    2060: ((2, 2), (4, 4), (6, 3), (9, 9)),
}
# The regulation as revised by 国务院令第795号 is in force from 2025-01-01.
PROVISIONAL_FIRST_YEAR = 2025
PROVISIONAL_LAST_YEAR = max(FESTIVALS)


def statutory_holidays(year: int) -> list[tuple[str, list[dt.date]]]:
    """The 13 statutory holiday days of `year` under the regulation in force since 2025, by holiday."""
    spring, qingming, dragon_boat, mid_autumn = (dt.date(year, m, d) for m, d in FESTIVALS[year])
    return [
        ("元旦", [dt.date(year, 1, 1)]),
        ("春节", [spring + dt.timedelta(days=k) for k in (-1, 0, 1, 2)]),
        ("清明节", [qingming]),
        ("劳动节", [dt.date(year, 5, 1), dt.date(year, 5, 2)]),
        ("端午节", [dragon_boat]),
        ("中秋节", [mid_autumn]),
        ("国庆节", [dt.date(year, 10, k) for k in (1, 2, 3)]),
    ]


def provisional_days(year: int) -> list[ScheduleDay]:
    """A provisional schedule: the statutory holidays over Monday–Friday weeks, without 调休.

    A statutory day that falls on a Saturday or Sunday, or on a day another holiday already takes (中秋
    on 1–3 October), is given on the first free weekday after its holiday (补假: "适逢星期六、星期日，
    应当在工作日补假"). No weekend becomes a working day: make-up days exist only by the official notice.
    """
    if not PROVISIONAL_FIRST_YEAR <= year <= PROVISIONAL_LAST_YEAR:
        raise InvalidInput(
            _("A provisional calendar can be made for %(first)s–%(last)s only.")
            % {"first": PROVISIONAL_FIRST_YEAR, "last": PROVISIONAL_LAST_YEAR},
            code="calendar.provisional_out_of_range",
            errors={
                "year": [
                    _("A provisional calendar can be made for %(first)s–%(last)s only.")
                    % {"first": PROVISIONAL_FIRST_YEAR, "last": PROVISIONAL_LAST_YEAR}
                ]
            },
        )
    off: dict[dt.date, str] = {}
    for name, days in sorted(statutory_holidays(year), key=lambda h: h[1][0]):
        owed = 0
        for day in days:
            if day.weekday() < 5 and day not in off:
                off[day] = name
            else:
                owed += 1
        day = max(days)
        while owed:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in off:
                off[day] = f"{name}补休"
                owed -= 1
    return [ScheduleDay(day, OFF, name) for day, name in sorted(off.items())]


SCHEDULE_COLUMNS = ("date", "kind", "name")


def parse_schedule(content: bytes, filename: str) -> tuple[int, list[ScheduleDay], int]:
    """Read a schedule file (CSV or .xlsx; columns `date, kind[, name]`, kind `off` or `work`).

    Returns (year, exceptions, ignored) where `ignored` counts rows that only restate the ordinary
    week (a weekend off, a weekday worked). Every problem of the file is collected, by row, into one
    InvalidInput: a file is loaded whole or not at all.
    """
    try:
        rows = _read_rows(content, filename)
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged spreadsheet raises anything from zipfile to openpyxl
        raise InvalidInput(
            _("The file cannot be read: %(error)s") % {"error": exc},
            code="calendar.unreadable",
            errors={"file": [_("The file cannot be read: %(error)s") % {"error": exc}]},
        ) from exc
    errors: dict[str, list[str]] = {}
    if not rows:
        errors["file"] = [_("The file is empty.")]
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    header = [str(c or "").strip().lower() for c in rows[0]]
    missing = [c for c in ("date", "kind") if c not in header]
    if missing:
        errors["file"] = [
            _("Missing column(s): %(columns)s. Expected: date, kind (off or work), name (optional).")
            % {"columns": ", ".join(missing)}
        ]
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    col = {name: header.index(name) for name in SCHEDULE_COLUMNS if name in header}
    seen: dict[dt.date, int] = {}
    parsed: list[ScheduleDay] = []
    ignored = 0
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        problems = []
        day = _parse_date(cells[col["date"]])
        if day is None:
            problems.append(_("date %(value)r is not a date (YYYY-MM-DD)") % {"value": cells[col["date"]]})
        kind = str(cells[col["kind"]] or "").strip().lower()
        if kind not in (OFF, WORK):
            problems.append(_("kind %(value)r must be off or work") % {"value": cells[col["kind"]]})
        name = str(cells[col["name"]] or "").strip() if "name" in col else ""
        if len(name) > 60:
            problems.append(_("name is longer than 60 characters"))
        if day is not None and day in seen:
            problems.append(
                _("date %(date)s already appears in row %(row)s") % {"date": day, "row": seen[day]}
            )
        if problems:
            errors[f"row {number}"] = problems  # a stable key, like a field name; the messages are translated
            continue
        seen[day] = number
        if (kind == OFF) == (day.weekday() >= 5):
            ignored += 1  # a weekend off or a weekday worked: the ordinary week already says so
            continue
        parsed.append(ScheduleDay(day, kind, name))
    years = sorted({day.year for day in seen})
    if not errors and not seen:
        errors["file"] = [_("The file has no rows.")]
    if len(years) > 1:
        errors.setdefault("file", []).append(
            _("The file holds dates of several years (%(years)s); load one year per file.")
            % {"years": ", ".join(str(y) for y in years)}
        )
    if errors:
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    return years[0], sorted(parsed), ignored


def _read_rows(content: bytes, filename: str) -> list[list]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            text = content.decode("utf-8", errors="replace")
        return [row for row in csv.reader(io.StringIO(text))]
    raise InvalidInput(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"},
        code="calendar.unsupported_file",
        errors={
            "file": [_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"}]
        },
    )


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


# --------------------------------------------------------------------------------------------------
# Writes
# --------------------------------------------------------------------------------------------------


def _resolve_region(region):
    from onewindow.org.models import Region

    if region is None:
        found = Region.objects.order_by("pk").first()
        if found is None:
            raise RuleViolation(
                _("Load the sample region or create a region first."), code="calendar.no_region"
            )
        return found
    if isinstance(region, str):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise InvalidInput(
                _("Unknown region %(code)s.") % {"code": region},
                code="calendar.unknown_region",
                errors={"region": [_("Unknown region %(code)s.") % {"code": region}]},
            )
        return found
    return region


def region_of(user):
    """The region of a staff member's organisation (None for an account without one: the default region)."""
    staff = getattr(user, "staff", None) if user is not None else None
    return None if staff is None else staff.organisation.region


def _check_actor(actor) -> None:
    from onewindow.org import roles as r

    if actor is not None and not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(
            _("Only the supervisor (Data Bureau) maintains the working-day calendar."),
            code="calendar.forbidden",
        )


def _actor_role(actor) -> str:
    from onewindow.org import roles as r

    return r.primary_role(actor) if actor is not None else ""


def _same_days(year: CalendarYear, days: Iterable[ScheduleDay]) -> bool:
    stored = sorted(ScheduleDay(d.date, d.kind, d.name) for d in year.days.all())
    return stored == sorted(days)


def _write_year(
    *, region, year: int, status: str, source: str, days: list[ScheduleDay], actor
) -> CalendarYear:
    """Create or replace one year's schedule (caller holds the transaction)."""
    now = clock.now()
    calendar_year = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
    if calendar_year is None:
        calendar_year = CalendarYear.objects.create(
            region=region, year=year, status=status, source=source, loaded_at=now, loaded_by=actor
        )
    else:
        calendar_year.days.all().delete()
        calendar_year.status = status
        calendar_year.source = source
        calendar_year.loaded_at = now
        calendar_year.loaded_by = actor
        calendar_year.revision += 1
        calendar_year.save()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=calendar_year, region=region, date=d.date, kind=d.kind, name=d.name)
        for d in days
    )
    return calendar_year


@contextlib.contextmanager
def _forget_on_error():
    """A change that fails rolls back: forget any index built from it inside the transaction."""
    try:
        yield
    except BaseException:
        invalidate()
        raise


def _changed(region, years: set[int]) -> None:
    """After a change inside the transaction: fresh index here and now, then the hooks."""
    if not years:
        return
    invalidate()
    # Another look once committed (a rollback is noticed by the fingerprint within RECHECK_SECONDS).
    transaction.on_commit(invalidate)
    for hook in list(on_calendar_changed):
        hook(region=region, years=frozenset(years))


def seed_from_package(*, actor=None, region=None) -> dict:
    """Every year `chinesecalendar` knows, as official years (idempotent; bulk inserts).

    A year missing or provisional gets the package's schedule; a year seeded from an older package
    version is updated when its days differ; a year loaded from a file by the supervisor is kept.
    """
    _check_actor(actor)
    region = _resolve_region(region)
    source = package_version()
    wanted = package_years()
    created, updated = [], []
    with _forget_on_error(), transaction.atomic():
        existing = {
            cy.year: cy
            for cy in CalendarYear.objects.select_for_update()
            .filter(region=region, year__in=list(wanted))
            .prefetch_related("days")
        }
        new_years = []
        for year, days in wanted.items():
            current = existing.get(year)
            if current is None:
                new_years.append(year)
            elif current.status == PROVISIONAL or (
                current.source.startswith(PACKAGE) and not _same_days(current, days)
            ):
                _write_year(region=region, year=year, status=OFFICIAL, source=source, days=days, actor=actor)
                updated.append(year)
        if new_years:
            now = clock.now()
            rows = CalendarYear.objects.bulk_create(
                CalendarYear(
                    region=region, year=y, status=OFFICIAL, source=source, loaded_at=now, loaded_by=actor
                )
                for y in new_years
            )
            # Primary keys from bulk_create are not set on every backend: read them back.
            ids = dict(
                CalendarYear.objects.filter(region=region, year__in=new_years).values_list("year", "id")
            )
            CalendarDay.objects.bulk_create(
                CalendarDay(calendar_year_id=ids[y], region=region, date=d.date, kind=d.kind, name=d.name)
                for y in new_years
                for d in wanted[y]
            )
            created = [row.year for row in rows]
        if created or updated:
            audit.record(
                action="calendar.seed",
                actor=actor,
                role=_actor_role(actor),
                region=region.code,
                object_type="core.calendaryear",
                object_id=region.code,
                detail={"source": source, "created": created, "updated": updated},
            )
        _changed(region, set(created) | set(updated))
    return {"created": created, "updated": updated, "source": source}


def create_provisional_year(*, year: int, actor=None, region=None) -> tuple[CalendarYear, bool]:
    """A provisional schedule for `year` from the holiday regulation; (year, created or changed).

    Idempotent, and a no-op for a year that already has an official schedule.
    """
    _check_actor(actor)
    region = _resolve_region(region)
    with _forget_on_error(), transaction.atomic():
        current = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
        if current is not None and current.status == OFFICIAL:
            return current, False
        days = provisional_days(year)
        if current is not None and _same_days(current, days):
            return current, False
        calendar_year = _write_year(
            region=region, year=year, status=PROVISIONAL, source=PROVISIONAL_SOURCE, days=days, actor=actor
        )
        audit.record(
            action="calendar.provisional",
            actor=actor,
            role=_actor_role(actor),
            region=region.code,
            obj=calendar_year,
            detail={"year": year, "days_off": len(days)},
        )
        _changed(region, {year})
    return calendar_year, True


@dataclass(frozen=True)
class LoadReport:
    year: int
    status_before: str | None
    days_off: int
    make_up_days: int
    ignored_rows: int
    changed: bool


def load_schedule(
    *, content: bytes | None = None, filename: str = "", path=None, actor=None, region=None
) -> LoadReport:
    """Load one year's official schedule from a CSV or .xlsx file (all-or-nothing).

    Replaces a provisional year, or an official one (the audit entry says what was replaced), then
    calls the `on_calendar_changed` hooks so open cases get their due dates recomputed.
    """
    _check_actor(actor)
    if path is not None:
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                _("The file cannot be read: %(error)s") % {"error": exc.strerror or exc},
                code="calendar.unreadable",
                errors={"file": [str(exc)]},
            ) from exc
        filename = filename or path.name
    year, days, ignored = parse_schedule(content or b"", filename)
    region = _resolve_region(region)
    with _forget_on_error(), transaction.atomic():
        current = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
        before = None if current is None else current.status
        changed = not (current is not None and current.status == OFFICIAL and _same_days(current, days))
        if changed:
            previous = (
                None
                if current is None
                else {
                    "status": current.status,
                    "source": current.source,
                    "revision": current.revision,
                    "days": current.days.count(),
                }
            )
            calendar_year = _write_year(
                region=region, year=year, status=OFFICIAL, source=f"file {filename}", days=days, actor=actor
            )
            audit.record(
                action="calendar.load",
                actor=actor,
                role=_actor_role(actor),
                region=region.code,
                obj=calendar_year,
                detail={
                    "year": year,
                    "file": filename,
                    "days_off": sum(d.kind == OFF for d in days),
                    "make_up_days": sum(d.kind == WORK for d in days),
                    "replaced": previous,
                },
            )
            _changed(region, {year})
    return LoadReport(
        year=year,
        status_before=before,
        days_off=sum(d.kind == OFF for d in days),
        make_up_days=sum(d.kind == WORK for d in days),
        ignored_rows=ignored,
        changed=changed,
    )


def load_sample_calendar(*, region=None) -> dict:
    """For `onewindow load-sample`: the package's official years, and provisional ones after the last.

    Provisional years are made from the year after the last official one through next year (by the
    hall's clock), when they have no schedule yet.
    """
    region = _resolve_region(region)
    seeded = seed_from_package(region=region)
    last_official = CalendarYear.objects.filter(region=region, status=OFFICIAL).aggregate(last=Max("year"))[
        "last"
    ]
    provisional = []
    start = (last_official or clock.today().year) + 1
    for year in range(start, clock.today().year + 2):
        if (
            year <= PROVISIONAL_LAST_YEAR
            and not CalendarYear.objects.filter(region=region, year=year).exists()
        ):
            create_provisional_year(year=year, region=region)
            provisional.append(year)
    statuses = dict(CalendarYear.objects.filter(region=region).values_list("year", "status"))
    official = sorted(y for y, status in statuses.items() if status == OFFICIAL)
    loaded_now = len(seeded["created"]) + len(seeded["updated"])
    return {
        "calendar official years": (f"{official[0]}–{official[-1]}" if official else "none")
        + (f" ({loaded_now} loaded now)" if loaded_now else ""),
        "provisional years": ", ".join(str(y) for y, s in sorted(statuses.items()) if s == PROVISIONAL)
        or "none",
        "provisional created now": ", ".join(str(y) for y in provisional) or "none",
    }


# --------------------------------------------------------------------------------------------------
# Reads for the supervisor's pages
# --------------------------------------------------------------------------------------------------


def years_overview(*, region=None):
    """Every year with a schedule, newest first, with its counts of weekdays off and make-up days."""
    from django.db.models import Q

    region = _resolve_region(region)
    return (
        CalendarYear.objects.filter(region=region)
        .select_related("loaded_by")
        .annotate(
            days_off=Count("days", filter=Q(days__kind=OFF)),
            make_up_days=Count("days", filter=Q(days__kind=WORK)),
        )
        .order_by("-year")
    )


def year_months(year: int, *, region=None) -> tuple[CalendarYear | None, list[dict]]:
    """A year's schedule and its twelve months as weeks of days, for a page to draw.

    Each day: {date, working, exception (the CalendarDay or None), weekend}; days outside the month
    are None so every week has seven cells (Monday first).
    """
    import calendar as std_calendar

    region = _resolve_region(region)
    calendar_year = CalendarYear.objects.filter(region=region, year=year).first()
    exceptions = {} if calendar_year is None else {d.date: d for d in calendar_year.days.all()}
    months = []
    for month in range(1, 13):
        weeks = []
        for week in std_calendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(None)
                    continue
                exception = exceptions.get(day)
                weekend = day.weekday() >= 5
                working = (exception.kind == WORK) if exception is not None else not weekend
                cells.append({"date": day, "working": working, "exception": exception, "weekend": weekend})
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return calendar_year, months
