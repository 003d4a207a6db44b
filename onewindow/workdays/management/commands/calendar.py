"""`onewindow calendar load PATH | provisional YEAR | seed | show YEAR`: the working-day calendar."""

from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError
from onewindow.workdays import selectors, services
from onewindow.workdays.errors import CalendarMissing
from onewindow.workdays.models import OFFICIAL


class Command(BaseCommand):
    help = "Working-day calendar: load an official year, create a provisional one, seed, show."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        load = sub.add_parser(
            "load",
            help="Load one year's official schedule from CSV or .xlsx (columns date, kind off|work, name); "
            "replaces a provisional year and recomputes the due dates of open cases.",
        )
        load.add_argument("path")
        provisional = sub.add_parser(
            "provisional",
            help="Create a provisional year from the holiday regulation (no-op for an official year).",
        )
        provisional.add_argument("year", type=int)
        seed = sub.add_parser("seed", help="Load every year the chinesecalendar package knows as official.")
        show = sub.add_parser("show", help="List a year's days off and make-up working days.")
        show.add_argument("year", type=int)
        for p in (load, provisional, seed, show):
            p.add_argument("--region", default=None, help="Region code (default: the first region).")

    def handle(self, *args, verb, region=None, **options):
        try:
            getattr(self, f"do_{verb}")(region=region, **options)
        except DomainError as exc:
            lines = [str(exc.message)]
            for where, messages in exc.errors.items():
                lines.extend(f"  {where}: {message}" for message in messages)
            raise CommandError("\n".join(lines)) from exc

    def do_load(self, *, region, path, **options):
        report = services.load_schedule(path=path, region=region)
        if not report.changed:
            self.stdout.write(f"{report.year}: the official schedule is already loaded; nothing changed")
            return
        self.stdout.write(
            f"{report.year}: official schedule loaded ({report.days_off} weekdays off, "
            f"{report.make_up_days} make-up working days"
            + (
                f", {report.ignored_rows} rows restating the ordinary week ignored"
                if report.ignored_rows
                else ""
            )
            + f"); replaced: {report.status_before or 'nothing'}; open cases recomputed"
        )

    def do_provisional(self, *, region, year, **options):
        calendar_year, created = services.create_provisional_year(year=year, region=region)
        if created:
            days = calendar_year.days.count()
            self.stdout.write(f"{year}: provisional schedule created ({days} weekdays off, no make-up days)")
        elif calendar_year.status == OFFICIAL:
            self.stdout.write(f"{year}: has an official schedule; nothing changed")
        else:
            self.stdout.write(f"{year}: provisional schedule already in place; nothing changed")

    def do_seed(self, *, region, **options):
        report = services.seed_from_package(region=region)
        self.stdout.write(
            f"{report['source']}: {len(report['created'])} years created, {len(report['updated'])} updated"
        )

    def do_show(self, *, region, year, **options):
        calendar_year = selectors.calendar_year(year, region=region)
        if calendar_year is None:
            raise CalendarMissing(year)
        self.stdout.write(f"{year} {calendar_year.status} ({calendar_year.source})")
        for day in calendar_year.days.order_by("date"):
            self.stdout.write(f"{day.date} {day.date:%a} {day.kind:<4} {day.name}")
