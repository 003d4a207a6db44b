"""The PostgreSQL floor of `onewindow load-sample --cases N` (issue 10): how long PostgreSQL alone takes to
take in the rows the generator wrote and make them usable, as if the rows cost nothing to produce.

Run it on a database where `load-sample --cases N` has just run (nothing else writing):

    ONEWINDOW_DATABASE_URL=postgresql://USER:PASSWORD@127.0.0.1:5432/DB .venv/bin/python scripts/generator_floor.py
    .venv/bin/python scripts/generator_floor.py postgresql://USER:PASSWORD@127.0.0.1:5432/DB

For every table the generator writes (cases.generator.OFFLINE_TABLES and the serial counters) it makes an
empty copy in a scratch schema `floor` (`LIKE … INCLUDING DEFAULTS`: columns, NOT NULL and defaults only),
then times, per table and step:

- A: `INSERT INTO floor.x SELECT * FROM public.x` on one connection, in one transaction with
  `synchronous_commit = off` (as the generator's load), the primary keys reserved from a sequence as
  `bulk.reserve_ids` does, then the same primary keys, unique constraints, indexes, checks and foreign keys
  as public's (definitions from pg_get_constraintdef / pg_get_indexdef; foreign keys to a copied table
  point at its copy), each validated, then ANALYZE — with the generator's rebuild settings
  (`maintenance_work_mem` = core.bulk.BUILD_MEMORY, `max_parallel_maintenance_workers` as the server has it);
- A0: the same rebuild again with `max_parallel_maintenance_workers = 0` (serial builds);
- P: the INSERTs of each table split over 2 concurrent connections (by primary key parity), load only;
- B: the tables' INSERTs side by side on 2 connections (the events on one, the rest on the other), then the
  rebuild over 2 connections (no parallel workers; foreign keys added NOT VALID, then validated table by
  table, after every key and index is built).

Baselines in the same run: `SELECT count(*)` of the cases table and `CREATE TABLE … AS SELECT * FROM
cases_case`. CPU: the backends' own (from /proc/<pid>/stat, so the server must be on this machine) and all
of PostgreSQL's processes (including parallel workers and the WAL writer and checkpointer), and what the
backends waited on (pg_stat_activity sampled). The ceiling is N cases / (load + rebuild seconds), N being
the cases stored; the CPU bound is PostgreSQL's least CPU seconds spread over every CPU. The rows it copies
include the base sample's (a few dozen). The scratch schema is dropped at the end (and at the start, if a previous run left it).
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import psycopg

SCHEMA = "floor"
SERIAL_TABLE = "cases_caseserial"
TICK = os.sysconf("SC_CLK_TCK")


def _setup(url: str) -> tuple[list[str], str]:
    """The generator's tables (its own list, so this stays in step with it) and its rebuild memory."""
    os.environ["ONEWINDOW_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    import django

    django.setup()
    from onewindow.cases import generator
    from onewindow.cases.models import CaseSerial
    from onewindow.core import bulk

    tables = [model._meta.db_table for model in generator.OFFLINE_TABLES]
    tables.append(CaseSerial._meta.db_table)
    return tables, bulk.BUILD_MEMORY


# --------------------------------------------------------------------------------------------------
# CPU of the server's processes
# --------------------------------------------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _cpu(pid: int, children: bool = False) -> float:
    """Seconds of CPU of `pid` (utime + stime; with `children`, also of its reaped children)."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICK


def _all_postgres_cpu(postmaster: int | None) -> float | None:
    """Every PostgreSQL process's CPU: the postmaster's children alive now, plus those it has reaped
    (parallel workers, backends that ended) through its own children's times."""
    if postmaster is None:
        return None
    total = _cpu(postmaster, children=True)
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields is not None and int(fields[1]) == postmaster:
                total += _cpu(int(name))
    return total


# --------------------------------------------------------------------------------------------------
# Timed steps
# --------------------------------------------------------------------------------------------------


@dataclass
class Step:
    variant: str
    name: str
    seconds: float
    rows: int | None
    backend_cpu: float | None
    all_cpu: float | None
    phase: str  # "load", "rebuild" or "base" (baselines, in no total)
    waits: Counter = field(default_factory=Counter)


class Report:
    """The timed steps, with their CPU and what their backends were waiting on (pg_stat_activity,
    sampled every 0.1 s from a connection of its own, parallel workers included)."""

    def __init__(self, postmaster: int | None, url: str):
        self.postmaster = postmaster
        self.steps: list[Step] = []
        self.sampler = psycopg.connect(url, autocommit=True)

    def _sample(self, pids: list[int], waits: Counter, stop: threading.Event) -> None:
        with self.sampler.cursor() as cursor:
            while not stop.wait(0.1):
                cursor.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') FROM pg_stat_activity "
                    "WHERE state = 'active' AND (pid = ANY(%s) OR leader_pid = ANY(%s))",
                    [pids, pids],
                )
                waits.update(row[0] for row in cursor.fetchall())

    def timed(self, variant: str, name: str, rows: int | None, pids: list[int], fn, phase: str):
        local = self.postmaster is not None
        waits, stop = Counter(), threading.Event()
        sampler = threading.Thread(target=self._sample, args=(pids, waits, stop))
        before_backend = sum(_cpu(p) for p in pids) if local else None
        before_all = _all_postgres_cpu(self.postmaster)
        sampler.start()
        started = time.perf_counter()
        try:
            result = fn()
        finally:
            seconds = time.perf_counter() - started
            stop.set()
            sampler.join()
        backend = sum(_cpu(p) for p in pids) - before_backend if local else None
        everything = _all_postgres_cpu(self.postmaster) - before_all if local else None
        self.steps.append(Step(variant, name, seconds, rows, backend, everything, phase, waits))
        print(f"  {variant:<3} {name:<52} {seconds:8.2f} s", flush=True)
        return result

    def _sum(self, variant: str, phase: str) -> tuple[float, float | None]:
        steps = [s for s in self.steps if s.variant == variant and s.phase == phase]
        cpu = None if not steps or steps[0].all_cpu is None else sum(s.all_cpu for s in steps)
        return sum(s.seconds for s in steps), cpu

    def table(self, cases: int) -> None:
        def cpu(value):
            return "" if value is None else f"{value:.1f}"

        print(
            f"\n{'variant':<8}{'step':<54}{'seconds':>9}{'rows':>12}{'backend CPU s':>15}{'all PG CPU s':>14}"
        )
        variants = list(dict.fromkeys(s.variant for s in self.steps))
        for variant in variants:
            for s in (s for s in self.steps if s.variant == variant):
                rows = "" if s.rows is None else f"{s.rows:,}"
                print(
                    f"{variant:<8}{s.name:<54}{s.seconds:9.2f}{rows:>12}"
                    f"{cpu(s.backend_cpu):>15}{cpu(s.all_cpu):>14}"
                )
            for phase in ("load", "rebuild"):
                seconds, all_cpu = self._sum(variant, phase)
                if seconds:
                    print(f"{variant:<8}{'  = ' + phase:<54}{seconds:9.2f}{'':>12}{'':>15}{cpu(all_cpu):>14}")
            print()

        print("what the backends waited on (share of 0.1 s samples of active backends; 'on CPU': no wait):")
        for s in self.steps:
            total = sum(s.waits.values())
            if s.phase != "base" and total and s.seconds >= 1:
                top = ", ".join(f"{name} {100 * k / total:.0f} %" for name, k in s.waits.most_common(3))
                print(f"  {s.variant:<3} {s.name:<52} {top}")

        loads = {v: self._sum(v, "load") for v in variants if self._sum(v, "load")[0]}
        rebuilds = {v: self._sum(v, "rebuild") for v in variants if self._sum(v, "rebuild")[0]}
        print("\ntotals (load + rebuild, seconds → ceiling = cases / seconds):")
        combinations = [("A", "A"), ("A", "A0"), ("B", "B")]
        best_load = min(loads, key=lambda v: loads[v][0])
        best_rebuild = min(rebuilds, key=lambda v: rebuilds[v][0])
        if (best_load, best_rebuild) not in combinations:
            combinations.append((best_load, best_rebuild))
        for load, rebuild in combinations:
            if load in loads and rebuild in rebuilds:
                total = loads[load][0] + rebuilds[rebuild][0]
                print(
                    f"  load {load:<3} {loads[load][0]:6.1f} + rebuild {rebuild:<3} {rebuilds[rebuild][0]:6.1f}"
                    f" = {total:6.1f} s → {cases / total:,.0f} cases/s"
                )
        if all(v[1] is not None for v in [*loads.values(), *rebuilds.values()]):
            load_cpu = min(v[1] for v in loads.values())
            rebuild_cpu = min(v[1] for v in rebuilds.values())
            cpus = os.cpu_count() or 1
            floor = (load_cpu + rebuild_cpu) / cpus
            print(
                f"  CPU bound: PostgreSQL's least CPU for the load {load_cpu:.1f} s + rebuild {rebuild_cpu:.1f} s,"
                f" over {cpus} CPUs all busy = {floor:.1f} s → {cases / floor:,.0f} cases/s"
                " (nothing left to make the rows)"
            )


