"""Querysets compiled once per process: the same SQL, new parameter values, the ORM's model instances.

Turning a queryset into SQL costs Python on every call — 1–1.6 ms for the Bearer token's query, the case
row lock or a case's events, more than PostgreSQL takes to run them — although on a hot path the
statement never changes, only its values. `Prepared` builds the queryset once with recognisable stand-in
values, keeps the SQL, where each value goes in the parameter list and how rows become instances
(select_related included, annotations as attributes, the fields' converters), and on each call runs the
kept SQL with the real values on the calling thread's connection. Only for querysets whose SQL depends on
nothing but the named values (no `in` lists of varying length, no lookups that rewrite a value).

On PostgreSQL the statement is also prepared on the server, once per connection (`PREPARE`, then
`EXECUTE name(values)`): planning the token's five joins cost the database 0.8 ms a call, executing the
prepared plan 0.1 ms. Logs and query captures show the statement's text after the `EXECUTE`, as a comment
(core.backends.postgresql), so they still show what runs. A statement the server cannot prepare runs as
plain SQL. After a migration that changes these tables, restart the server (its connections keep the plans
they prepared).
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import re
import threading
from collections.abc import Callable

from django.db import connections, models
from django.db.models.query import QuerySet, get_related_populators
from psycopg.adapt import Transformer

# Stand-ins nobody sends: a text with control characters, an integer no sequence reaches, a moment long
# before the system existed.
_TEXT = "\x1fprepared:{}\x1f"
_NUMBER = 8_070_450_532_247_928_000
_MOMENT = dt.datetime(1901, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


_names = itertools.count(1)
# name → the statement's text (Django's %s placeholders), for logs and query captures
# (core.backends.postgresql's last_executed_query): the EXECUTE itself stays short, since psycopg parses
# every query text it sends for placeholders, caching only those under 4 KB and 50 parameters.
_TEXTS: dict[str, str] = {}


def statement_text(name: str) -> str | None:
    """The text of the statement prepared under `name` by this module, if it is one of them."""
    return _TEXTS.get(name)


def _server_sql(sql: str) -> str:
    """Django's `%s` placeholders as PostgreSQL's `$1, $2…` (and `%%` as `%`)."""
    parts = re.split(r"(%%|%s)", sql)
    n = 0
    out = []
    for part in parts:
        if part == "%s":
            n += 1
            out.append(f"${n}")
        elif part == "%%":
            out.append("%")
        else:
            out.append(part)
    return "".join(out)


def _pg_type(value) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "bigint"
    if isinstance(value, dt.datetime):
        return "timestamptz"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, str):
        return "text"
    return "unknown"


class _Compiled:
    def __init__(self, queryset: QuerySet, stand_ins: dict[str, object], using: str):
        compiler = queryset.query.get_compiler(using=using)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.server = None  # (name, PREPARE statement, EXECUTE statement) on PostgreSQL
        if compiler.connection.vendor == "postgresql":
            name = f"onewindow_prepared_{next(_names)}"
            types = ", ".join(_pg_type(p) for p in self.params)
            _TEXTS[name] = self.sql
            values = f"({', '.join(['%s'] * len(self.params))})" if self.params else ""
            self.server = (
                name,
                f"PREPARE {name}{f' ({types})' if self.params else ''} AS {_server_sql(self.sql)}",
                f"EXECUTE {name}{values}",
            )
        self.slots: dict[str, list[int]] = {}
        for name, stand_in in stand_ins.items():
            stand_in = _adapt(stand_in, compiler.connection)
            slots = [i for i, p in enumerate(self.params) if p == stand_in]
            if not slots:
                raise ValueError(f"prepared queryset: the value of {name!r} does not reach the SQL as given")
            self.slots[name] = slots
        placed = {i for slots in self.slots.values() for i in slots}
        for i, p in enumerate(self.params):
            if i not in placed and isinstance(p, str) and "\x1fprepared:" in p:
                raise ValueError("prepared queryset: a value was rewritten on its way to the SQL")
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [f[0].target.attname for f in select[self.start : self.end]]
        self.related = get_related_populators(klass_info, select, using)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = list(compiler.get_converters([s[0] for s in select[: compiler.col_count]]).items())


def _adapt(value, connection):
    """A moment as the ORM passes it to the driver (SQLite: text in UTC)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


