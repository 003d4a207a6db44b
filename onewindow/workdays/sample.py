"""The sample calendar for `onewindow load-sample`."""

from __future__ import annotations

from django.db.models import Max

from onewindow.core import clock
from onewindow.workdays.models import OFFICIAL, PROVISIONAL, CalendarYear
from onewindow.workdays.selectors import resolve_region
from onewindow.workdays.services import create_provisional_year, seed_from_package
from onewindow.workdays.sources import PROVISIONAL_LAST_YEAR


def load_sample_calendar(*, region=None) -> dict:
    """For `onewindow load-sample`: the package's official years, and provisional ones after the last.

    Provisional years are made from the year after the last official one through next year (by the
    hall's clock), when they have no schedule yet.
    """
    region = resolve_region(region)
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
