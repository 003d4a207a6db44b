"""`onewindow audit verify`: exit 0 when the chain is intact, 1 and the first broken entry otherwise."""

from django.core.management.base import BaseCommand, CommandError

from onewindow.core import audit


class Command(BaseCommand):
    help = "Audit log operations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser("verify", help="Verify the hash chain from the first entry.")

    def handle(self, *args, verb, **options):
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at entry #{result.bad_seq}: {result.reason} ({result.checked} entries intact before it)"
            )
        self.stdout.write(f"audit chain intact: {result.checked} entries")
