"""Working-day arithmetic: an in-process index per region, so each count is a couple of list look-ups.

docs/rules.md rule 4. A day is a working day when it is Monday–Friday and not declared off, or a Saturday or
Sunday declared a working day. The tables store only those exceptions (`CalendarDay`), one
`CalendarYear` per region and year, *official* or *provisional* (see `sources`). A year with neither is
an error (`CalendarMissing`), never a guess.

The index of a region holds a prefix count of working days per day and the list of working days. It is
rebuilt when this process changes a year (`invalidate`, called by the services), and when another
process did: core.stamps' stamp (changed by triggers on the calendar and region tables) is compared once
per HTTP request that uses the calendar — free in an API request, whose token query reads it — and
outside requests (commands, benchmarks) at most every `RECHECK_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.utils.translation import gettext as _

from onewindow.core import stamps
from onewindow.core.errors import InvalidInput
from onewindow.org.models import Region
from onewindow.workdays.errors import CalendarMissing
from onewindow.workdays.models import PROVISIONAL, WORK, CalendarDay, CalendarYear

# How often (seconds) a process checks whether another process changed the calendar.
RECHECK_SECONDS = float(getattr(settings, "ONEWINDOW_CALENDAR_RECHECK_SECONDS", 2.0))


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
    fingerprint: object = field(default_factory=object)  # core.stamps' stamp the state was built under
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


request_started.connect(_request_started, dispatch_uid="onewindow.workdays.arithmetic.request_started")
request_finished.connect(_request_finished, dispatch_uid="onewindow.workdays.arithmetic.request_finished")


def _refresh() -> _State:
    """Keep the state when the calendar is unchanged since the last look, else start a new, empty one.

    The look is core.stamps' stamp, which database triggers change with any schedule or region: in an API
    request the Bearer token's query has already read it (no query here); elsewhere one small query."""
    global _state
    with _lock:
        fingerprint = stamps.fresh()
        if fingerprint == _state.fingerprint:
            _state.checked_at = _monotonic()
            return _state
        state = _State(fingerprint=fingerprint, checked_at=_monotonic())
        state.region_ids = dict(Region.objects.values_list("code", "id"))
        state.default_region_id = min(state.region_ids.values(), default=None)
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


def _current() -> _State:
    state = _state
    in_request = getattr(_local, "request", None)
    if in_request is None:
        if _monotonic() - state.checked_at > RECHECK_SECONDS:
            state = _refresh()
    elif in_request == _UNCHECKED:
        state = _refresh()
        _local.request = _CHECKED
    return state


def region_ids() -> dict[str, int]:
    """{code: id} of every region, as the calendar knows them (no query beyond the calendar's own check)."""
    return dict(_current().region_ids)


def _index_for(region) -> _Index | None:
    state = _current()
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
    due, index, first_year_index = _count_in(_index_for(region), start, n)
    # Hot path: tuple.__new__ skips the named tuple's Python-level __new__.
    return _new_result(WorkdayResult, (due, index.next_provisional[first_year_index] <= due.year))


def _count_in(index: _Index | None, start: dt.date, n: int):
    """The one counting rule (n ≥ 1): (due date, the index used, the year slot of the first counted day)."""
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
    return _count_in(_index_for(region), start, n)[0]


def count_workdays(after: dt.date, through: dt.date, *, region=None) -> int:
    """Working days in (after, through]: `after` does not count, `through` does; 0 when through <= after.

    The inverse of `add_workdays`: count_workdays(d, add_workdays(d, n)) == n for n ≥ 0.
    """
    if through <= after:
        return 0
    return _count_between(_index_for(region), after, through)


def _count_between(index: _Index | None, after: dt.date, through: dt.date) -> int:
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


class Bound(NamedTuple):
    """`add_workdays` and `count_workdays` of one region, bound to its index as it is now."""

    add: object
    count: object


def bound(*, region=None) -> Bound:
    """The arithmetic of `region` for loops over many dates (bulk history loads): the same rules as
    `add_workdays` and `count_workdays`, without their per-call region look-up and freshness check.
    Use it within one task; a calendar change after this call is not seen."""
    index = _index_for(region)

    def add(start: dt.date, n: int) -> dt.date:
        if n <= 0:
            _check_days(n)
            return start
        return _count_in(index, start, n)[0]

    def count(after: dt.date, through: dt.date) -> int:
        return 0 if through <= after else _count_between(index, after, through)

    return Bound(add, count)


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
