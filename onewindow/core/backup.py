"""Consistent online backup and restore: the database and the file store in one tar, with a manifest.

The database is copied from one snapshot while the server keeps writing: SQLite through its online
backup API (one step, so one read transaction of the WAL), PostgreSQL by `pg_dump -Fc` inside a
REPEATABLE READ snapshot that the row counts of the manifest are taken in as well. The files are
copied after the snapshot, so every file a backed-up row names is already there (uploads are written
before the row that names them is committed).

Not in the archive, on purpose: the secret key and any other key in the data dir (a stolen backup
must not carry the keys that protect it — keep them apart), `static/` (rebuilt by `collectstatic`),
`demo_password`. This module is generic over the database: it imports no app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction

from onewindow.core import audit, clock

FORMAT = "onewindow-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
# Settings naming a directory of files the database refers to (uploads); each goes to files/<key>/.
# A new file store gets its line here, or its files are not backed up.
FILE_ROOTS = {"media": "MEDIA_ROOT", "case_files": "ONEWINDOW_FILES_DIR"}
# What a bare `onewindow migrate` fills: an installation with rows only there is still empty.
MIGRATE_TABLES = frozenset(
    {"django_migrations", "django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}
)
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore refused or failed, with the reason an operator can act on."""


@dataclass
class Report:
    path: Path
    manifest: dict
    sha256: str = ""
    sm3: str = ""
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    audit_entries: int = 0
    audit_unsealed: int = 0  # entries (this restore's among them) the sealer has yet to chain


# --------------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------------


def digests(path: Path) -> dict:
    """Size, SHA-256 and SM3 of a file, read once."""
    sha = hashlib.sha256()
    sm3 = hashes.Hash(hashes.SM3())
    size = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            sm3.update(chunk)
            size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest(), "sm3": sm3.finalize().hex()}


