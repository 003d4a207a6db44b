"""`onewindow tick`: idempotent periodic work of the hall, safe every minute."""

from django.core.management.base import BaseCommand

from onewindow.cases import services


class Command(BaseCommand):
    help = (
        "Periodic work (idempotent): end cases whose deferred materials missed their top-up deadline (退件), "
        "refresh the stored due dates of open cases (an open special procedure moves them daily)."
    )

    def handle(self, *args, **options):
        ended = services.end_expired_deferrals()
        refreshed = services.refresh_open_due_dates()
        self.stdout.write(f"cases ended for missed deferrals: {len(ended)}; due dates refreshed: {refreshed}")
        for number in ended:
            self.stdout.write(f"  ended {number}")
