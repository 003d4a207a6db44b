"""Database-level guards: the audit log refuses UPDATE, DELETE (and TRUNCATE) on PostgreSQL and SQLite.

One UPDATE is let through: sealing, i.e. giving an unsealed entry (no hash yet) its place in the chain
(`seq`, `prev_hash`, `hash`) while every column of its content stays exactly as written. A sealed entry
can never change again.

Apps above add their own (e.g. filed assessment results) with `register`; `install` and `remove` handle
them all, so the test harness that drops the guards to empty a database drops theirs too.
"""

from __future__ import annotations

from collections.abc import Callable

# (statements(vendor, install) -> [sql], the tables they need): the guards other apps registered.
_registered: list[tuple[Callable[[str, bool], list[str]], tuple[str, ...]]] = []


def register(statements: Callable[[str, bool], list[str]], *, tables: tuple[str, ...]) -> None:
    """Add an app's guards (from its AppConfig.ready()); installed only where its tables exist."""
    if all(existing is not statements for existing, _tables in _registered):
        _registered.append((statements, tables))


# The columns an entry's writer sets; sealing must leave them as they are.
CONTENT = (
    "id",
    "at",
    "actor_id",
    "actor",
    "role",
    "organisation",
    "region",
    "action",
    "object_type",
    "object_id",
    "success",
    "detail",
)
_SEALING = " AND ".join(
    [
        "OLD.hash IS NULL",
        "OLD.seq IS NULL",
        "NEW.hash IS NOT NULL",
        "NEW.seq IS NOT NULL",
        "NEW.prev_hash IS NOT NULL",
    ]
    + [f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in CONTENT]
)

PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION core_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    IF {_SEALING} THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
CREATE TRIGGER core_auditentry_append_only
  BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION core_audit_append_only();
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
CREATE TRIGGER core_auditentry_no_truncate
  BEFORE TRUNCATE ON core_auditentry
  FOR EACH STATEMENT EXECUTE FUNCTION core_audit_append_only();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
"""
SQLITE_INSTALL = [
    # Replaced, not kept: installations made before sealing have a trigger that refuses every UPDATE.
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry "
    f"WHEN NOT ({_SEALING.replace('IS NOT DISTINCT FROM', 'IS')}) "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER IF NOT EXISTS core_auditentry_no_delete BEFORE DELETE ON core_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (DELETE refused)'); END;",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return [PG_INSTALL if install else PG_REMOVE]
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []


def _all(connection, install: bool) -> list[str]:
    statements = list(_statements(connection.vendor, install))
    if _registered:
        existing = set(connection.introspection.table_names())
        for registered, tables in _registered:
            if set(tables) <= existing:
                statements.extend(registered(connection.vendor, install))
    return statements


def install(connection, *, core_only: bool = False) -> None:
    """Create the append-only triggers, and the guards apps registered (idempotent)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True) if core_only else _all(connection, True):
            cursor.execute(sql)


def remove(connection) -> None:
    """Drop them — only the test harness does this, so that it can empty the test database."""
    with connection.cursor() as cursor:
        for sql in _all(connection, False):
            cursor.execute(sql)