def _vendor() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(f"backups of a {connection.vendor} database are not supported")
    return connection.vendor


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_counts() -> dict[str, int]:
    """Rows per table of the configured database (Django's view of its tables)."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
        counts = {}
        for name in sorted(names):
            cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
            counts[name] = cursor.fetchone()[0]
    return counts


def _file_roots() -> dict[str, Path]:
    return {
        key: Path(getattr(settings, name))
        for key, name in FILE_ROOTS.items()
        if getattr(settings, name, None)
    }


def _has_files(root: Path) -> bool:
    return root.is_dir() and any(p.is_file() for p in root.rglob("*"))


def _stamp() -> str:
    return clock.now().astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _private_tempdir(near: Path, prefix: str) -> Path:
    """A 0700 directory on the same file system as `near` (so results can be renamed into place)."""
    return Path(tempfile.mkdtemp(prefix=prefix, dir=near))


# --------------------------------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[list[str]], dict]:
    """Copy the live database in one backup step (one consistent read snapshot); count on the copy."""
    source_path = Path(connection.settings_dict["NAME"])
    if not source_path.is_file():
        raise BackupError(f"no database at {source_path}: nothing to back up")
    source = sqlite3.connect(str(source_path), timeout=30)
    copy = sqlite3.connect(str(target))
    try:
        source.backup(copy)  # pages=-1: the whole database in one step
    finally:
        source.close()
    try:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copied database fails its integrity check: {check}")
        names = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {name: copy.execute(f"SELECT COUNT(*) FROM {_quote(name)}").fetchone()[0] for name in names}
        migrations = (
            [list(row) for row in copy.execute("SELECT app, name FROM django_migrations ORDER BY id")]
            if "django_migrations" in names
            else []
        )
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        copy.close()
    return counts, migrations, {"sqlite_version": version}


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs (postgresql-client)")
    return path


def _major(version_text: str) -> int:
    found = re.search(r"(\d+)(?:\.\d+)?", version_text)
    if not found:
        raise BackupError(f"cannot read a version from {version_text!r}")
    return int(found.group(1))


def _pg_env() -> dict[str, str]:
    """Environment for pg_dump/pg_restore/psql naming the configured database (as Django connects)."""
    from django.db.backends.postgresql.client import DatabaseClient

    db = connection.settings_dict
    _args, extra = DatabaseClient.settings_to_cmd_args_env(db, [])
    env = {**os.environ, **{k: str(v) for k, v in extra.items() if v}}
    for key, value in (
        ("PGDATABASE", db["NAME"]),
        ("PGHOST", db["HOST"]),
        ("PGPORT", db["PORT"]),
        ("PGUSER", db["USER"]),
    ):
        if value:
            env[key] = str(value)
    return env


def _run(command: list[str], what: str) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=_pg_env(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return result


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[list[str]], dict]:
    """pg_dump -Fc of an exported snapshot; the counts and migrations are read in the same snapshot."""
    pg_dump = _pg_tool("pg_dump")
    client = subprocess.run([pg_dump, "--version"], capture_output=True, text=True).stdout.strip()
    with connection.wrap_database_errors:  # psycopg's errors as Django's, which the command reports
        raw = connection.get_new_connection(connection.get_connection_params())
    try:
        raw.autocommit = False
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
            if _major(client.partition("(PostgreSQL)")[2] or client) < _major(server):
                raise BackupError(
                    f"{client} cannot dump a PostgreSQL {server} server: install the client of version "
                    f"{_major(server)} or later"
                )
            cursor.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"
            )
            names = [row[0] for row in cursor.fetchall()]
            counts = {}
            for name in names:
                cursor.execute(f"SELECT COUNT(*) FROM {_quote(name)}")
                counts[name] = cursor.fetchone()[0]
            migrations = []
            if "django_migrations" in names:
                cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
                migrations = [list(row) for row in cursor.fetchall()]
            # The snapshot lives as long as this transaction: pg_dump runs inside it.
            _run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"], "pg_dump")
        raw.rollback()
    finally:
        raw.close()
    return counts, migrations, {"server_version": server, "pg_dump": client}


def _collect_files() -> list[tuple[str, Path]]:
    """(member name, source file) of every regular file under each file root; links are not followed."""
    found = []
    for key, root in _file_roots().items():
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found.append((f"files/{key}/{path.relative_to(root).as_posix()}", path))
    return found


def _resolve_target(path: Path, overwrite: bool) -> Path:
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / f"onewindow-backup-{_stamp()}.tar"
    if not path.parent.is_dir():
        raise BackupError(f"{path.parent} is not a directory")
    if path.exists() and not overwrite:
        raise BackupError(f"{path} exists; choose another name or pass --force to replace it")
    if not os.access(path.parent, os.W_OK):
        raise BackupError(f"{path.parent} is not writable")
    path = path.resolve()
    for root in _file_roots().values():
        if path.is_relative_to(root.resolve()):
            raise BackupError(f"{path} is inside the file store {root}, which is backed up: write elsewhere")
    return path


def create_backup(path: Path, *, overwrite: bool = False) -> Report:
    """Write one tar at `path` (or a dated one inside a directory): manifest, database, files."""
    vendor = _vendor()
    target = _resolve_target(path, overwrite)
    work = _private_tempdir(target.parent, ".onewindow-backup-")
    try:
        member = DATABASE_MEMBER[vendor]
        dump = work / member
        dumper = _dump_sqlite if vendor == "sqlite" else _dump_postgresql
        counts, migrations, versions = dumper(dump)
        # After the snapshot: every file a backed-up row names exists by now.
        files = _collect_files()
        members = {member: digests(dump)}
        copies = {member: dump}
        for name, source in files:
            copy = work / "files-copy" / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)  # a copy, so the checksum is of what goes in the tar
            members[name] = digests(copy)
            copies[name] = copy
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": clock.now().astimezone(dt.UTC).isoformat(timespec="seconds"),
            "onewindow_version": _onewindow_version(),
            "database": {"vendor": vendor, **versions},
            "file_roots": sorted(FILE_ROOTS),
            "counts": counts,
            "migrations": migrations,
            "members": members,
            "not_included": ["secret key and other keys of the data dir", "static files", "demo_password"],
        }
        manifest_path = work / MANIFEST
        manifest_path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        partial = work / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(manifest_path, arcname=MANIFEST, recursive=False, filter=_plain)
            for name, copy in copies.items():
                tar.add(copy, arcname=name, recursive=False, filter=_plain)
        partial.chmod(0o600)  # the archive holds personal data
        os.replace(partial, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    whole = digests(target)
    report = Report(path=target, manifest=manifest, sha256=whole["sha256"], sm3=whole["sm3"], counts=counts)
    with transaction.atomic():
        audit.record(
            action="backup.create",
            object_type="backup",
            object_id=target.name,
            detail={
                "sha256": report.sha256,
                "sm3": report.sm3,
                "vendor": vendor,
                "rows": sum(counts.values()),
            },
        )
    return report


def _plain(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No owner names or ids of this machine in the archive."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


def _onewindow_version() -> str:
    try:
        return importlib.metadata.version("onewindow")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --------------------------------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------------------------------


def _safe_member_name(name: str) -> bool:
    pure = PurePosixPath(name)
    return not pure.is_absolute() and ".." not in pure.parts and name == pure.as_posix()


def open_archive(path: Path, into: Path) -> dict:
    """Check the archive against its manifest and extract it into `into`; returns the manifest.

    Refused: not a tar, no or unreadable manifest, another format or version, a member that is not a
    plain file or not listed, a listed member missing, any size or checksum that differs.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise BackupError(f"{path} is not a file")
    try:
        with tarfile.open(path, "r:*") as tar:
            infos = tar.getmembers()
            names = [info.name for info in infos]
            if MANIFEST not in names:
                raise BackupError(f"{path} holds no {MANIFEST}: not a OneWindow backup")
            for info in infos:
                if not info.isfile() or not _safe_member_name(info.name):
                    raise BackupError(f"refused member {info.name!r}: only plain files with relative names")
            if len(set(names)) != len(names):
                raise BackupError("the archive lists a member twice")
            tar.extractall(into, filter="data")
    except tarfile.ReadError as exc:
        raise BackupError(f"{path} is not a readable tar archive") from exc
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"{path} cannot be read as a backup archive: {exc}") from exc
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BackupError(f"the manifest cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("the manifest is not a OneWindow backup manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format version {manifest.get('format_version')!r}; this OneWindow reads version {FORMAT_VERSION}"
        )
    members = manifest.get("members") or {}
    listed, present = set(members), set(names) - {MANIFEST}
    if present - listed:
        raise BackupError(f"members not in the manifest: {', '.join(sorted(present - listed))}")
    if listed - present:
        raise BackupError(f"members missing from the archive: {', '.join(sorted(listed - present))}")
    for name in sorted(listed):
        actual = digests(into / name)
        for key in ("size", "sha256", "sm3"):
            if actual[key] != members[name].get(key):
                raise BackupError(f"{name}: {key} does not match the manifest — the archive is damaged")
    return manifest


