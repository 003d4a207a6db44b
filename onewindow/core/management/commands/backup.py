"""`onewindow backup PATH`: a consistent online backup (database + file store + manifest) in one tar."""

import sqlite3

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from onewindow.core import backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the running installation to PATH (a .tar file, or a directory to "
        "put a dated one in): the database, the uploaded files and a manifest with counts and checksums. "
        "The secret key and other keys are not included: keep them apart."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The archive to write, or an existing directory.")
        parser.add_argument("--force", action="store_true", help="Replace an existing file at PATH.")

    def handle(self, *args, path, force, **options):
        try:
            report = backup.create_backup(path, overwrite=force)
        except backup.BackupError as exc:
            raise CommandError(f"backup refused: {exc}") from exc
        except OSError as exc:
            raise CommandError(f"backup failed: {exc}") from exc
        except (DatabaseError, sqlite3.Error) as exc:
            raise CommandError(f"backup failed: the database answered: {exc}".strip()) from exc
        manifest = report.manifest
        self.stdout.write(f"backup written: {report.path}")
        self.stdout.write(
            f"database: {manifest['database']['vendor']}, {len(manifest['counts'])} tables, "
            f"{sum(manifest['counts'].values())} rows; files: "
            f"{sum(1 for name in manifest['members'] if name.startswith('files/'))}"
        )
        self.stdout.write(f"archive SHA-256 {report.sha256}")
        self.stdout.write(f"archive SM3     {report.sm3}")
