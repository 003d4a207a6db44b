"""`onewindow bench calendar`: add_workdays calls per second against a naive day-by-day count, same run.

`run(n)` returns the rows (the cases benchmark includes them in its table); `main()` prints them.
The workload: starts spread over 2004–2026, promised limits of 1–60 working days, precomputed so the
loop measures the calendar alone. The baseline walks day by day over the same exceptions, in memory.
"""

from __future__ import annotations

import datetime as dt
import random
import time

from django.db import transaction

from bench.report import database_label, table
from onewindow.core import stamps

COLUMNS = ["measure", "database", "calls", "seconds", "calls_per_second", "ratio_to_baseline"]


class _Rollback(Exception):
    pass


def _workload(n: int, seed: int = 20240927) -> list[tuple[dt.date, int]]:
    rng = random.Random(seed)
    first = dt.date(2004, 1, 1).toordinal()
    last = dt.date(2026, 6, 30).toordinal()
    return [(dt.date.fromordinal(rng.randint(first, last)), rng.randint(1, 60)) for _ in range(n)]


def _naive_add_workdays(exceptions: dict[dt.date, str]):
    one = dt.timedelta(days=1)

    def add(start: dt.date, n: int) -> dt.date:
        day = start
        while n:
            day += one
            kind = exceptions.get(day)
            if (kind == "work") if kind is not None else day.weekday() < 5:
                n -= 1
        return day

    return add


def _time(fn, pairs) -> float:
    started = time.perf_counter()
    for start, n in pairs:
        fn(start, n)
    return time.perf_counter() - started


def _measure(n: int) -> list[dict]:
    from onewindow.org.models import Region
    from onewindow.workdays import arithmetic
    from onewindow.workdays.models import CalendarDay

    arithmetic.add_workdays(dt.date(2024, 9, 27), 5)  # build the index outside the timing
    region_id = Region.objects.order_by("pk").values_list("pk", flat=True).first()  # the default region
    exceptions = dict(CalendarDay.objects.filter(region_id=region_id).values_list("date", "kind"))
    pairs = _workload(n)
    naive = _naive_add_workdays(exceptions)
    naive_pairs = pairs[: max(1, n // 10)]
    sample = pairs[:2000]
    mismatches = sum(arithmetic.add_workdays(s, k) != naive(s, k) for s, k in sample)
    if mismatches:
        raise AssertionError(
            f"add_workdays disagrees with the day-by-day count on {mismatches} of 2000 calls"
        )

    base_seconds = _time(naive, naive_pairs)
    base_rate = len(naive_pairs) / base_seconds
    db = database_label()
    rows = []
    ends = [(s, arithmetic.add_workdays(s, k)) for s, k in pairs]
    for label, fn, work in (
        ("add_workdays (indexed)", arithmetic.add_workdays, pairs),
        ("add_workdays_info (indexed, with provisional flag)", arithmetic.add_workdays_info, pairs),
        ("count_workdays (indexed)", arithmetic.count_workdays, ends),
    ):
        seconds = _time(fn, work)
        rate = len(work) / seconds
        rows.append(
            {
                "measure": label,
                "database": db,
                "calls": len(work),
                "seconds": seconds,
                "calls_per_second": rate,
                "ratio_to_baseline": rate / base_rate,
            }
        )
    # Noticing another process's change: the reference-data stamp (core.stamps), free in an API request
    # (the token's query reads it); one small query in other requests, or every RECHECK_SECONDS outside.
    checks = 200
    started = time.perf_counter()
    for _ in range(checks):
        stamps.read()
    seconds = time.perf_counter() - started
    rows.append(
        {
            "measure": f"freshness check (stamp query: none in an API request; else every {arithmetic.RECHECK_SECONDS:g} s)",
            "database": db,
            "calls": checks,
            "seconds": seconds,
            "calls_per_second": checks / seconds,
            "ratio_to_baseline": (checks / seconds) / base_rate,
        }
    )
    rows.append(
        {
            "measure": "baseline: naive day-by-day add_workdays (in memory)",
            "database": db,
            "calls": len(naive_pairs),
            "seconds": base_seconds,
            "calls_per_second": base_rate,
            "ratio_to_baseline": 1.0,
        }
    )
    return rows


def run(n: int = 200_000) -> list[dict]:
    """Measure; when the database has no calendar yet, seed one for the run and roll it back."""
    from onewindow.org.models import Region
    from onewindow.workdays import arithmetic
    from onewindow.workdays import services as workdays_services
    from onewindow.workdays.models import CalendarYear

    if CalendarYear.objects.exists():
        return _measure(n)
    rows: list[dict] = []
    try:
        with transaction.atomic():
            region = Region.objects.order_by("pk").first() or Region.objects.create(
                code="000000", name="benchmark"
            )
            workdays_services.seed_from_package(region=region)
            rows = _measure(n)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        arithmetic.invalidate()
    return rows


def main(quick: bool = False) -> str:
    rows = run(20_000 if quick else 200_000)
    return table(rows, COLUMNS)
