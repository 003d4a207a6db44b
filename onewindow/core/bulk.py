"""Bulk inserts for loaders: PostgreSQL COPY, SQLite batched `executemany`; rows are tuples of Python values.

Only for history loads and the audit chain's `record_many`: rows go straight to the table, so the
caller owns every rule (the services are bypassed on purpose, see cases.generator). Must run inside
the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import threading
from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connection, models, transaction

SQLITE_BATCH = 2000
# Sort memory of the index builds after an offline load (this transaction only): the builds of a
# million cases' indexes sort in memory (26 s → 20 s at 10⁶ cases against 256MB).
BUILD_MEMORY = "1GB"


def _missing_columns(model, fields: Sequence[str]) -> tuple[list[str], tuple]:
    """The columns the caller did not name and the constant each gets (the field's default)."""
    named = set(fields)
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in named or field.primary_key:
            continue
        default = field.get_default()
        if isinstance(field, models.JSONField):
            value = json.dumps(default, ensure_ascii=False)
        elif default is None and not field.null:
            raise ValueError(f"{model.__name__}.{field.attname} has no default: name it")
        else:
            value = field.get_db_prep_save(default, connection)
        columns.append(field.column)
        values.append(value)
    return columns, tuple(values)


def _column(model, attname: str) -> str:
    if attname == "pk":
        return model._meta.pk.column
    return model._meta.get_field(attname).column  # get_field knows attnames (case_id) too


def insert_rows(model, fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert `rows` (values in the order of `fields`, attnames; JSON as text) into `model`'s table.

    Datetimes are aware, dates are dates, JSON values already dumped. Fields not named get their
    default. Returns how many rows were written.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("bulk.insert_rows() must run inside the caller's transaction")
    extra_columns, extra = _missing_columns(model, fields)
    columns = [_column(model, f) for f in fields] + extra_columns
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in columns)
    count = 0
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        return _copy(connection.connection, f"COPY {table} ({names}) FROM STDIN", rows, extra)
    # SQLite: Django stores datetimes as naive UTC text, dates as ISO text.
    kinds = [_sqlite_kind(model, f) for f in fields]
    convert = [i for i, k in enumerate(kinds) if k]
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"
    raw = connection.connection.cursor()
    batch = []
    for row in rows:
        if convert:
            row = list(row)
            for i in convert:
                value = row[i]
                if value is not None:
                    row[i] = _sqlite_value(value)
            row = tuple(row)
        batch.append(row + extra)
        if len(batch) >= SQLITE_BATCH:
            raw.executemany(sql, batch)
            count += len(batch)
            batch.clear()
    if batch:
        raw.executemany(sql, batch)
        count += len(batch)
    return count


def _copy(raw, sql: str, rows: Iterable[tuple] | CopyText, extra: tuple) -> int:
    """COPY `rows` (plus the constant `extra` columns) over the psycopg connection `raw`; rows already
    in COPY text (`copy_text`) are sent as they are."""
    count = 0
    with raw.cursor() as cursor, cursor.copy(sql) as copy:
        if isinstance(rows, CopyText):
            copy.write(rows.data)
            return rows.count
        write = copy.write_row
        for row in rows:
            write(row + extra)
            count += 1
    return count


class CopyText:
    """Rows of one table already in PostgreSQL's COPY text format (constant columns included), made by
    `copy_text` — in a worker process, say — and sent by `Writer` without another look."""

    __slots__ = ("count", "data")

    def __init__(self, data: bytes, count: int):
        self.data, self.count = data, count


def copy_str(value: str) -> str:
    """A string in COPY text: backslash, tab, newline and carriage return escaped."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


_TEXT = {
    str: copy_str,
    int: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\\N",
    dt.datetime: dt.datetime.isoformat,  # aware: with its offset, read back as the same instant
    dt.date: dt.date.isoformat,
    float: repr,
}


def _text(value) -> str:
    """One value in COPY text (the types rows hold: str and its enums, int, bool, None, datetime, date)."""
    writer = _TEXT.get(type(value))
    if writer is not None:
        return writer(value)
    if isinstance(value, enum.Enum):  # the models' TextChoices
        return _text(value.value)
    for kind, writer in _TEXT.items():
        if isinstance(value, kind):
            return writer(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_tail(model, fields: Sequence[str]) -> str:
    """The end of each COPY text line of `model` with `fields` named: the defaults of the other columns."""
    _columns, extra = _missing_columns(model, fields)
    return "".join("\t" + _text(value) for value in extra) + "\n"


def copy_text(model, fields: Sequence[str], rows: Iterable[tuple]) -> CopyText:
    """`rows` (as for `insert_rows`) as COPY text for `Writer`, fields not named given their default.
    Pure Python, so a worker process can format while the writer sends."""
    tail = copy_tail(model, fields)
    text = _text
    lines = ["\t".join([text(value) for value in row]) + tail for row in rows]
    return CopyText("".join(lines).encode("utf-8"), len(lines))


class Writer:
    """Writes one batch of tables at a time (`submit([(model, fields, rows), ...])`, rows as for
    `insert_rows`, or on PostgreSQL a `CopyText`) while the caller builds the next one.

    On PostgreSQL the COPYs run on a thread over the same connection and transaction: COPY waits for the
    server with the GIL released, so the server stores one chunk while Python makes the next. The caller
    must not use the connection until `wait()` (the next `submit` and the end of the `with` block wait).
    On SQLite the rows are written at once, in the caller's thread."""

    def __init__(self):
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def submit(self, batches: Sequence[tuple]) -> None:
        self.wait()
        if not connection.in_atomic_block:
            raise RuntimeError("bulk.Writer must run inside the caller's transaction")
        if connection.vendor != "postgresql":
            for model, fields, rows in batches:
                insert_rows(model, fields, rows)
            return
        quote = connection.ops.quote_name
        statements = []
        for model, fields, rows in batches:
            extra_columns, extra = _missing_columns(model, fields)
            names = ", ".join(quote(c) for c in [_column(model, f) for f in fields] + extra_columns)
            statements.append((f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN", rows, extra))
        connection.ensure_connection()
        raw = connection.connection

        def run():
            try:
                for sql, rows, extra in statements:
                    _copy(raw, sql, rows, extra)
            except BaseException as exc:  # handed to the caller's thread by wait()
                self._error = exc

        self._thread = threading.Thread(target=run, name="bulk-writer", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Until the batch in flight is written; its error, if any, is raised here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.wait()
        else:  # the caller's error wins; the connection is only released once the thread is done
            if self._thread is not None:
                self._thread.join()
                self._thread = None
            self._error = None
        return False


def _sqlite_kind(model, attname: str) -> bool:
    if attname == "pk":
        return False
    field = model._meta.get_field(attname)
    return isinstance(field, models.DateTimeField | models.DateField)


def _sqlite_value(value):
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC).replace(tzinfo=None))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def reserve_ids(model, count: int) -> list[int]:
    """`count` primary keys no other writer will use (PostgreSQL: from the table's sequence; SQLite: above
    the largest and the AUTOINCREMENT counter, which moves past them — safe because the caller's write
    transaction holds the database lock)."""
    if count <= 0:
        return []
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("bulk.reserve_ids() must run inside the caller's transaction")
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), pk, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(pk)}) FROM {connection.ops.quote_name(table)}")
        top = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
        # Moved on as a sequence is, so a second reservation before these rows are written gets others.
        if row:
            cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [top + count, table])
        else:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, top + count])
    return list(range(top + 1, top + 1 + count))


