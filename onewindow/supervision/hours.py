"""Working hours: the hall's opening hours (ONEWINDOW_HALL_HOURS) on working days (onewindow.workdays),
the unit acknowledgment delays and escalations are measured in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing


def _periods() -> list[tuple[dt.time, dt.time]]:
    return [(dt.time.fromisoformat(a), dt.time.fromisoformat(b)) for a, b in settings.ONEWINDOW_HALL_HOURS]


def _is_workday(day: dt.date, region) -> bool:
    try:
        return arithmetic.is_workday(day, region=region)
    except CalendarMissing:
        # A delay is a measurement, not a due date: beyond the calendar, Monday to Friday.
        return day.weekday() < 5


def working_minutes(start: dt.datetime, end: dt.datetime, *, region=None) -> int:
    """Minutes of hall hours on working days in [start, end) (0 when end is not after start)."""
    if end <= start:
        return 0
    zone = timezone.get_current_timezone()
    start, end = timezone.localtime(start, zone), timezone.localtime(end, zone)
    periods = _periods()
    total = dt.timedelta()
    day = start.date()
    while day <= end.date():
        if _is_workday(day, region):
            for opens, closes in periods:
                lo = max(start, dt.datetime.combine(day, opens, tzinfo=zone))
                hi = min(end, dt.datetime.combine(day, closes, tzinfo=zone))
                if hi > lo:
                    total += hi - lo
        day += dt.timedelta(days=1)
    return int(total.total_seconds() // 60)


def hours(minutes: int | None) -> float | None:
    """Working minutes as hours with one decimal (how the pages and the API show a delay)."""
    return None if minutes is None else round(minutes / 60, 1)
