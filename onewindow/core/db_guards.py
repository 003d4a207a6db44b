"""Database-level guards: the audit log refuses UPDATE, DELETE (and TRUNCATE) on PostgreSQL and SQLite.

One UPDATE is let through: sealing, i.e. giving an unsealed entry (no hash yet) its place in the chain
(`seq`, `prev_hash`, `hash`) while every column of its content stays exactly as written. A sealed entry
can never change again.
"""

from __future__ import annotations

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


def install(connection) -> None:
    """Create the append-only triggers (idempotent)."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    """Drop them — only the test harness does this, so that it can empty the test database."""
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)
