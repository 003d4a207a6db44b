"""`onewindow assess --period YYYY-MM|YYYY`: compute the assessment drafts of a month or a year."""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.assessment import services
from onewindow.core.errors import DomainError


class Command(BaseCommand):
    help = "Compute the assessment drafts of every subject for a month (YYYY-MM) or a year (YYYY)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYY-MM or YYYY")

    def handle(self, *args, period, **options):
        started = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as queries:  # counted for the scale note (README)
                summary = services.run(actor=None, period=period)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"period {summary.period}: {summary.created} new drafts, {summary.updated} drafts updated, "
            f"{summary.kept} kept (past the draft)"
        )
        for kind, count in summary.kinds.items():
            self.stdout.write(f"  {kind}: {count} computed")
        for kind in summary.missing_schemes:
            self.stdout.write(f"  {kind}: no scheme effective in this period")
        self.stdout.write(f"  {len(queries.captured_queries)} SQL statements, {elapsed:.1f} s")