# --------------------------------------------------------------------------------------------------
# The schema to rebuild
# --------------------------------------------------------------------------------------------------


@dataclass
class Definitions:
    """public's keys, uniques, indexes, checks and foreign keys of the tables, rewritten for `floor`."""

    primary: list[tuple[str, str]] = field(default_factory=list)  # (table, statement)
    unique: list[tuple[str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)
    foreign: list[tuple[str, str]] = field(default_factory=list)

    def groups(self):
        return [
            ("primary keys", self.primary),
            ("unique constraints", self.unique),
            ("indexes", self.indexes),
            ("checks", self.checks),
            ("foreign keys (validated)", self.foreign),
        ]


def _definitions(conn, tables: list[str]) -> Definitions:
    names = "|".join(sorted(tables, key=len, reverse=True))
    to_floor = re.compile(rf"\bpublic\.({names})\b")

    def rewrite(sql: str) -> str:
        return to_floor.sub(rf"{SCHEMA}.\1", sql)

    found = Definitions()
    kinds = {"p": found.primary, "u": found.unique, "x": found.unique, "c": found.checks, "f": found.foreign}
    with conn.cursor() as cursor:
        cursor.execute("SET search_path = ''")  # every name in the definitions schema-qualified
        cursor.execute(
            "SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) FROM pg_constraint k "
            "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname = ANY(%s) AND k.contype IN ('p', 'u', 'x', 'c', 'f') "
            "ORDER BY 1, 2",
            [tables],
        )
        for table, name, kind, definition in cursor.fetchall():
            sql = f'ALTER TABLE {SCHEMA}.{table} ADD CONSTRAINT "{name}" {rewrite(definition)}'
            kinds[kind].append((table, sql))
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relname = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) ORDER BY 1, 2",
            [tables],
        )
        found.indexes = [(table, rewrite(definition)) for table, definition in cursor.fetchall()]
        cursor.execute("RESET search_path")
    for _group, statements in found.groups():
        for _table, sql in statements:
            if "public.cases_" in sql.split(" ON ")[0] or f"{SCHEMA}." not in sql:
                raise RuntimeError(f"not rewritten for the floor schema: {sql}")
    return found


