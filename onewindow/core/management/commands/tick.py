"""`onewindow tick`: idempotent periodic work of the hall, safe every minute (cron or a systemd timer)."""

from django.core.management.base import BaseCommand

from onewindow.core import periodic


class Command(BaseCommand):
    help = (
        "Periodic work (idempotent, safe every minute): every job the installed apps registered, e.g. end "
        "cases whose deferred materials missed their top-up deadline (退件), refresh the stored due dates."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", action="append", default=[], help="run only this job (repeatable)")

    def handle(self, *args, **options):
        only = set(options["only"])
        for job in periodic.jobs():
            if only and job.name not in only:
                continue
            self.stdout.write(f"{job.name}: {job.run()}")
