"""Where schedules come from: the `chinesecalendar` package (official years) and the holiday regulation
(provisional years, until the State Council's notice is out)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput
from onewindow.workdays.models import OFF, WORK

PACKAGE = "chinesecalendar"
PROVISIONAL_SOURCE = (
    "provisional rule: 全国年节及纪念日放假办法 (国务院令第795号), Monday–Friday weeks, no 调休"
)


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
