"""`onewindow restore PATH`: check a backup, restore it into an empty installation, verify the result."""

import sqlite3

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from onewindow.core import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `onewindow backup` into this installation, which must be empty (or "
        "--force). The archive's checksums are verified first; afterwards the row counts are compared "
        "with the manifest and the audit chain is verified. Stop the server before restoring."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive written by `onewindow backup`.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace a non-empty installation (its database and files are kept aside, not deleted).",
        )

    def handle(self, *args, path, force, **options):
        try:
            report = backup.restore_backup(path, force=force)
        except backup.BackupError as exc:
            raise CommandError(f"restore refused: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"restore failed: {exc}") from exc
        except (DatabaseError, sqlite3.Error) as exc:
            raise CommandError(f"restore failed: the database answered: {exc}".strip()) from exc
        manifest = report.manifest
        self.stdout.write(
            f"restored {report.path} (made {manifest['created_at']} by OneWindow {manifest['onewindow_version']})"
        )
        width = max((len(name) for name in report.counts), default=0)
        for name, count in sorted(report.counts.items()):
            self.stdout.write(f"  {name:<{width}}  {count}")
        if report.audit_unsealed:
            self.stdout.write(
                f"audit chain intact: {report.audit_entries} entries; {report.audit_unsealed} more (this "
                "restore's among them) are chained by the sealer (`onewindow audit seal`, `tick` or `serve`)"
            )
        else:
            self.stdout.write(
                f"audit chain intact: {report.audit_entries} entries; this restore is entry #{report.audit_entries + 1}"
            )
        for note in report.notes:
            self.stdout.write(f"note: {note}")