def _drop_rebuilt(conn, tables: list[str]) -> None:
    """The floor tables back to bare columns (constraints and indexes dropped; not timed)."""
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND k.contype <> 'n' "
            "ORDER BY k.contype = 'f' DESC",
            [SCHEMA],
        )
        for table, name in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {SCHEMA}.{table} DROP CONSTRAINT "{name}"')
        cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = %s", [SCHEMA])
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX {SCHEMA}."{name}"')


# --------------------------------------------------------------------------------------------------
# The variants
# --------------------------------------------------------------------------------------------------


def _execute(conn, sql: str, params=None) -> int:
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _create_copies(conn, tables: list[str]) -> None:
    with conn.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        cursor.execute(f"CREATE SCHEMA {SCHEMA}")
        for table in tables:
            cursor.execute(f"CREATE TABLE {SCHEMA}.{table} (LIKE public.{table} INCLUDING DEFAULTS)")


def _rebuild(report, variant, conn, definitions, counts, memory, workers) -> None:
    """Every key, index and constraint, then ANALYZE, on one connection, each group timed."""
    pid = conn.info.backend_pid
    _execute(conn, f"SET LOCAL maintenance_work_mem = '{memory}'")
    if workers is not None:
        _execute(conn, f"SET LOCAL max_parallel_maintenance_workers = {int(workers)}")
    for group, statements in definitions.groups():

        def run(statements=statements):
            for _table, sql in statements:
                _execute(conn, sql)

        report.timed(variant, f"{group} ({len(statements)})", None, [pid], run, "rebuild")

    def analyze():
        for table in counts:
            _execute(conn, f"ANALYZE {SCHEMA}.{table}")

    report.timed(variant, f"ANALYZE ({len(counts)} tables)", sum(counts.values()), [pid], analyze, "rebuild")