class Prepared:
    """`Prepared(lambda number: Case.objects.filter(number=number), number=str)`: the queryset's SQL built
    once (per database alias); `.all(number=…)` the instances, `.first(number=…)` the first or None.

    Each keyword names a parameter of the builder and its kind (`str`, `int` or `datetime.datetime`). Build it lazily, on the
    first call: a queryset with `select_for_update` compiles only inside a transaction.
    """

    def __init__(self, build: Callable[..., QuerySet], using: str = "default", **kinds: type):
        names = list(inspect.signature(build).parameters)
        if sorted(names) != sorted(kinds):
            raise ValueError("prepared queryset: name the kind of every parameter of the builder")
        self._build = build
        self._kinds = kinds
        self._using = using
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _stand_ins(self) -> dict[str, object]:
        values = {}
        for n, (name, kind) in enumerate(self._kinds.items()):
            if kind is str:
                values[name] = _TEXT.format(name)
            elif kind is int:
                values[name] = _NUMBER + n
            elif kind is dt.datetime:
                values[name] = _MOMENT + dt.timedelta(microseconds=n + 1)
            else:
                raise ValueError(f"prepared queryset: {kind!r} is not a kind it knows (str, int, datetime)")
        return values

    def _get(self, connection) -> _Compiled:
        key = connection.vendor
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key)
                if compiled is None:
                    stand_ins = self._stand_ins()
                    compiled = _Compiled(self._build(**stand_ins), stand_ins, self._using)
                    self._compiled[key] = compiled
        return compiled

    def all(self, **values) -> list:
        connection = connections[self._using]
        compiled = self._get(connection)
        params = list(compiled.params)
        for name, slots in compiled.slots.items():
            value = _adapt(values[name], connection)
            for i in slots:
                params[i] = value
        sql = compiled.sql
        if compiled.server is not None and _prepared_on(connection, compiled.server):
            sql = compiled.server[2]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            if compiled.converters:
                row = list(row)
                for pos, (convs, expression) in compiled.converters:
                    value = row[pos]
                    for converter in convs:
                        value = converter(value, expression, connection)
                    row[pos] = value
            obj = compiled.model.from_db(self._using, compiled.init_list, row[compiled.start : compiled.end])
            for populator in compiled.related:
                populator.populate(row, obj)
            for name, pos in compiled.annotations:
                setattr(obj, name, row[pos])
            found.append(obj)
        return found

    def first(self, **values):
        found = self.all(**values)
        return found[0] if found else None


def _prepared_on(connection, server: tuple[str, str, str]) -> bool:
    """Whether `server`'s statement is prepared in this connection's session (preparing it now if not);
    False when the server refused it (it then runs as plain SQL). Once per connection and statement."""
    connection.ensure_connection()
    raw = connection.connection
    known = raw.__dict__.setdefault("_onewindow_prepared", {})
    name, prepare, _execute = server
    state = known.get(name)
    if state is None:
        # On the driver's own connection: not a query of the request (captures and counts ignore it).
        # In a savepoint inside a transaction, so that a refusal does not abort the caller's transaction.
        inside = not connection.get_autocommit()
        try:
            if inside:
                raw.execute("SAVEPOINT onewindow_prepare")
            raw.execute(prepare)
            state = True
        except connection.Database.Error:  # refused: this statement runs as plain SQL on this connection
            state = False
            if inside:
                raw.execute("ROLLBACK TO SAVEPOINT onewindow_prepare")
        finally:
            if inside:
                raw.execute("RELEASE SAVEPOINT onewindow_prepare")
        known[name] = state
    return state


# Fields whose value of exactly this Python type (or None) goes to the database unchanged on every backend:
# Field.pre_save, get_db_prep_save and the backend's adaptation are all identities for it. Exact classes
# only (a subclass may convert: encrypted text, choices of its own). Not the integer fields: on PostgreSQL
# Django wraps their values in psycopg's sized integer types.
_PLAIN_TYPES = {models.CharField: str, models.TextField: str, models.BooleanField: bool}


_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_UNSET = object()


def _plain_type(field) -> type | None:
    """The Python type whose values `field` passes through unchanged (see _PLAIN_TYPES), or None."""
    if type(field) is models.ForeignKey:  # a key to an auto-increment id passes its integer unchanged
        return int if type(field.target_field) in _AUTO else _plain_type(field.target_field)
    return _PLAIN_TYPES.get(type(field))