def _rows_outside_migrate(counts: dict[str, int]) -> list[str]:
    return [f"{name} ({n})" for name, n in sorted(counts.items()) if n and name not in MIGRATE_TABLES]


def _installation_content() -> tuple[list[str], list[str]]:
    """(tables holding data, file roots holding files) of the configured installation."""
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        tables = []
    else:
        tables = _rows_outside_migrate(table_counts())
    roots = [str(root) for root in _file_roots().values() if _has_files(root)]
    return tables, roots


def _check_migrations(manifest: dict) -> None:
    """Refuse a backup made by a newer OneWindow: this code would not know its tables."""
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = [f"{app}.{name}" for app, name in manifest.get("migrations", []) if (app, name) not in known]
    if unknown:
        raise BackupError(
            f"the backup was made by a newer OneWindow ({manifest.get('onewindow_version')}); "
            f"unknown migrations: {', '.join(unknown[:5])}. Install that version, restore, then upgrade."
        )


def _restore_sqlite(dump: Path, had_data: bool, notes: list[str]) -> None:
    name = Path(connection.settings_dict["NAME"])
    connection.close()
    name.parent.mkdir(parents=True, exist_ok=True)
    sidecars = [Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")]
    if name.exists() and had_data:
        # Fold the WAL into the file before it is set aside, so the old database stays whole.
        old = sqlite3.connect(str(name), timeout=30)
        try:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            old.close()
        aside = name.with_name(f"{name.name}.replaced-{_stamp()}")
        os.replace(name, aside)
        notes.append(f"the previous database was kept as {aside}")
    for sidecar in sidecars:
        sidecar.unlink(missing_ok=True)  # a stale WAL must never be replayed into the restored file
    staging = name.with_name(f"{name.name}.restoring")
    shutil.copyfile(dump, staging)
    check = sqlite3.connect(str(staging))
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        staging.unlink(missing_ok=True)
        raise BackupError(f"the restored database fails its integrity check: {result}")
    staging.chmod(0o600)
    os.replace(staging, name)


def _restore_postgresql(dump: Path, had_data: bool, notes: list[str]) -> None:
    pg_restore = _pg_tool("pg_restore")
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        if tables:
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
            with transaction.atomic():
                if had_data:
                    aside = f"{schema}_replaced_{_stamp().lower()}"
                    cursor.execute(f"ALTER SCHEMA {_quote(schema)} RENAME TO {_quote(aside)}")
                    notes.append(f"the previous tables were kept in schema {aside}")
                else:
                    cursor.execute(f"DROP SCHEMA {_quote(schema)} CASCADE")  # only what migrate made
                cursor.execute(f"CREATE SCHEMA {_quote(schema)}")
    connection.close()
    _run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         f"--dbname={connection.settings_dict['NAME']}", str(dump)],
        "pg_restore",
    )  # fmt: skip