def _in_parallel(jobs_per_connection: list[list], connections: list) -> None:
    """Each connection runs its list of statements on its own thread (psycopg waits without the GIL)."""
    errors = []

    def run(conn, statements):
        try:
            for sql in statements:
                _execute(conn, sql)
        except BaseException as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=(conn, jobs))
        for conn, jobs in zip(connections, jobs_per_connection, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _balanced(
    statements: list[tuple[str, str]], counts: dict[str, int], lanes: int, by_table: bool
) -> list[list[str]]:
    """Statements shared over `lanes` connections, the biggest tables' first, each to the least loaded;
    `by_table`: all of a table's on one connection (ALTER TABLE's locks would serialise them anyway)."""
    units: dict = {}
    for table, sql in statements:
        units.setdefault(table if by_table else sql, (table, []))[1].append(sql)
    load = [0] * lanes
    out: list[list[str]] = [[] for _ in range(lanes)]
    for table, sqls in sorted(units.values(), key=lambda unit: -counts.get(unit[0], 0) * len(unit[1])):
        lane = load.index(min(load))
        out[lane].extend(sqls)
        load[lane] += (counts.get(table, 0) + 1) * len(sqls)
    return out


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("ONEWINDOW_DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("usage: generator_floor.py [postgresql://…] (or ONEWINDOW_DATABASE_URL)")
    tables, memory = _setup(url)
    conn = psycopg.connect(url, autocommit=True)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM public.cases_case")
        cases = cursor.fetchone()[0]
        cursor.execute("SHOW max_parallel_maintenance_workers")
        server_workers = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        print(cursor.fetchone()[0])
    pid = conn.info.backend_pid
    parent = _stat(pid)
    postmaster = int(parent[1]) if parent is not None else None
    if postmaster is None:
        print("(the server is not on this machine: no CPU figures)")
    report = Report(postmaster, url)
    with open("/proc/loadavg") as f:
        print(f"load average at start: {f.read().strip()}")
    print(
        f"cases stored: {cases:,}; rebuild: maintenance_work_mem {memory}, "
        f"max_parallel_maintenance_workers {server_workers} (server)"
    )
    definitions = _definitions(conn, tables)
    _execute(conn, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")

    # Reading the tables once (warm cache) and the baselines.
    counts: dict[str, int] = {}
    for table in tables:

        def count(table=table):
            with conn.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM public.{table}")
                return cursor.fetchone()[0]

        counts[table] = report.timed("base", f"warm-up count(*) {table}", None, [pid], count, "base")
        report.steps[-1].rows = counts[table]
    report.timed(
        "base",
        "SELECT count(*) FROM cases_case",
        cases,
        [pid],
        lambda: _execute(conn, "SELECT count(*) FROM public.cases_case"),
        "base",
    )
    _execute(conn, f"CREATE SCHEMA {SCHEMA}")
    report.timed(
        "base",
        "CREATE TABLE floor.t AS SELECT * FROM cases_case",
        cases,
        [pid],
        lambda: _execute(conn, f"CREATE TABLE {SCHEMA}.t AS SELECT * FROM public.cases_case"),
        "base",
    )
    _execute(conn, f"DROP SCHEMA {SCHEMA} CASCADE")

    second = psycopg.connect(url, autocommit=True)
    lanes = [conn, second]
    pids = [c.info.backend_pid for c in lanes]
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.conkey[1] "
            "WHERE n.nspname = 'public' AND k.contype = 'p' AND c.relname = ANY(%s)",
            [tables],
        )
        keys = dict(cursor.fetchall())

    def copy(table: str, where: str = "") -> str:
        return f"INSERT INTO {SCHEMA}.{table} SELECT * FROM public.{table}{where}"

    try:
        # A: one connection, one transaction, as the generator's offline load.
        _create_copies(conn, tables)
        with conn.transaction():
            _execute(conn, "SET LOCAL synchronous_commit = off")
            _execute(conn, f"CREATE SEQUENCE {SCHEMA}.ids")
            for table in tables:
                report.timed(
                    "A",
                    f"INSERT {table}",
                    counts[table],
                    [pid],
                    lambda table=table: _execute(conn, copy(table)),
                    "load",
                )

            def reserve():  # bulk.reserve_ids: the cases' keys fetched 10,000 (a chunk) at a time
                left = cases
                with conn.cursor() as cursor:
                    while left > 0:
                        k = min(left, 10_000)
                        cursor.execute(f"SELECT nextval('{SCHEMA}.ids') FROM generate_series(1, {k})")
                        cursor.fetchall()
                        left -= k

            report.timed("A", "reserve case ids (nextval, 10,000 a query)", cases, [pid], reserve, "load")
            _rebuild(report, "A", conn, definitions, counts, memory, None)

        # A0: the same rebuild with serial builds (its total: A's load + this rebuild).
        _drop_rebuilt(conn, tables)
        with conn.transaction():
            _execute(conn, "SET LOCAL synchronous_commit = off")
            _rebuild(report, "A0", conn, definitions, counts, memory, 0)

        for c in lanes:
            _execute(c, "SET synchronous_commit = off")

        # P: the INSERTs of each table split over 2 connections (by primary key parity); load only.
        _create_copies(conn, tables)
        for table in tables:
            jobs = [[copy(table, f" WHERE {keys[table]} % 2 = {parity}")] for parity in (0, 1)]
            report.timed(
                "P",
                f"INSERT {table} (2 connections, id parity)",
                counts[table],
                pids,
                lambda jobs=jobs: _in_parallel(jobs, lanes),
                "load",
            )

        # B: the tables side by side on 2 connections (events on one, the others on the other), then
        # the rebuild over 2 connections (no parallel workers: the connections are the parallelism).
        _create_copies(conn, tables)
        jobs = _balanced([(t, copy(t)) for t in tables], counts, len(lanes), by_table=True)
        report.timed(
            "B",
            "INSERT all tables (2 connections, tables side by side)",
            sum(counts.values()),
            pids,
            lambda: _in_parallel(jobs, lanes),
            "load",
        )
        for c in lanes:
            _execute(c, f"SET maintenance_work_mem = '{memory}'")
            _execute(c, "SET max_parallel_maintenance_workers = 0")
        for group, statements in definitions.groups():
            if statements is definitions.foreign:
                # Added NOT VALID (no scan), then validated: VALIDATE locks the referencing table against
                # itself only, so two tables' validations run side by side.
                validate = [
                    (table, f"ALTER TABLE {SCHEMA}.{table} VALIDATE CONSTRAINT {sql.split()[5]}")
                    for table, sql in statements
                ]
                added = [sql + " NOT VALID" for _table, sql in statements]
                phases = [[added, *([] for _ in lanes[1:])], _balanced(validate, counts, len(lanes), True)]
            else:
                phases = [_balanced(statements, counts, len(lanes), statements is not definitions.indexes)]

            def run(phases=phases):
                for phase in phases:
                    _in_parallel(phase, lanes)

            report.timed("B", f"{group} ({len(statements)}, 2 connections)", None, pids, run, "rebuild")
        jobs = _balanced([(t, f"ANALYZE {SCHEMA}.{t}") for t in tables], counts, len(lanes), by_table=True)
        report.timed(
            "B",
            f"ANALYZE ({len(tables)} tables, 2 connections)",
            sum(counts.values()),
            pids,
            lambda: _in_parallel(jobs, lanes),
            "rebuild",
        )
    finally:
        _execute(conn, f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
        second.close()
        report.sampler.close()
    with open("/proc/loadavg") as f:
        print(f"load average at end: {f.read().strip()}")
    print("\ntables (rows copied):")
    for table in tables:
        print(f"  {table:<24}{counts[table]:>12,}")
    print(f"  {'total':<24}{sum(counts.values()):>12,}")
    report.table(cases)
    conn.close()


if __name__ == "__main__":
    main()