class Insert:
    """`Insert(CaseEvent)(event)`: the model's one-row INSERT, its SQL text built once per database vendor.

    `Model.save()` compiles the INSERT anew on every call (0.08–0.1 ms of Python per row, more than the
    statement costs the database) although on a hot path only the values change. The same values go in:
    each field's `pre_save` and `get_db_prep_save` (JSON, encryption, time zones) as the ORM does; the new
    id comes back by RETURNING (PostgreSQL; SQLite ≥ 3.35). For models without save() overrides or
    pre/post-save receivers that must run, and with an auto-increment primary key.
    """

    def __init__(self, model, using: str = "default"):
        self.model = model
        self._using = using
        self._fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        self._plain = [_plain_type(f) for f in self._fields]
        self._sql: dict[str, str] = {}

    def _statement(self, connection) -> str:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in self._fields)
            values = ", ".join(["%s"] * len(self._fields))
            sql = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) VALUES ({values}) "
                f"RETURNING {quote(self.model._meta.pk.column)}"
            )
            self._sql[connection.vendor] = sql
        return sql

    def _params(self, obj, connection) -> list:
        if obj.pk is not None or not isinstance(obj, self.model):
            raise ValueError(f"Insert: a new {self.model.__name__} is expected")
        values = obj.__dict__
        params = []
        for field, plain in zip(self._fields, self._plain, strict=True):
            if plain is not None:
                value = values.get(field.attname, _UNSET)
                if value is None or type(value) is plain:
                    params.append(value)  # what the field's own conversions would give back unchanged
                    continue
            params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        return params

    def _written(self, obj, pk):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = self._using
        return obj

    def __call__(self, obj):
        connection = connections[self._using]
        params = self._params(obj, connection)
        with connection.cursor() as cursor:
            cursor.execute(self._statement(connection), params)
            return self._written(obj, cursor.fetchone()[0])


def insert_together(*rows: tuple[Insert, object], using: str = "default") -> None:
    """Write new rows, each `(Insert(Model), obj)`, in the order given; each obj gets its id: the
    consecutive rows of one model in one multi-row INSERT, and on PostgreSQL all of them in one statement
    (`Writes`)."""
    writes = Writes(using)
    for insert, obj in rows:
        writes.insert(insert, obj)
    writes.send()


# --------------------------------------------------------------------------------------------------
# Writes gathered during one step and sent together
# --------------------------------------------------------------------------------------------------

_GATHERED = "_onewindow_gathered_writes"


class Writes:
    """The writes of one step of a service, in the order given: new rows (`insert`) and statements whose
    result nobody reads (`execute`: an UPDATE of known columns, an upsert). `gathering()` opens one on
    the connection and sends it when the step ends: on PostgreSQL all of it as one statement (each write a
    data-modifying WITH query: all run once, in one snapshot, so no write may depend on another's effect),
    elsewhere one after another. A new row may refer to another row of the same batch (a foreign key to an
    object not yet written): on PostgreSQL the reference becomes a subquery over that row's WITH query.
    """

    def __init__(self, using: str = "default"):
        self.using = using
        self.items: list[tuple] = []  # ("insert", Insert, obj) or ("execute", sql, params, key)
        self._keys: set = set()

    def __len__(self) -> int:
        return len(self.items)

    def insert(self, insert: Insert, obj) -> None:
        self.items.append(("insert", insert, obj))

    def execute(self, sql: str, params: list, *, key=None) -> None:
        """`key`: what the statement writes (e.g. a row), if two statements of one batch could write the
        same: one statement may not change a row twice, so a second write of a key sends the batch first."""
        if key is not None and key in self._keys:
            self.send()
        if key is not None:
            self._keys.add(key)
        self.items.append(("execute", sql, params, key))

    def send(self) -> None:
        items, self.items, self._keys = self.items, [], set()
        if not items:
            return
        connection = connections[self.using]
        groups = _grouped(items)
        if connection.vendor == "postgresql" and len(groups) > 1:
            _send_together(groups, connection)
            return
        for group in groups:  # one after another, in order (a row's references are written by then)
            if group[0] == "execute":
                with connection.cursor() as cursor:
                    cursor.execute(group[1], group[2])
                continue
            _kind, insert, objs = group
            for obj in objs:
                _link_written(obj)
            if len(objs) == 1:
                insert(objs[0])
            else:
                insert.model.objects.using(self.using).bulk_create(objs)


