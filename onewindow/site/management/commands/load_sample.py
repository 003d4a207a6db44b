"""`onewindow load-sample [--cases N]`: the Anshan High-tech Zone sample, idempotent (every app's part, in order)."""

import datetime as dt

from django.core.management.base import BaseCommand

from onewindow.cases import sample as cases_sample
from onewindow.catalogue import sample as catalogue_sample
from onewindow.handover import sample as handover_sample
from onewindow.org import sample as org_sample
from onewindow.site import demo
from onewindow.workdays import sample as workdays_sample


class Command(BaseCommand):
    help = "Load the illustrative sample: organisations, hall, windows, seals, calendar, catalogue, demo users (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=0, help="Also add N synthetic historical cases.")
        parser.add_argument(
            "--demo-handovers",
            action="store_true",
            help="For the demo: sign handover agreements already in force for a few departments "
            "(construction, health, commerce) before the cases are made, so their approvers have work.",
        )

    def handle(self, *args, cases, demo_handovers=False, **options):
        loaded = org_sample.load_organisations()
        users = org_sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
        self.stdout.write(f"organisations, hall and windows loaded; {users} demo users created")
        # Each step below reports what it loaded.
        for step in (workdays_sample.load_sample_calendar, handover_sample.load, catalogue_sample.load):
            report = step()
            if report:
                self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        if demo_handovers:
            report = demo.sign_demo_handovers()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
        if cases:
            report = cases_sample.load(cases)
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()) or "synthetic cases: none")
        if demo_handovers:
            report = demo.make_in_flight_cases()
            self.stdout.write(", ".join(f"{k}: {v}" for k, v in report.items()))
