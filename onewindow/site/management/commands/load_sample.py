"""`onewindow load-sample [--cases N]`: the Anshan High-tech Zone sample, idempotent (every app's part, in order);
`--cases N` adds N synthetic historical cases (cases.generator), then rebuilds the statistics."""

import datetime as dt
import time

from django.core.management.base import BaseCommand

from onewindow.assessment import defaults as assessment_defaults
from onewindow.cases import generator
from onewindow.catalogue import sample as catalogue_sample
from onewindow.core import audit
from onewindow.handover import sample as handover_sample
from onewindow.org import sample as org_sample
from onewindow.site import demo
from onewindow.staffing import sample as staffing_sample
from onewindow.workdays import sample as workdays_sample

BAR = 30


class Command(BaseCommand):
    help = "Load the illustrative sample: organisations, hall, windows, seals, calendar, catalogue, demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cases",
            type=int,
            default=0,
            help="Also add N synthetic historical cases. From 50,000 cases, when at least as many as are "
            "stored already, the load runs as ONE transaction with the case tables' secondary indexes and "
            "foreign keys dropped and rebuilt at the end: those tables (cases, events, suspensions, "
            "extensions, results, audit log) are locked for the whole load — for a sample or benchmark "
            "database, not a hall at work.",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes that make the synthetic cases (default: one per CPU from 50,000 cases, else "
            "none; 0: all in this process). A seeded run makes the same cases whatever the number.",
        )
        parser.add_argument(
            "--seed", type=int, default=None, help="Seed of the synthetic history (repeatable runs)."
        )
        parser.add_argument(
            "--demo-handovers",
            action="store_true",
            help="For the demo: sign handover agreements already in force for a few departments "
            "(construction, health, commerce) before the cases are made, so their approvers have work.",
        )

    def handle(self, *args, cases, seed=None, demo_handovers=False, workers=None, **options):
        loaded = org_sample.load_organisations()
        users = org_sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
        self.stdout.write(f"organisations, hall and windows loaded; {users} demo users created")
        # Each step below reports what it loaded.
        for step in (
            workdays_sample.load_sample_calendar,
            handover_sample.load,
            catalogue_sample.load,
            staffing_sample.qualify_stationed_approvers,
            staffing_sample.load_trainings,
        ):
            report = step()
            if report:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        schemes = assessment_defaults.install_defaults(region=loaded["region"])
        self.stdout.write(f"assessment schemes: {len(schemes)}")
        if demo_handovers:
            report = demo.sign_demo_handovers()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        if cases:
            self._generate(cases, seed, workers)
        if demo_handovers:
            report = demo.make_in_flight_cases()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        if demo_handovers and cases:
            periods = demo.assess_past_months()
            self.stdout.write(f"assessment drafts computed for {', '.join(periods) or 'no month'}")

    def _generate(self, n: int, seed, workers) -> None:
        started = time.perf_counter()
        tally = generator.generate(n, seed=seed, progress=self._progress(started), workers=workers)
        elapsed = time.perf_counter() - started
        made = tally["cases"]
        if n >= generator.CHUNK:
            self.stderr.write("")
        self.stdout.write(
            f"synthetic cases: {made} in {elapsed:.1f} s ({made / max(elapsed, 1e-9):,.0f} cases/s); "
            f"events: {tally['events']}, results: {tally['results']}, suspensions: {tally['suspensions']}, "
            f"extensions: {tally['extensions']}"
        )
        started = time.perf_counter()
        sealed = audit.seal_all()  # the history's audit entries join the chain now, not at the next tick
        self.stdout.write(f"audit entries sealed: {sealed} in {time.perf_counter() - started:.1f} s")
        rebuilt = _rebuild_statistics()
        if rebuilt:
            self.stdout.write(f"statistics rebuilt in {rebuilt:.1f} s")

    def _progress(self, started: float):
        def show(done: int, total: int) -> None:
            if total < generator.CHUNK:
                return  # a small load finishes before a bar would help
            filled = BAR * done // total
            rate = done / max(time.perf_counter() - started, 1e-9)
            self.stderr.write(
                f"\r[{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,} cases, {rate:,.0f}/s",
                ending="",
            )
            self.stderr.flush()

        return show


def _rebuild_statistics() -> float | None:
    """Roll the statistics up over the new history (the generator bypasses the case-event hooks)."""
    try:
        from onewindow.stats import services as stats_services
    except ImportError:  # the statistics app is not installed in this build
        return None
    started = time.perf_counter()
    stats_services.rebuild()
    return time.perf_counter() - started
