from pathlib import Path

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def private_sqlite_files(sender, connection, **kwargs) -> None:
    """The SQLite file holds personal data: owner-only (0600). SQLite gives its -wal and -shm files the
    database file's mode, so they follow; any that exist already are tightened too."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            continue


class CoreConfig(AppConfig):
    name = "onewindow.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.db.models.signals import post_migrate

        from onewindow.core import periodic, stamps

        connection_created.connect(private_sqlite_files, dispatch_uid="onewindow.private_sqlite_files")
        # After every migrate (and a test database's flush): the stamp triggers on the watched tables.
        post_migrate.connect(stamps.install, sender=self, dispatch_uid="onewindow.core.stamps.install")
        # Last, so that it also seals what the other jobs recorded.
        periodic.register("audit.seal", _seal_audit, order=10_000)


def _seal_audit() -> str:
    from onewindow.core import audit

    return f"sealed {audit.seal_all()} audit entries; {audit.status().describe()}"