def _restore_files(extracted: Path, manifest: dict, notes: list[str]) -> None:
    roots = _file_roots()
    for key in manifest.get("file_roots", []):
        source = extracted / "files" / key
        if key not in roots:
            if source.exists():
                raise BackupError(f"the backup holds files of store {key!r}, which this installation lacks")
            continue
        target = roots[key]
        if target.exists() and _has_files(target):
            aside = target.with_name(f"{target.name}.replaced-{_stamp()}")
            os.replace(target, aside)
            notes.append(f"the previous files were kept in {aside}")
        elif target.exists():
            shutil.rmtree(target)
        if source.exists():
            for path in [source, *source.rglob("*")]:
                path.chmod(0o700 if path.is_dir() else 0o600)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(source), str(target))
        else:
            target.mkdir(parents=True, exist_ok=True)


def restore_backup(path: Path, *, force: bool = False) -> Report:
    """Verify the archive, restore it into this (empty) installation, check the result against the manifest."""
    vendor = _vendor()
    work = _private_tempdir(Path(settings.DATA_DIR), ".onewindow-restore-")
    notes: list[str] = []
    try:
        manifest = open_archive(path, work)
        backed_up = manifest.get("database", {}).get("vendor")
        if backed_up != vendor:
            raise BackupError(f"the backup is of a {backed_up} database; this installation uses {vendor}")
        _check_migrations(manifest)
        tables, roots = _installation_content()
        if (tables or roots) and not force:
            held = "; ".join(filter(None, [", ".join(tables[:8]), ", ".join(roots)]))
            raise BackupError(
                f"this installation is not empty ({held}); restore into an empty one, or pass --force "
                "to replace it (the previous data is kept aside)"
            )
        restorer = _restore_sqlite if vendor == "sqlite" else _restore_postgresql
        restorer(work / DATABASE_MEMBER[vendor], bool(tables), notes)
        _restore_files(work, manifest, notes)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        connection.close()
    counts = table_counts()
    differ = [
        f"{name}: {counts.get(name)} rows, the manifest says {n}"
        for name, n in sorted(manifest["counts"].items())
        if counts.get(name) != n
    ]
    if differ:
        raise BackupError("the restored database differs from the manifest: " + "; ".join(differ[:10]))
    # As copied: the restore checks the chain without sealing (the sealer chains what was still waiting).
    verified = audit.verify(seal_first=False)
    if not verified.ok:
        raise BackupError(
            f"restored, but the audit chain is broken at entry #{verified.bad_seq}: {verified.reason}"
        )
    whole = digests(Path(path).expanduser())
    with transaction.atomic():
        audit.record(
            action="backup.restore",
            object_type="backup",
            object_id=Path(path).name,
            detail={"sha256": whole["sha256"], "created_at": manifest.get("created_at"), "forced": force},
        )
    pending = _pending_migrations()
    if pending:
        notes.append(f"this OneWindow has {pending} newer migrations: run `onewindow migrate`")
    return Report(
        path=Path(path),
        manifest=manifest,
        sha256=whole["sha256"],
        sm3=whole["sm3"],
        notes=notes,
        counts=counts,
        audit_entries=verified.checked,
        audit_unsealed=audit.status().unsealed,
    )


def _pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
