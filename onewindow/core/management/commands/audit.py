"""`onewindow audit verify`: exit 0 when the chain is intact, 1 and the first broken entry otherwise.
`onewindow audit seal [--loop]`: chain the committed, unsealed entries (the loop is what `serve` starts)."""

import os
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections, connection

from onewindow.core import audit


class Command(BaseCommand):
    help = "Audit log operations."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        sub.add_parser(
            "verify", help="Seal what has committed, then verify the hash chain from the first entry."
        )
        sealer = sub.add_parser("seal", help="Chain the committed entries that are not sealed yet.")
        sealer.add_argument(
            "--loop", action="store_true", help="Keep sealing until stopped (or the parent exits)."
        )
        sealer.add_argument("--interval", type=float, default=None, help="Seconds between looks (loop).")
        sealer.add_argument("--parent", type=int, default=None, help="Stop when this process is gone (loop).")

    def handle(self, *args, verb, **options):
        if verb == "seal":
            return self.seal(loop=options["loop"], interval=options["interval"], parent=options["parent"])
        result = audit.verify()
        if not result.ok:
            raise CommandError(
                f"audit chain broken at entry #{result.bad_seq}: {result.reason} ({result.checked} entries intact before it)"
            )
        self.stdout.write(f"audit chain intact: {result.checked} entries; {result.sealing.describe()}")

    def seal(self, *, loop: bool, interval: float | None, parent: int | None) -> None:
        if not loop:
            self.stdout.write(f"sealed {audit.seal_all()} entries; {audit.status().describe()}")
            return
        interval = settings.ONEWINDOW_AUDIT_SEAL_INTERVAL if interval is None else interval
        stop = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.append(True))
        while not stop and (parent is None or os.getppid() == parent):
            try:
                done = audit.seal()
            except DatabaseError as exc:  # the database restarted or went away: try again shortly
                self.stderr.write(f"audit sealer: {exc}")
                connection.close()
                done = 0
                time.sleep(1.0)
            close_old_connections()
            if done < audit.SEAL_BATCH:
                time.sleep(interval)
        connection.close()