def _grouped(items: list[tuple]) -> list[list]:
    """Consecutive new rows of one model as one group (one multi-row INSERT, ids ascending in the order
    given, as Django's bulk_create relies on); each statement a group of its own."""
    groups: list[list] = []
    for item in items:
        if item[0] != "insert":
            groups.append(list(item))
        elif groups and groups[-1][0] == "insert" and groups[-1][1].model is item[1].model:
            groups[-1][2].append(item[2])
        else:
            groups.append(["insert", item[1], [item[2]]])
    return groups


def _link_written(obj, *, pending: dict | None = None) -> None:
    """Foreign keys to objects written since they were set: their ids, as Model.save() would take them.
    An object not written yet is refused (its id would be written as NULL), unless it is `pending` (an
    earlier row of the same statement, {id(obj): the SQL of its id})."""
    for field in obj._meta.concrete_fields:
        if field.is_relation and field.is_cached(obj):
            related = field.get_cached_value(obj)
            if related is None or getattr(obj, field.attname) is not None:
                continue
            if related.pk is not None:
                setattr(obj, field.attname, related.pk)
            elif pending is None or id(related) not in pending:
                raise ValueError(f"{type(obj).__name__}.{field.name}: refers to a row not written yet")


def _row(insert: Insert, obj, connection, pending: dict, params: list) -> str:
    """One row of a multi-row VALUES: its values as parameters (appended to `params`), a reference to a
    row of an earlier WITH query as the SQL of that row's id."""
    _link_written(obj, pending=pending)
    slots = []
    for field, value in zip(insert._fields, insert._params(obj, connection), strict=True):
        related = field.get_cached_value(obj) if field.is_relation and field.is_cached(obj) else None
        if related is not None and related.pk is None:
            slots.append(pending[id(related)])
        else:
            slots.append("%s")
            params.append(value)
    return f"({', '.join(slots)})"


def _send_together(groups: list[list], connection) -> None:
    quote = connection.ops.quote_name
    where: dict[int, str] = {}  # id(obj) → the SQL expression of its id
    parts, params, selects, inserted = [], [], [], []
    for n, group in enumerate(groups):
        if group[0] == "execute":
            parts.append(f"w{n} AS ({group[1]})")
            params += group[2]
            continue
        _kind, insert, objs = group
        pk = quote(insert.model._meta.pk.column)
        rows = [_row(insert, obj, connection, where, params) for obj in objs]
        one = f"({', '.join(['%s'] * len(insert._fields))})"
        sql = insert._statement(connection).replace(f"VALUES {one}", "VALUES " + ", ".join(rows))
        parts.append(f"w{n} AS ({sql})")
        for k, obj in enumerate(objs):
            where[id(obj)] = f"(SELECT {pk} FROM w{n} ORDER BY {pk} LIMIT 1 OFFSET {k})"
        selects.append(f"(SELECT array_agg({pk} ORDER BY {pk}) FROM w{n})")
        inserted.append((insert, objs))
    sql = f"WITH {', '.join(parts)} SELECT {', '.join(selects) or 'NULL'}"
    server = _server_statement(sql, len(params))
    if server is not None and _prepared_on(connection, server):
        sql, params = _execute_with_literals(connection, server[0], params), None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.fetchone()
    for (insert, objs), pks in zip(inserted, written, strict=False):
        for obj, pk in zip(objs, pks, strict=True):
            insert._written(obj, pk)


def _execute_with_literals(connection, name: str, params: list) -> str:
    """`EXECUTE name(…)` with its values written in as literals here, as psycopg's client-side binding
    would write them: psycopg caches a query's placeholder split only up to 50 parameters, and a gathered
    statement has 60–90, so it split the text again on every call (its largest item in the profile)."""
    raw = connection.connection
    literals = raw.__dict__.get("_onewindow_literals")
    if literals is None:
        literals = raw.__dict__["_onewindow_literals"] = _Literals(raw)
    if not params:
        return f"EXECUTE {name}"
    return f"EXECUTE {name}({', '.join([literals(value) for value in params])})"


