"""`onewindow bench stats`: the statistics at the scale of a decade, against a plain count of the same table.

In ONE throwaway database of the configured engine (bench.cases.throwaway_database: a file in the data
dir, or a PostgreSQL database made with the configured role and dropped at the end):

1. the sample (organisations, calendar, seals, catalogue), every receiving department's sub-items handed
   over two years ago (so departments have history and open cases), then N generated cases
   (`cases.generator`, default 1,000,000; the rate and the load average are reported) and the
   statistics' roll-ups rebuilt (`stats.services.rebuild`), then ANALYZE;
2. p50 and p95 of each of the five `by=` groupings of the statistics over the last year and over all
   years, through the selector the API calls (`stats.selectors.case_statistics`) and over HTTP
   (in-process Django client, GET /api/v1/stats/cases with a Bearer token) for the last year;
3. the drill-down list (the cases page a figure links to) and the supervisor's board
   (`supervision.selectors.board` when that app is installed, else the cases list filtered by level
   `overdue`, said so in the table);
4. the baseline: `SELECT count(*)` over the cases table, measured in the same run; every row gives its
   ratio to it.

Targets (issue 10): each grouping p50 < 300 ms, the board < 200 ms, at 10⁶ cases on both databases.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from importlib import import_module
from pathlib import Path

from django.db import connection
from django.test import Client
from django.test.utils import override_settings

from bench.cases import FAST_HASHERS, throwaway_database
from bench.report import database_label, table

BY = ("department", "subitem", "window", "staff", "month")
TARGET_GROUPING_MS = 300.0
TARGET_BOARD_MS = 200.0
COLUMNS = ["what", "p50 ms", "p95 ms", "ratio p50", "target", "met"]
SUPERVISOR = "supervisor1"
HANDED_OVER_YEARS = 2


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def _timed(fn, repeats: int) -> list[float]:
    """Milliseconds of `repeats` calls after one warm-up call."""
    fn()
    out = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _prepare() -> dict:
    """The sample and the handovers of every receiving department, as of two years ago."""
    from onewindow.catalogue import sample as catalogue_sample
    from onewindow.core import clock
    from onewindow.handover import sample as handover_sample
    from onewindow.org import sample as org_sample
    from onewindow.org.models import Organisation, OrganisationKind
    from onewindow.site import demo
    from onewindow.staffing import sample as staffing_sample
    from onewindow.workdays import sample as workdays_sample

    loaded = org_sample.load_organisations()
    # Stationed (and qualified) from a month before the handovers take effect.
    stationed_from = clock.today() - dt.timedelta(days=365 * HANDED_OVER_YEARS + 30)
    org_sample.load_users(hall=loaded["hall"], stationed_from=stationed_from)
    workdays_sample.load_sample_calendar()
    handover_sample.load()
    catalogue_sample.load()
    # Rule 8's guard refuses a signature leaving a sub-item without a qualified approver: qualify them.
    staffing_sample.qualify_stationed_approvers()
    departments = Organisation.objects.filter(
        kind__in=[OrganisationKind.INTERNAL, OrganisationKind.RESIDENT]
    ).values_list("code", flat=True)
    return demo.sign_demo_handovers(departments=list(departments), days_in_force=365 * HANDED_OVER_YEARS)


def _progress(started: float):
    def show(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        sys.stderr.write(f"\r  generating: {done:,}/{total:,} cases, {rate:,.0f}/s   ")
        sys.stderr.flush()

    return show


def _count_all() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        cursor.fetchone()


def _row(what: str, ms: list[float], baseline: float, target: float | None) -> dict:
    p50, p95 = statistics.median(ms), _percentile(ms, 95)
    return {
        "what": what,
        "p50 ms": p50,
        "p95 ms": p95,
        "ratio p50": f"{p50 / baseline:.1f}×" if baseline else "",
        "target": f"< {target:.0f} ms" if target else "",
        "met": ("met" if p50 < target else "NOT met") if target else "",
    }


def measure(*, repeats: int) -> list[dict]:
    """The rows of the table (the database holds the generated history)."""
    from django.contrib.auth import get_user_model

    from onewindow.core import clock
    from onewindow.org import services as org_services

    # Imported by name: the statistics app may not be installed in every build.
    drill = import_module("onewindow.stats.drill")
    stats_selectors = import_module("onewindow.stats.selectors")

    supervisor = (
        get_user_model().objects.select_related("staff__organisation__region").get(username=SUPERVISOR)
    )
    today = clock.today()
    year_ago = today - dt.timedelta(days=365)
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(received_at) FROM cases_case")
        first = cursor.fetchone()[0]
    first_day = (
        clock.local_date(first) if isinstance(first, dt.datetime) else dt.date.fromisoformat(str(first)[:10])
    )
    spans = {"last year": (year_ago, today), "all years": (first_day, today)}

    baseline_ms = _timed(_count_all, repeats * 2)
    baseline = statistics.median(baseline_ms)
    rows = [_row("baseline: SELECT count(*) FROM cases_case", baseline_ms, baseline, None)]
    for span, (date_from, date_to) in spans.items():
        for by in BY:
            ms = _timed(
                lambda by=by, f=date_from, t=date_to: stats_selectors.case_statistics(
                    supervisor, date_from=f, date_to=t, by=by
                ),
                repeats,
            )
            rows.append(_row(f"stats by={by}, {span} (selector)", ms, baseline, TARGET_GROUPING_MS))

    password = os.environ.get("ONEWINDOW_DEMO_PASSWORD") or _demo_password()
    token, _expires = org_services.issue_token(username=SUPERVISOR, password=password)
    api = Client(headers={"Authorization": f"Bearer {token}"})
    for by in BY:

        def over_http(by=by):
            response = api.get(
                "/api/v1/stats/cases", {"from": year_ago.isoformat(), "to": today.isoformat(), "by": by}
            )
            assert response.status_code == 200, response.content[:300]

        rows.append(
            _row(
                f"stats by={by}, last year (HTTP, API)",
                _timed(over_http, repeats),
                baseline,
                TARGET_GROUPING_MS,
            )
        )

    page = Client()
    page.force_login(supervisor)
    top = stats_selectors.case_statistics(supervisor, date_from=year_ago, date_to=today, by="department")
    key = max(top, key=lambda r: r.get("completed") or 0)["key"] if top else None
    url = drill.link("on_time", date_from=year_ago, date_to=today, by="department", key=key)

    def drill_down():
        response = page.get(url)
        assert response.status_code == 200, response.status_code

    rows.append(
        _row(
            f"drill-down list (cases page of on_time, {key}, last year)",
            _timed(drill_down, repeats),
            baseline,
            None,
        )
    )
    rows.append(_board_row(supervisor, page, repeats, baseline))
    return rows


def _demo_password() -> str:
    from onewindow.org.sample import demo_password

    return demo_password()


def _board_row(supervisor, page: Client, repeats: int, baseline: float) -> dict:
    from django.apps import apps

    installed = apps.is_installed("onewindow.supervision")  # not just importable: in INSTALLED_APPS
    board = import_module("onewindow.supervision.selectors").board if installed else None
    if board is not None:
        ms = _timed(lambda: board(supervisor), repeats)
        return _row("supervisor's board (supervision.selectors.board)", ms, baseline, TARGET_BOARD_MS)

    def overdue_list():
        response = page.get("/cases/", {"level": "overdue"})
        assert response.status_code == 200, response.status_code

    ms = _timed(overdue_list, repeats)
    return _row("board stand-in: cases page, level=overdue (no board yet)", ms, baseline, TARGET_BOARD_MS)


def main(quick: bool = False, cases: int | None = None) -> str:
    from onewindow.cases import generator

    try:
        stats_services = import_module("onewindow.stats.services")
    except ImportError:
        return "bench stats: the statistics app (onewindow.stats) is not installed in this build"
    n = cases or int(os.environ.get("ONEWINDOW_BENCH_CASES", 0)) or (20_000 if quick else 1_000_000)
    repeats = 5 if quick else 15
    load_at_start = os.getloadavg()[0]
    lines = []
    with (
        throwaway_database(),
        override_settings(
            PASSWORD_HASHERS=FAST_HASHERS, ONEWINDOW_REQUIRE_2FA_ROLES=[], ALLOWED_HOSTS=["testserver"]
        ),
    ):
        label = database_label()
        where = Path(connection.settings_dict["NAME"]).name
        handovers = _prepare()
        started, cpu = time.perf_counter(), time.process_time()
        tally = generator.generate(n, seed=2026, progress=_progress(started))
        sys.stderr.write("\n")
        generated = time.perf_counter() - started
        generated_cpu = time.process_time() - cpu
        load_after_generation = os.getloadavg()[0]
        started = time.perf_counter()
        stats_services.rebuild()
        rebuilt = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        rows = measure(repeats=repeats)
    made = tally["cases"]
    lines.append(f"database: {label}, throwaway {where} (removed after the run)")
    lines.append(
        f"machine: {os.cpu_count()} CPUs; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{load_at_start:.1f} at start, {load_after_generation:.1f} after generating, {os.getloadavg()[0]:.1f} at end"
    )
    lines.append(
        f"history: {made:,} cases generated in {generated:.1f} s = {made / max(generated, 1e-9):,.0f} cases/s "
        f"({generated_cpu / max(made, 1) * 1e6:,.0f} µs of this process's CPU per case); "
        f"{tally['events']:,} events, {tally['results']:,} results; statistics rebuilt in {rebuilt:.1f} s; "
        f"handovers: {', '.join(f'{k}: {v}' for k, v in handovers.items()) or 'none'}"
    )
    lines.append(f"each row: {repeats} timed calls after one warm-up; ratio = p50 ÷ p50 of the baseline")
    lines.append("")
    lines.append(table(rows, COLUMNS))
    return "\n".join(lines)
