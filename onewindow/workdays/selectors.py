"""Reads of the working-day calendar for pages and commands (the arithmetic is in `arithmetic`)."""

from __future__ import annotations

import calendar as std_calendar

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput, RuleViolation
from onewindow.org.models import Region
from onewindow.workdays.models import OFF, WORK, CalendarYear


def resolve_region(region):
    """An org.Region, a region code, or None for the default (first) region → the Region."""
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


def calendar_year(year: int, *, region=None) -> CalendarYear | None:
    """One region's schedule of `year`, or None when it has none."""
    return CalendarYear.objects.filter(region=resolve_region(region), year=year).first()


def years_overview(*, region=None):
    """Every year with a schedule, newest first, with its counts of weekdays off and make-up days."""
    region = resolve_region(region)
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
    region = resolve_region(region)
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
