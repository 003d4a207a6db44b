"""`onewindow load-sample [--cases N]`: the Anshan High-tech Zone sample, idempotent (every app's part, in order)."""

import datetime as dt

from django.core.management.base import BaseCommand

from onewindow.cases import sample as cases_sample
from onewindow.catalogue import sample as catalogue_sample
from onewindow.handover import sample as handover_sample
from onewindow.org import sample as org_sample
from onewindow.workdays import sample as workdays_sample


class Command(BaseCommand):
    help = "Load the illustrative sample: organisations, hall, windows, seals, calendar, catalogue, demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help="Also add N synthetic historical cases.")

    def handle(self, *args, cases, **options):
        loaded = org_sample.load_organisations()
        users = org_sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
        self.stdout.write(f"organisations, hall and windows loaded; {users} demo users created")
        # Each step below reports what it loaded.
        for step in (workdays_sample.load_sample_calendar, handover_sample.load, catalogue_sample.load):
            report = step()
            if report:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        if cases:
            report = cases_sample.load(cases)
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()) or "synthetic cases: none")
