"""`onewindow bench cases` / `onewindow bench stats`: benchmarks with ratios to a baseline of the same run."""

from importlib import import_module

from django.core.management.base import BaseCommand, CommandError

SUITES = {
    "cases": "bench.cases",
    "stats": "bench.stats",
    "calendar": "bench.calendar",
    "audit": "bench.audit",
}


class Command(BaseCommand):
    help = "Run a benchmark suite and print its table (never asserted by the test suite)."

    def add_arguments(self, parser):
        parser.add_argument("suite", choices=sorted(SUITES))
        parser.add_argument("--quick", action="store_true", help="Small counts, for a smoke run.")
        parser.add_argument(
            "--cases", type=int, default=None, help="bench stats: how many cases to generate."
        )

    def handle(self, *args, suite, quick, cases=None, **options):
        try:
            module = import_module(SUITES[suite])
        except ModuleNotFoundError as exc:
            raise CommandError(f"benchmark suite {suite!r} is not available yet ({exc.name})") from None
        self.stdout.write(module.main(quick=quick, **({"cases": cases} if cases else {})))