class _Literals:
    """A value as an SQL literal, as psycopg's `Transformer.as_literal` writes it (1 µs a value, 60–90
    values a gathered statement): the plain kinds here directly — a text without a backslash or NUL
    between single quotes with its quotes doubled (what PostgreSQL reads so with its default
    `standard_conforming_strings = on`, the only setting under which this shortcut is taken), an integer,
    a truth value, NULL — and every other value by psycopg (times with their type, JSON, texts with a
    backslash as E'…')."""

    def __init__(self, raw):
        self._transformer = Transformer.from_context(raw)
        self._encoding = raw.info.encoding
        self._plain_texts = raw.info.parameter_status("standard_conforming_strings") == b"on"

    def __call__(self, value) -> str:
        kind = type(value)
        if kind is str and self._plain_texts and "\\" not in value and "\x00" not in value:
            return "'" + value.replace("'", "''") + "'"
        if kind is int:
            return str(value) if value >= 0 else f" {value}"  # as psycopg: no `--` after a minus
        if value is None:
            return "NULL"
        if kind is bool:
            return "true" if value else "false"
        return self._transformer.as_literal(value).decode(self._encoding)


# The gathered statements' shapes (one per kind of step, as the rows and changed columns make it), each
# prepared on the server once per connection: planning the WITH of five or six writes cost PostgreSQL
# 0.12–0.22 ms a time, as much as running it. Bounded: a shape beyond the bound runs as plain SQL.
_SHAPES: dict[str, tuple[str, str, str]] = {}
_SHAPES_MAX = 256


def _server_statement(sql: str, count: int) -> tuple[str, str, str] | None:
    """(name, PREPARE, EXECUTE) of a gathered statement, the parameters' types left to the server (each
    is a column's value, whose type the server infers)."""
    server = _SHAPES.get(sql)
    if server is None and len(_SHAPES) < _SHAPES_MAX:
        name = f"onewindow_gathered_{next(_names)}"
        _TEXTS[name] = sql
        values = f"({', '.join(['%s'] * count)})" if count else ""
        server = (name, f"PREPARE {name} AS {_server_sql(sql)}", f"EXECUTE {name}{values}")
        server = _SHAPES.setdefault(sql, server)
    return server


def gathered(using: str = "default") -> Writes | None:
    """The writes being gathered on this connection, if a step gathers them (else write at once)."""
    return connections[using].__dict__.get(_GATHERED)


class gathering:
    """`with gathering() as writes:` the writes of the block, and those of the code it calls that asks
    `gathered()`, sent at its end (nothing on an exception: the transaction rolls back anyway). Nested,
    the outer one sends."""

    def __init__(self, using: str = "default"):
        self.using = using

    def __enter__(self) -> Writes:
        connection = connections[self.using]
        self.outer = connection.__dict__.get(_GATHERED)
        if self.outer is not None:
            return self.outer
        self.writes = connection.__dict__[_GATHERED] = Writes(self.using)
        return self.writes

    def __exit__(self, kind, value, traceback):
        if self.outer is not None:
            return False
        connection = connections[self.using]
        connection.__dict__.pop(_GATHERED, None)
        if kind is None:
            self.writes.send()
        return False


def execute(cursor, sql: str, params: list):
    """`cursor.execute(sql, params)`; on PostgreSQL the statement is prepared on the server once per
    connection and runs as `EXECUTE` with its values as literals. For a small statement a request runs
    every time outside a prepared queryset or gathered writes, whose planning cost PostgreSQL as much as
    running it: a serial number's draw (pg_stat_statements, one client: 0.06 ms of planning a call).
    Captures show the `EXECUTE` with the statement's text as a comment."""
    connection = cursor.db
    if connection.vendor == "postgresql":
        server = _server_statement(sql, len(params))
        if server is not None and _prepared_on(connection, server):
            return cursor.execute(_execute_with_literals(connection, server[0], params))
    return cursor.execute(sql, params)


def write(sql: str, params: list, *, key=None, using: str = "default") -> None:
    """Run a statement whose result nobody reads now, or add it to the writes being gathered."""
    writes = gathered(using)
    if writes is not None:
        writes.execute(sql, params, key=key)
        return
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)


def add(insert: Insert, obj, *, using: str = "default") -> None:
    """Insert a new row now, or add it to the writes being gathered (its id is set when they are sent)."""
    writes = gathered(using)
    if writes is not None:
        writes.insert(insert, obj)
        return
    _link_written(obj)
    insert(obj)