def relax_commit() -> None:
    """For a bulk load's transaction on PostgreSQL: its commit does not wait for the WAL to reach the
    disk (synchronous_commit off, this transaction only). A crash right after may lose the load, never
    half of it; the data of everyone else keeps its durability."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


@contextmanager
def indexes_offline(models_: Sequence[type[models.Model]]):
    """For one large load inside ONE transaction: drop the tables' secondary indexes (not the primary
    keys or unique ones, which still guard every row) and on PostgreSQL their foreign keys, and build
    them again at the end — what pg_restore does, several times cheaper than maintaining them row by
    row. The tables are locked for the whole load; a failure rolls the drops back with everything else.
    The statistics of the tables are refreshed (ANALYZE) at the end."""
    if not connection.in_atomic_block:
        raise RuntimeError("bulk.indexes_offline() must run inside the caller's transaction")
    tables = [m._meta.db_table for m in models_]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            foreign_keys = cursor.fetchall()
            # Run the checks this transaction has queued so far: a table with pending trigger events
            # cannot be altered. Django's constraints are deferred again at the end.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE i.indrelid::regclass::text = ANY(%s) AND NOT i.indisunique AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1",
                [tables],
            )
            indexes = cursor.fetchall()
            for table, name, _definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
        else:
            foreign_keys = []
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(['%s'] * len(tables))}) ORDER BY name",
                tables,
            )
            indexes = [
                (name, sql) for name, sql in cursor.fetchall() if not sql.upper().startswith("CREATE UNIQUE")
            ]
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'")
        for _name, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}"
            )
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        else:
            cursor.execute("ANALYZE")
