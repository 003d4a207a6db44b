"""Per-process caches of reference data that never serve a stale row: one database stamp says when to drop them.

Reference data (regions, organisations, windows, the catalogue, the calendar…) changes rarely and is read on
every request. Each app names the tables its cached reads come from (`watch` in its AppConfig.ready());
database triggers on those tables (installed after every `migrate`) give the one-row table
`core_datastamp` a new random value in the transaction of any change, whoever makes it — a service, the
admin site, a shell, another server. A process drops all its cached entries as soon as it sees a value
other than the one it filled them under.

Seeing the stamp costs no query of its own on the hot paths: the Bearer token's query reads it at the
start of every API request, and the case row lock reads it in the same statement as the lock (so what an
action reads from the cache is as fresh as the row it locked). Elsewhere `fresh()` asks once per request
(or every call outside requests). Random values, not a counter: a rolled-back change never makes an old
value come back for a different content.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connection
from django.db.models import BigIntegerField
from django.db.models.expressions import RawSQL

_watched: set[str] = set()
_entries: dict[Hashable, Any] = {}
_clearers: list[Callable[[], None]] = []
_seen: object = object()  # the stamp the entries were filled under (a sentinel before the first look)
_lock = threading.Lock()
_local = threading.local()  # .request_stamp: the stamp seen in the current request (None: not yet)
_UNSEEN = object()


def watch(*tables: str) -> None:
    """Cached reads come from these tables: any change to them must drop the caches."""
    _watched.update(tables)


def on_change(clear: Callable[[], None]) -> None:
    """Also call `clear` when the stamp changes (an app's own cache structure, e.g. the calendar index)."""
    if clear not in _clearers:
        _clearers.append(clear)


def observe(value) -> None:
    """The stamp as the database just told it: drop every cached entry if it moved."""
    global _seen, _entries
    _local.request_stamp = value
    if value == _seen:
        return
    with _lock:
        if value != _seen:
            _entries = {}
            for clear in _clearers:
                clear()
            _seen = value


def forget() -> None:
    """Drop every cached entry now (tests, and a process that changed reference data itself)."""
    global _seen, _entries
    with _lock:
        _entries = {}
        _seen = object()
        for clear in _clearers:
            clear()
    _local.request_stamp = _UNSEEN


def read() -> int | None:
    """The stamp, asked now (one small query)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM core_datastamp WHERE id = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def fresh():
    """Make sure the caches are valid for this request (asks once per request; every call outside one)."""
    stamp = getattr(_local, "request_stamp", _UNSEEN)
    if stamp is _UNSEEN or not getattr(_local, "in_request", False):
        stamp = read()
        observe(stamp)
    return stamp


def subquery():
    """The stamp as a column of another query (`.annotate(stamp=stamps.subquery())`): seen for free. SQL
    text, not an ORM subquery, which would cost more Python to compile than the query itself."""
    return RawSQL("SELECT value FROM core_datastamp WHERE id = 1", [], output_field=BigIntegerField())


def cached(key: Hashable, load: Callable[[], Any]):
    """`load()`'s value, kept until the stamp moves. Callers must have seen the stamp in this request or
    transaction (the token query, the row lock, or `fresh()`); the values are shared, never change them."""
    try:
        return _entries[key]
    except KeyError:
        pass
    seen = _seen
    value = load()
    with _lock:
        if _seen is seen:  # not dropped meanwhile
            _entries[key] = value
    return value


def _request_started(**kwargs) -> None:
    _local.request_stamp = _UNSEEN
    _local.in_request = True


def _request_finished(**kwargs) -> None:
    _local.request_stamp = _UNSEEN
    _local.in_request = False


request_started.connect(_request_started, dispatch_uid="onewindow.core.stamps.request_started")
request_finished.connect(_request_finished, dispatch_uid="onewindow.core.stamps.request_finished")


# --- the triggers ------------------------------------------------------------------------------------

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION core_datastamp_bump() RETURNS trigger AS $$
BEGIN
  INSERT INTO core_datastamp (id, value) VALUES (1, (random() * 9.0e18)::bigint)
  ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _statements(vendor: str, table: str, present: set[str]) -> list[str]:
    name = f"core_stamp_{table}"
    if vendor == "postgresql":
        if name in present:
            return []
        return [
            f'CREATE TRIGGER {name} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}" '
            "FOR EACH STATEMENT EXECUTE FUNCTION core_datastamp_bump()"
        ]
    if vendor == "sqlite":
        bump = (
            "INSERT INTO core_datastamp (id, value) VALUES (1, random()) "
            "ON CONFLICT(id) DO UPDATE SET value = excluded.value"
        )
        return [
            f'CREATE TRIGGER {name}_{op.lower()} AFTER {op} ON "{table}" BEGIN {bump}; END'
            for op in ("INSERT", "UPDATE", "DELETE")
            if f"{name}_{op.lower()}" not in present
        ]
    return []


def install(using="default", **kwargs) -> None:
    """Create the stamp triggers missing on the watched tables (post_migrate; idempotent)."""
    from django.db import connections

    db = connections[using]
    if db.vendor not in ("postgresql", "sqlite"):
        return
    existing = set(db.introspection.table_names())
    if "core_datastamp" not in existing:
        return
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'core_stamp_%%'")
            present = {row[0] for row in cursor.fetchall()}
            if len(present) < len(_watched & existing):
                cursor.execute(PG_FUNCTION)
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'core_stamp_%'"
            )
            present = {row[0] for row in cursor.fetchall()}
        for table in sorted(_watched & existing):
            for sql in _statements(db.vendor, table, present):
                cursor.execute(sql)
