"""`onewindow bench cases`: full case lifecycles per second, in-process and over HTTP, against a bare view.

A lifecycle is the whole life of a granted case: accept → claim → decide(grant) → produce_result →
issue. It is measured three ways, all in ONE throwaway database of the configured engine (a
`bench-<pid>.sqlite3` file in the data dir, or a `bench_onewindow_<pid>` PostgreSQL database made with
the configured role and dropped at the end), so real data is never read or written:

- in-process: the services called directly, one thread (no HTTP, no JSON);
- over HTTP: `onewindow serve` (gunicorn) on 127.0.0.1 and a free port, with 32 client threads, each
  with its own Bearer tokens and a keep-alive connection (stdlib http.client), running lifecycles
  through the JSON API for a fixed time; two worker layouts are tried and the better one is reported;
- the ceiling: the same clients hammering GET /healthz, a bare Django JSON view on the same server.
  "ceiling ratio" = lifecycle requests/s ÷ /healthz requests/s.

The calendar rows come from bench.calendar. Targets (issue 4) are marked met or not met. Every
phase is bounded in time and count, and the server is always stopped. Bench accounts hash their
passwords with a fast hasher (their tokens are issued in-process; the server never checks a
password); that only affects the throwaway database.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import math
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings

from bench.report import database_label, table
from onewindow.catalogue.results import sample_particulars
from onewindow.core import audit

CLIENTS = 32
FEW_CLIENTS = 8
SERVER_CONFIGS = ((4, 1), (2, 4))  # (workers, threads): 4 sync workers, or 2 gthread workers × 4 threads
TARGET_HTTP_LIFECYCLES = 50.0  # per second, over HTTP, on both databases (issue 14)
TARGET_ACCEPT_P99_MS = 100.0  # at 8 concurrent clients
TARGET_ADD_WORKDAYS = 200_000.0  # calls per second
TARGET_APP_CPU_MS = 20.0  # per lifecycle, the server's processes
TARGET_DB_CPU_MS = 10.0  # per lifecycle, the PostgreSQL backends
TARGET_DEPARTMENTS = 1000.0  # authenticated GET /api/v1/departments per second
TARGET_QUERIES = 35  # SQL statements per lifecycle (transaction control not counted)
COLUMNS = ["what", "value", "unit", "baseline", "ratio", "target", "met"]
BENCH_PASSWORD = "Throwaway-Qz7-hall!"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STEPS = ("accept", "claim", "decide", "produce_result", "issue")


@dataclass
class Desk:
    """What one client works with: a clerk, an approver of a department, an issuing clerk, one sub-item."""

    clerk: object
    approver: object
    issuer: object
    subitem: str
    materials: list[str]
    particulars: dict = field(default_factory=dict)  # what the guide asks at a grant
    tokens: dict[str, str] = field(default_factory=dict)
    floor: dict = field(default_factory=dict)  # the ids the floor endpoint writes with


# --------------------------------------------------------------------------------------------------
# The throwaway database
# --------------------------------------------------------------------------------------------------


def _database_url(db: dict) -> str:
    """ONEWINDOW_DATABASE_URL for a subprocess that must use the database `db` (a settings dict)."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    query = {"conn_max_age": db.get("CONN_MAX_AGE", 60), **db.get("OPTIONS", {})}
    where = (db["HOST"] or "") + (f":{db['PORT']}" if db["PORT"] else "")  # no host: the Unix socket
    return f"postgresql://{credentials}@{where}/{quote(db['NAME'], safe='')}?{urlencode(query)}"


def _use_database(name) -> None:
    from django.contrib.contenttypes.models import ContentType

    from onewindow.workdays import arithmetic

    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    ContentType.objects.clear_cache()
    arithmetic.invalidate()


def _drop_postgresql(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Point the default connection at a new, migrated, empty database; yield its URL; drop it after.

    The applicants' texts go to a new folder as well (here and in the server it starts): the throwaway
    database numbers its messages from 1 again, and rewriting the files of an earlier run (truncate, then
    write) costs the file system a flush that a real outbox, whose numbers never repeat, does not pay."""
    from django.core.management import call_command

    original = connection.settings_dict["NAME"]
    pid = os.getpid()
    sms_folder = tempfile.TemporaryDirectory(prefix="bench-sms-")
    sms_before = (settings.ONEWINDOW_SMS_FILE_PATH, os.environ.get("ONEWINDOW_SMS_FILE_PATH"))
    settings.ONEWINDOW_SMS_FILE_PATH = Path(sms_folder.name)
    os.environ["ONEWINDOW_SMS_FILE_PATH"] = sms_folder.name
    if connection.vendor == "sqlite":
        path = Path(settings.DATA_DIR) / f"bench-{pid}.sqlite3"
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")]
        files.append(Path(f"{path}.writelock"))  # core.backends.sqlite3's writer lock
        for f in files:
            f.unlink(missing_ok=True)
        name = str(path)
    else:
        name = f"bench_onewindow_{pid}"
        connection.close()
        _drop_postgresql(name)
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        _use_database(name)
        call_command("migrate", verbosity=0, interactive=False)
        yield _database_url(connection.settings_dict)
    finally:
        _use_database(original)
        if connection.vendor == "sqlite":
            for f in files:
                f.unlink(missing_ok=True)
        else:
            _drop_postgresql(name)
            connection.close()
        settings.ONEWINDOW_SMS_FILE_PATH = sms_before[0]
        if sms_before[1] is None:
            os.environ.pop("ONEWINDOW_SMS_FILE_PATH", None)
        else:
            os.environ["ONEWINDOW_SMS_FILE_PATH"] = sms_before[1]
        sms_folder.cleanup()


# --------------------------------------------------------------------------------------------------
# Sample data and bench accounts
# --------------------------------------------------------------------------------------------------


def _resident_id(n: int) -> str:
    from onewindow.core.validators import resident_id_check_char

    first17 = f"21030319900101{n % 1000:03d}"
    return first17 + resident_id_check_char(first17)


def applicant(n: int) -> dict:
    return {
        "kind": "person",
        "name": f"测试申请人{n % 1000:03d}",
        "id_number": _resident_id(n),
        "phone": f"139{n % 100_000_000:08d}",
    }


def _handed_over_subitems(now: dt.datetime) -> list[tuple[object, object]]:
    """One sub-item per receiving department, handed over to it an hour ago: (department, sub-item).

    The sample catalogue is still implemented by the bureau, which has no approvers; after a handover
    the department decides. The sub-item's implementing period moves through the catalogue service.
    """
    from onewindow.catalogue.models import SubItem
    from onewindow.catalogue.selectors import implementer
    from onewindow.catalogue.services import start_assignment
    from onewindow.handover.selectors import RECEIVING_KINDS
    from onewindow.org.models import Organisation

    pairs = []
    for department in Organisation.objects.filter(kind__in=RECEIVING_KINDS).order_by("sort_order", "code"):
        subitem = (
            SubItem.objects.filter(target_department=department, promised_days__gte=1)
            .order_by("code")
            .first()
        )
        if subitem is None:
            continue
        if implementer(subitem, now) != department:
            start_assignment(
                subitem=subitem, organisation=department, at=now - dt.timedelta(hours=1), agreement_id=None
            )
        pairs.append((department, subitem))
    if not pairs:
        raise RuntimeError("the sample catalogue has no sub-item with a target department")
    return pairs


def _bench_user(username: str, role: str, department: str | None, window=None, hall=None):
    from django.contrib.auth import get_user_model

    from onewindow.org import roles as r
    from onewindow.org import services
    from onewindow.org.models import Staff, Stationing

    User = get_user_model()
    if not Staff.objects.filter(user__username=username).exists():
        staff = services.create_user(
            actor=None, username=username, role=role, password=BENCH_PASSWORD, department=department
        )
        if window is not None:
            Staff.objects.filter(pk=staff.pk).update(window=window)
        if role == r.APPROVER:
            Stationing.objects.create(
                staff=staff,
                department=staff.organisation,
                hall=hall,
                valid_from=dt.date(2024, 9, 1),
                qualification_number=f"BENCH-{username}",
            )
    return User.objects.select_related("staff__organisation__region", "staff__window").get(username=username)


def prepare(clients: int = CLIENTS) -> list[Desk]:
    """Load the sample (organisations, seals, calendar, catalogue) and `clients` desks with tokens."""
    from onewindow.catalogue import sample as catalogue_sample
    from onewindow.catalogue.selectors import current_guide
    from onewindow.core import clock
    from onewindow.handover import sample as handover_sample
    from onewindow.org import roles as r
    from onewindow.org import sample as org_sample
    from onewindow.org.models import Window, WindowKind
    from onewindow.org.services import issue_token
    from onewindow.workdays import sample as workdays_sample

    loaded = org_sample.load_organisations()
    workdays_sample.load_sample_calendar()
    handover_sample.load()
    catalogue_sample.load()
    pairs = _handed_over_subitems(clock.now())
    hall = loaded["hall"]
    windows = {
        kind: list(Window.objects.filter(hall=hall, kind=kind, active=True).order_by("number"))
        for kind in (WindowKind.ACCEPTANCE, WindowKind.ISSUANCE)
    }
    desks = []
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        for i in range(clients):
            department, subitem = pairs[i % len(pairs)]
            acceptance = windows[WindowKind.ACCEPTANCE]
            issuance = windows[WindowKind.ISSUANCE]
            desk = Desk(
                clerk=_bench_user(
                    f"bench-clerk-{i:02d}",
                    r.WINDOW_CLERK,
                    None,
                    window=acceptance[i % len(acceptance)] if acceptance else None,
                ),
                approver=_bench_user(f"bench-approver-{i:02d}", r.APPROVER, department.code, hall=hall),
                issuer=_bench_user(
                    f"bench-issuer-{i:02d}",
                    r.ISSUING_CLERK,
                    None,
                    window=issuance[i % len(issuance)] if issuance else None,
                ),
                subitem=subitem.code,
                materials=[m.code for m in current_guide(subitem).materials.all() if m.required],
                particulars=sample_particulars(current_guide(subitem).result_fields, on=dt.date(2030, 1, 1)),
            )
            for role in ("clerk", "approver", "issuer"):
                username = getattr(desk, role).username
                desk.tokens[role] = issue_token(username=username, password=BENCH_PASSWORD)[0]
            desk.floor = {
                "region": subitem.region_id,
                "subitem": subitem.pk,
                "guide": current_guide(subitem).pk,
                "user": desk.clerk.pk,
            }
            desks.append(desk)
    # A live database has planner statistics (autovacuum); a fresh one has none, and PostgreSQL then
    # spends ~10× longer planning the case detail's joins. Give the bench database what production has.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return desks


# --------------------------------------------------------------------------------------------------
# In-process: the services, one thread
# --------------------------------------------------------------------------------------------------


def lifecycle_in_process(desk: Desk, n: int):
    """One granted case from the window to the applicant, through the services; returns the case."""
    from onewindow.cases import services

    case, _created = services.accept(
        actor=desk.clerk,
        subitem=desk.subitem,
        applicant=applicant(n),
        materials=desk.materials,
        idempotency_key=f"bench-{uuid.uuid4().hex}",
    )
    case = services.claim(actor=desk.approver, case=case.number, version=case.version)
    case = services.decide(
        actor=desk.approver,
        case=case.number,
        version=case.version,
        decision="grant",
        reason="符合法定条件",
        particulars=desk.particulars,
    )
    case = services.produce_result(actor=desk.approver, case=case.number, version=case.version)
    return services.issue(actor=desk.issuer, case=case.number, version=case.version, method="pickup")


def run_in_process(desks: list[Desk], *, lifecycles: int, max_seconds: float) -> tuple[int, float]:
    """Lifecycles done and seconds taken, single-threaded; one warm-up lifecycle is not counted."""
    lifecycle_in_process(desks[0], 0)
    done = 0
    started = time.perf_counter()
    while done < lifecycles and time.perf_counter() - started < max_seconds:
        case = lifecycle_in_process(desks[done % len(desks)], done + 1)
        if case.status != "issued":
            raise AssertionError(f"case {case.number} ended {case.status}, not issued")
        done += 1
    return done, time.perf_counter() - started


# --------------------------------------------------------------------------------------------------
# Over HTTP: the server and the clients
# --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    pid: int  # of the gunicorn master, which leads its own process group
    database: str  # the PostgreSQL database name ("" for SQLite: its work happens in the workers)


def _cpu_of(pid: int) -> float | None:
    """User + system CPU seconds of a live process, from /proc (None when it is gone or unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pids(match) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if match(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


class CpuMeter:
    """CPU seconds spent by the server's processes, the database's backends and this process (the clients)."""

    def __init__(self, server: Server):
        self.server = server

    def _in_group(self, pid: int) -> bool:
        return os.getpgid(pid) == self.server.pid

    def _is_backend(self, pid: int) -> bool:
        title = Path(f"/proc/{pid}/cmdline").read_bytes()
        return title.startswith(b"postgres:") and f" {self.server.database} ".encode() in title

    def snapshot(self) -> dict[str, dict[int, float]]:
        groups = {"server": _pids(self._in_group)}
        groups["database"] = _pids(self._is_backend) if self.server.database else []
        snap = {
            name: {pid: cpu for pid in pids if (cpu := _cpu_of(pid)) is not None}
            for name, pids in groups.items()
        }
        usage = resource.getrusage(resource.RUSAGE_SELF)
        snap["client"] = {0: usage.ru_utime + usage.ru_stime}
        return snap

    @staticmethod
    def spent(before: dict, after: dict) -> dict[str, float]:
        return {
            name: sum(cpu - before[name].get(pid, 0.0) for pid, cpu in after[name].items()) for name in after
        }


@contextmanager
def serve(database_url: str, *, workers: int, threads: int, timeout: float = 60.0) -> Iterator[Server]:
    """`onewindow serve` on 127.0.0.1 against `database_url`; yields the Server; always stops it."""
    port = _free_port()
    env = {**os.environ, "ONEWINDOW_DATABASE_URL": database_url, "ONEWINDOW_DATA_DIR": str(settings.DATA_DIR)}
    env["ONEWINDOW_BENCH_FLOOR"] = "1"  # the floor endpoint (onewindow.site.floor), this server only
    env.pop("ONEWINDOW_DEBUG", None)
    command = [sys.executable, "-m", "onewindow", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"the server exited ({server.returncode}):\n{log.read().decode()[-3000:]}"
                    )
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                    conn.request("GET", "/healthz")
                    if conn.getresponse().status == 200:
                        conn.close()
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not answer /healthz within {timeout:g} s")
                time.sleep(0.2)
            yield Server(
                port=port,
                pid=server.pid,
                database="" if database_url.startswith("sqlite") else connection.settings_dict["NAME"],
            )
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server's own process group (the gunicorn master and its workers), then SIGKILL."""
    if server.poll() is None:
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        except ProcessLookupError:
            pass


class HttpClient:
    """One keep-alive connection (reopened when the server closes it), JSON in and out."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict | None]:
        data = None if body is None else json.dumps(body).encode()
        hdrs = {"Content-Type": "application/json", **(headers or {})} if data else dict(headers or {})
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                response = self.conn.getresponse()
                payload = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # An idle keep-alive connection the server closed: nothing was processed, reconnect once.
                self.conn.close()
                if attempt == 2:
                    raise
        if "json" in response.getheader("Content-Type", "") and payload:
            return response.status, json.loads(payload)
        return response.status, None

    def close(self):
        self.conn.close()


@dataclass
class Load:
    """What a set of clients did in one timed phase."""

    seconds: float = 0.0
    requests: int = 0
    failed_requests: int = 0
    lifecycles: int = 0
    latencies: list[float] = field(default_factory=list)  # of the measured request kind, seconds
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds: server, database, client

    def add(self, other: Load) -> None:
        self.requests += other.requests
        self.failed_requests += other.failed_requests
        self.lifecycles += other.lifecycles
        self.latencies += other.latencies
        self.errors += other.errors[: max(0, 5 - len(self.errors))]


def _run_clients(work, clients: int, seconds: float) -> Load:
    """Run `work(i, client, deadline, load)` on `clients` threads at once; wall time from start to last end."""
    barrier = threading.Barrier(clients + 1)
    loads = [Load() for _ in range(clients)]
    box: dict[str, float] = {}

    def body(i: int) -> None:
        client = HttpClient(box["port"])
        try:
            barrier.wait()
            work(i, client, box["deadline"], loads[i])
        except Exception as exc:  # a client that dies is reported, not hidden
            loads[i].errors.append(f"client {i}: {exc!r}")
        finally:
            client.close()

    def start(server: Server) -> Load:
        box["port"] = server.port
        meter = CpuMeter(server)
        threads = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(clients)]
        for thread in threads:
            thread.start()
        before = meter.snapshot()
        started = time.perf_counter()
        box["deadline"] = started + seconds
        barrier.wait()
        for thread in threads:
            thread.join(timeout=seconds + 120)
        total = Load(seconds=time.perf_counter() - started)
        total.cpu = meter.spent(before, meter.snapshot())
        for load in loads:
            total.add(load)
        if any(thread.is_alive() for thread in threads):
            total.errors.append("some clients were still running after the time limit")
        return total

    return start


def healthz_load(server: Server, *, clients: int, seconds: float) -> Load:
    def work(i, client, deadline, load):
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _body = client.request("GET", "/healthz")
            load.latencies.append(time.perf_counter() - started)
            load.requests += 1
            if status != 200:
                load.failed_requests += 1

    return _run_clients(work, clients, seconds)(server)


def get_load(server: Server, *, path: str, token: str, clients: int, seconds: float) -> Load:
    """`clients` threads repeating an authenticated GET of `path`."""

    def work(i, client, deadline, load):
        headers = {"Authorization": f"Bearer {token}"}
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _body = client.request("GET", path, None, headers)
            load.latencies.append(time.perf_counter() - started)
            load.requests += 1
            if status != 200:
                load.failed_requests += 1
                load.errors.append(f"GET {path} → {status}")

    return _run_clients(work, clients, seconds)(server)


def floor_load(server: Server, desks: list[Desk], *, seconds: float) -> Load:
    """The floor: five POST /bench/floor per lifecycle (the case row, event and audit entry of each step)."""

    def work(i, client, deadline, load):
        ids = desks[i % len(desks)].floor
        while time.perf_counter() < deadline:
            case = None
            for step in range(len(STEPS)):
                status, answer = client.request("POST", "/bench/floor", {**ids, "step": step, "case": case})
                load.requests += 1
                if status != 200 or not answer:
                    load.failed_requests += 1
                    load.errors.append(f"floor step {step} → {status}")
                    return
                case = answer["case"]
            load.lifecycles += 1

    return _run_clients(work, len(desks), seconds)(server)


def lifecycle_over_http(client: HttpClient, desk: Desk, n: int, load: Load) -> bool:
    """One lifecycle through the JSON API; the acceptance request's latency goes to load.latencies."""
    bearer = {role: {"Authorization": f"Bearer {token}"} for role, token in desk.tokens.items()}
    body = {"subitem": desk.subitem, "applicant": applicant(n), "materials": desk.materials}
    started = time.perf_counter()
    status, case = client.request(
        "POST", "/api/v1/cases", body, {**bearer["clerk"], "Idempotency-Key": f"bench-{uuid.uuid4().hex}"}
    )
    load.latencies.append(time.perf_counter() - started)
    load.requests += 1
    if status != 201 or not case or case.get("status") != "accepted":
        load.failed_requests += 1
        load.errors.append(f"accept → {status} {str(case)[:300]}")
        return False
    for action, role, extra in (
        ("claim", "approver", {}),
        (
            "decide",
            "approver",
            {"decision": "grant", "reason": "符合法定条件", "particulars": desk.particulars},
        ),
        ("produce_result", "approver", {}),
        ("issue", "issuer", {"method": "pickup"}),
    ):
        status, answer = client.request(
            "POST",
            f"/api/v1/cases/{case['number']}/actions",
            {"action": action, "version": case["version"], **extra},
            bearer[role],
        )
        load.requests += 1
        if status != 200 or not answer:
            load.failed_requests += 1
            load.errors.append(f"{action} → {status} {str(answer)[:300]}")
            return False
        case = answer
    return case.get("status") == "issued"


def lifecycles_load(
    server: Server, desks: list[Desk], *, seconds: float, per_client: int, clients: int | None = None
) -> Load:
    desks = desks[: clients or len(desks)]

    def work(i, client, deadline, load):
        desk = desks[i % len(desks)]
        n = (i + 1) * 100_000
        while time.perf_counter() < deadline and load.lifecycles < per_client:
            n += 1
            if lifecycle_over_http(client, desk, n, load):
                load.lifecycles += 1

    return _run_clients(work, len(desks), seconds)(server)


def warm_up(server: Server, desks: list[Desk]) -> None:
    """One lifecycle per client, not measured: every worker has its connection, calendar index, caches."""

    def work(i, client, deadline, load):
        lifecycle_over_http(client, desks[i], 900_000 + i, load)

    load = _run_clients(work, len(desks), 0)(server)
    if load.errors:
        raise RuntimeError("warm-up failed: " + "; ".join(load.errors[:3]))


# --------------------------------------------------------------------------------------------------
# Profile of the HTTP path in this process (for finding hot spots; not part of `bench cases`)
# --------------------------------------------------------------------------------------------------


class InProcessClient:
    """HttpClient's interface over Django's test client: the whole stack but the socket and gunicorn.
    Counts the SQL queries of each request by step."""

    def __init__(self):
        from django.test import Client

        self.client = Client(SERVER_NAME="127.0.0.1")  # an allowed host outside the test runner
        self.queries: dict[str, list[int]] = {}
        self.apart = 0  # statements counted apart so far (queries_per_request: texts sent after commit)

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict | None]:
        from django.test.utils import CaptureQueriesContext

        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}
        apart_before = self.apart
        with CaptureQueriesContext(connection) as captured:
            response = self.client.generic(
                method, path, json.dumps(body) if body is not None else "", "application/json", **meta
            )
        step = (body or {}).get("action", "accept") if method == "POST" else path
        statements = [q for q in captured.captured_queries if not q["sql"].upper().startswith(CONTROL)]
        self.queries.setdefault(step, []).append(len(statements) - (self.apart - apart_before))
        return response.status_code, response.json() if "json" in response.get("Content-Type", "") else None


# Transaction control is not a query of the work (SQLite logs BEGIN and COMMIT, PostgreSQL does not).
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")


def queries_per_request(desks: list[Desk], lifecycles: int = 3) -> tuple[dict[str, float], float, float]:
    """SQL statements per request of each step, through the whole Django stack in this process (caches
    warm: one lifecycle first), the writes of the apps listening to case events (cases.hooks.on_case_event:
    statistics figures, the applicant's text) included — they go out with the case change's own writes
    (core.prepared.gathering), on PostgreSQL in its one statement — but not the statements of the
    applicant's texts sent after the commit (messaging.services.deliver). Returned with them: the
    listeners' writes per lifecycle (statements they ran plus writes they gathered) and the texts'
    statements per lifecycle."""
    from django.test.utils import CaptureQueriesContext

    from onewindow.cases import hooks
    from onewindow.core import prepared
    from onewindow.messaging import services as messaging

    client = InProcessClient()
    delivered = [0]
    listener_writes = [0]

    def statements_of(call, *args, **kwargs):
        with CaptureQueriesContext(connection) as captured:
            result = call(*args, **kwargs)
        return result, sum(not q["sql"].upper().startswith(CONTROL) for q in captured.captured_queries)

    def counted(listener):
        def run(case, event):
            gathered = prepared.gathered()
            before = len(gathered) if gathered is not None else 0
            result, n = statements_of(listener, case, event)
            listener_writes[0] += n + (len(gathered) - before if gathered is not None else 0)
            return result

        return run

    deliver = messaging.deliver

    def counted_delivery(*args, **kwargs):
        result, n = statements_of(deliver, *args, **kwargs)
        client.apart += n  # not the case path's: counted apart below
        delivered[0] += n
        return result

    original = list(hooks.on_case_event)
    hooks.on_case_event[:] = [counted(listener) for listener in original]
    messaging.deliver = counted_delivery
    try:
        load = Load()
        lifecycle_over_http(client, desks[0], 990_000, load)
        client.queries.clear()
        client.apart = 0
        delivered[0] = listener_writes[0] = 0
        for n in range(lifecycles):
            lifecycle_over_http(client, desks[0], 990_001 + n, load)
        if load.errors:
            raise RuntimeError("in-process lifecycle failed: " + "; ".join(load.errors[:3]))
    finally:
        hooks.on_case_event[:] = original
        messaging.deliver = deliver
    per_step = {step: sum(counts) / len(counts) for step, counts in client.queries.items()}
    return per_step, listener_writes[0] / lifecycles, delivered[0] / lifecycles


def profile(lifecycles: int = 30, top: int = 35) -> str:
    """cProfile of `lifecycles` lifecycles through the JSON API in this process, on a throwaway database.

    Run: `onewindow shell -c "from bench.cases import profile; print(profile())"` (with
    ONEWINDOW_DATABASE_URL for PostgreSQL). Prints queries per step and the functions of onewindow and
    django-ninja by cumulative time.
    """
    import cProfile
    import io
    import pstats

    with throwaway_database():
        desks = prepare(2)
        client = InProcessClient()
        load = Load()
        lifecycle_over_http(client, desks[0], 0, load)  # warm-up
        client.queries.clear()
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for n in range(1, lifecycles + 1):
            lifecycle_over_http(client, desks[n % len(desks)], n, load)
        profiler.disable()
        seconds = time.perf_counter() - started
        label = database_label()
    out = io.StringIO()
    out.write(
        f"{label}: {lifecycles} lifecycles in {seconds:.2f} s under the profiler; errors: {load.errors[:3]}\n"
    )
    out.write("SQL queries per request: ")
    out.write(", ".join(f"{step} {sum(c) / len(c):.0f}" for step, c in client.queries.items()) + "\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats("onewindow|ninja", top)
    return out.getvalue()


# --------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0–100); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(p / 100 * len(ordered))))
    return ordered[rank - 1]


def _met(ok: bool, on_postgresql: bool = True) -> str:
    mark = "met" if ok else "NOT met"
    return mark if on_postgresql else f"{mark} (PG target)"


def in_process_rows(
    desks: list[Desk], *, lifecycles: int, max_seconds: float, calendar_calls: int
) -> list[dict]:
    """The rows measured in this process: service lifecycles and the calendar."""
    from bench import calendar as calendar_bench

    done, seconds = run_in_process(desks, lifecycles=lifecycles, max_seconds=max_seconds)
    rows = [
        {
            "what": f"in-process lifecycles (5 service calls, 1 thread, n={done})",
            "value": done / seconds,
            "unit": "lifecycles/s",
            "baseline": "",
            "ratio": "",
            "target": "",
            "met": "",
        },
        {
            "what": "in-process: one service call (mean)",
            "value": seconds / done / len(STEPS) * 1000,
            "unit": "ms",
            "baseline": "",
            "ratio": "",
            "target": "",
            "met": "",
        },
    ]
    calendar_rows = {row["measure"]: row for row in calendar_bench.run(calendar_calls)}
    indexed = calendar_rows["add_workdays (indexed)"]
    naive = calendar_rows["baseline: naive day-by-day add_workdays (in memory)"]
    rows.append(
        {
            "what": f"add_workdays (indexed; baseline naive day-by-day; n={indexed['calls']})",
            "value": indexed["calls_per_second"],
            "unit": "calls/s",
            "baseline": naive["calls_per_second"],
            "ratio": indexed["ratio_to_baseline"],
            "target": f"≥ {TARGET_ADD_WORKDAYS:,.0f}",
            "met": _met(indexed["calls_per_second"] >= TARGET_ADD_WORKDAYS),
        }
    )
    return rows


def http_rows(lifecycle: Load, healthz: Load, *, clients: int, on_postgresql: bool) -> list[dict]:
    lifecycles_per_s = lifecycle.lifecycles / lifecycle.seconds
    requests_per_s = lifecycle.requests / lifecycle.seconds
    healthz_per_s = healthz.requests / healthz.seconds
    healthz_p99 = percentile(healthz.latencies, 99) * 1000
    p = {q: percentile(lifecycle.latencies, q) * 1000 for q in (50, 95, 99)}
    return [
        {
            "what": f"HTTP lifecycles ({clients} clients, n={lifecycle.lifecycles})",
            "value": lifecycles_per_s,
            "unit": "lifecycles/s",
            "baseline": healthz_per_s / len(STEPS),
            "ratio": lifecycles_per_s / (healthz_per_s / len(STEPS)),
            "target": f"≥ {TARGET_HTTP_LIFECYCLES:.0f}",
            "met": _met(lifecycles_per_s >= TARGET_HTTP_LIFECYCLES),
        },
        {
            "what": "HTTP lifecycle requests (ceiling ratio vs /healthz)",
            "value": requests_per_s,
            "unit": "requests/s",
            "baseline": healthz_per_s,
            "ratio": requests_per_s / healthz_per_s,
            "target": "",
            "met": "",
        },
        {
            "what": "HTTP acceptance POST /cases p50",
            "value": p[50],
            "unit": "ms",
            "baseline": percentile(healthz.latencies, 50) * 1000,
            "ratio": p[50] / max(percentile(healthz.latencies, 50) * 1000, 1e-9),
            "target": "",
            "met": "",
        },
        {
            "what": "HTTP acceptance POST /cases p95",
            "value": p[95],
            "unit": "ms",
            "baseline": percentile(healthz.latencies, 95) * 1000,
            "ratio": p[95] / max(percentile(healthz.latencies, 95) * 1000, 1e-9),
            "target": "",
            "met": "",
        },
        {
            "what": f"HTTP acceptance POST /cases p99 ({clients} clients)",
            "value": p[99],
            "unit": "ms",
            "baseline": healthz_p99,
            "ratio": p[99] / max(healthz_p99, 1e-9),
            "target": f"< {TARGET_ACCEPT_P99_MS:.0f} (at {FEW_CLIENTS} clients, below)",
            "met": _met(p[99] < TARGET_ACCEPT_P99_MS),
        },
        {
            "what": f"HTTP GET /healthz ({clients} clients; the ceiling)",
            "value": healthz_per_s,
            "unit": "requests/s",
            "baseline": "",
            "ratio": "",
            "target": "",
            "met": "",
        },
        {
            "what": "HTTP GET /healthz p99",
            "value": healthz_p99,
            "unit": "ms",
            "baseline": "",
            "ratio": "",
            "target": "",
            "met": "",
        },
        *_cpu_rows(lifecycle, healthz, on_postgresql=on_postgresql),
        {
            "what": "HTTP failed requests (lifecycles + /healthz)",
            "value": lifecycle.failed_requests + healthz.failed_requests,
            "unit": "requests",
            "baseline": "",
            "ratio": "",
            "target": "0",
            "met": "met" if not lifecycle.failed_requests + healthz.failed_requests else "NOT met",
        },
    ]


def query_rows(per_step: dict[str, float], listeners: float = 0.0, delivery: float = 0.0) -> list[dict]:
    blank = {"baseline": "", "ratio": "", "target": "", "met": ""}
    rows = [
        {"what": f"SQL statements per request: {step}", "value": count, "unit": "queries", **blank}
        for step, count in per_step.items()
    ]
    path = sum(per_step.values())
    total = path + delivery
    rows += [
        {
            "what": "SQL statements per lifecycle, the case path with its listeners' writes (in-process; "
            "transaction control not counted)",
            "value": path,
            "unit": "queries",
            **blank,
        },
        {
            "what": "  of which writes of the case-event listeners (statistics figures, SMS outbox), sent with "
            "the case change's (on PostgreSQL in its statement)",
            "value": listeners,
            "unit": "writes",
            **blank,
        },
        {
            "what": "  + of the applicant's texts sent after the commit (mark sent: queued leased)",
            "value": delivery,
            "unit": "queries",
            **blank,
        },
        {
            "what": "SQL statements per lifecycle, all of them (baseline: before issue 14)",
            "value": total,
            "unit": "queries",
            "baseline": 78,
            "ratio": total / 78,
            "target": f"≤ {TARGET_QUERIES}",
            "met": _met(total <= TARGET_QUERIES),
        },
    ]
    return rows


def few_clients_rows(lifecycle: Load, *, clients: int) -> list[dict]:
    """Acceptance latency when the hall is not saturated (issue 14: p99 < 100 ms at 8 clients)."""
    p = {q: percentile(lifecycle.latencies, q) * 1000 for q in (50, 95, 99)}
    blank = {"baseline": "", "ratio": "", "target": "", "met": ""}
    return [
        {
            "what": f"HTTP lifecycles ({clients} clients, n={lifecycle.lifecycles})",
            "value": lifecycle.lifecycles / lifecycle.seconds,
            "unit": "lifecycles/s",
            **blank,
        },
        {
            "what": f"HTTP acceptance POST /cases p50 ({clients} clients)",
            "value": p[50],
            "unit": "ms",
            **blank,
        },
        {
            "what": f"HTTP acceptance POST /cases p95 ({clients} clients)",
            "value": p[95],
            "unit": "ms",
            **blank,
        },
        {
            "what": f"HTTP acceptance POST /cases p99 ({clients} clients)",
            "value": p[99],
            "unit": "ms",
            "baseline": "",
            "ratio": "",
            "target": f"< {TARGET_ACCEPT_P99_MS:.0f}",
            "met": _met(p[99] < TARGET_ACCEPT_P99_MS),
        },
    ]


def read_rows(departments: Load, cases_page: Load, healthz: Load, *, clients: int) -> list[dict]:
    healthz_per_s = healthz.requests / healthz.seconds
    rows = []
    for what, load, target in (
        ("HTTP GET /api/v1/departments (authenticated)", departments, TARGET_DEPARTMENTS),
        ("HTTP GET /api/v1/cases?page_size=50 (authenticated)", cases_page, None),
    ):
        per_s = load.requests / load.seconds
        rows.append(
            {
                "what": f"{what} ({clients} clients; baseline /healthz)",
                "value": per_s,
                "unit": "requests/s",
                "baseline": healthz_per_s,
                "ratio": per_s / healthz_per_s,
                "target": f"≥ {target:,.0f}" if target else "",
                "met": _met(per_s >= target) if target else "",
            }
        )
    return rows


def floor_rows(lifecycle: Load, floor: Load, *, on_postgresql: bool) -> list[dict]:
    """CPU per lifecycle against the floor: the same essential writes (case row, event, audit entry per
    step, one transaction each) through a bare endpoint of the same server."""
    if not lifecycle.cpu or not lifecycle.lifecycles or not floor.lifecycles:
        return []
    per = {name: seconds / lifecycle.lifecycles * 1000 for name, seconds in lifecycle.cpu.items()}
    base = {name: seconds / floor.lifecycles * 1000 for name, seconds in floor.cpu.items()}
    rows = [
        {
            "what": f"floor: the same writes, bare endpoint ({len(STEPS)} requests per lifecycle)",
            "value": floor.lifecycles / floor.seconds,
            "unit": "lifecycles/s",
            "baseline": "",
            "ratio": "",
            "target": "",
            "met": "",
        },
        {
            "what": "server CPU per HTTP lifecycle (baseline: the floor's)",
            "value": per["server"],
            "unit": "CPU ms",
            "baseline": base["server"],
            "ratio": per["server"] / base["server"] if base["server"] else "",
            "target": f"≤ {TARGET_APP_CPU_MS:.0f}",
            "met": _met(per["server"] <= TARGET_APP_CPU_MS),
        },
    ]
    if on_postgresql:
        rows.append(
            {
                "what": "PostgreSQL CPU per HTTP lifecycle (baseline: the floor's)",
                "value": per["database"],
                "unit": "CPU ms",
                "baseline": base["database"],
                "ratio": per["database"] / base["database"] if base["database"] else "",
                "target": f"≤ {TARGET_DB_CPU_MS:.0f}",
                "met": _met(per["database"] <= TARGET_DB_CPU_MS),
            }
        )
    return rows


def _cpu_rows(lifecycle: Load, healthz: Load, *, on_postgresql: bool) -> list[dict]:
    """Where the CPU went, per lifecycle: load-independent figures on a machine shared with other work."""
    if not lifecycle.cpu or not lifecycle.lifecycles:
        return []
    per = {name: seconds / lifecycle.lifecycles * 1000 for name, seconds in lifecycle.cpu.items()}
    bare = healthz.cpu.get("server", 0.0) / max(healthz.requests, 1) * 1000 * len(STEPS)
    blank = {"baseline": "", "ratio": "", "target": "", "met": ""}
    rows = [
        {
            "what": "server CPU per HTTP lifecycle (gunicorn; baseline 5 × /healthz)",
            "value": per["server"],
            "unit": "CPU ms",
            "baseline": bare,
            "ratio": per["server"] / bare if bare else "",
            "target": "",
            "met": "",
        }
    ]
    if on_postgresql:
        rows.append(
            {"what": "PostgreSQL CPU per HTTP lifecycle", "value": per["database"], "unit": "CPU ms", **blank}
        )
    rows.append(
        {
            "what": "client CPU per HTTP lifecycle (bench threads)",
            "value": per["client"],
            "unit": "CPU ms",
            **blank,
        }
    )
    cores = os.cpu_count() or 1
    estimate = cores * 1000 / (per["server"] + per.get("database", 0.0))
    rows.append(
        {
            "what": f"estimate: {cores} cores ÷ (server + database CPU per lifecycle)",
            "value": estimate,
            "unit": "lifecycles/s",
            **blank,
        }
    )
    return rows


def main(quick: bool = False) -> str:
    clients = CLIENTS
    healthz_seconds, lifecycle_seconds = (2.0, 3.0) if quick else (10.0, 30.0)
    configs = SERVER_CONFIGS[1:] if quick else SERVER_CONFIGS
    lines = []
    load_at_start = os.getloadavg()[0]
    with throwaway_database() as url:
        label = database_label()
        where = Path(connection.settings_dict["NAME"]).name
        on_postgresql = connection.vendor == "postgresql"
        prepare_started = time.perf_counter()
        desks = prepare(clients)
        prepared = time.perf_counter() - prepare_started
        rows = in_process_rows(
            desks,
            lifecycles=20 if quick else 2000,
            max_seconds=5.0 if quick else 20.0,
            calendar_calls=20_000 if quick else 200_000,
        )
        rows += query_rows(*queries_per_request(desks))
        side_seconds = 2.0 if quick else 8.0
        tried = []
        for workers, threads in configs:
            with serve(url, workers=workers, threads=threads) as server:
                warm_up(server, desks)
                healthz = healthz_load(server, clients=clients, seconds=healthz_seconds)
                lifecycle = lifecycles_load(server, desks, seconds=lifecycle_seconds, per_client=5000)
                few = lifecycles_load(
                    server, desks, seconds=side_seconds * 2, per_client=5000, clients=FEW_CLIENTS
                )
                floor = floor_load(server, desks, seconds=side_seconds)
                token = desks[0].tokens["approver"]
                departments = get_load(
                    server, path="/api/v1/departments", token=token, clients=clients, seconds=side_seconds
                )
                cases_page = get_load(
                    server,
                    path="/api/v1/cases?page_size=50",
                    token=desks[0].tokens["clerk"],
                    clients=clients,
                    seconds=side_seconds,
                )
            tried.append(((workers, threads), lifecycle, healthz, (few, floor, departments, cases_page)))
        best = max(tried, key=lambda t: t[1].lifecycles / t[1].seconds)
        (workers, threads), lifecycle, healthz, (few, floor, departments, cases_page) = best
        for extra in (few, floor, departments, cases_page):  # counted in the "failed requests" row
            lifecycle.failed_requests += extra.failed_requests
            lifecycle.errors += extra.errors[:3]
        rows += http_rows(lifecycle, healthz, clients=clients, on_postgresql=on_postgresql)
        rows += floor_rows(lifecycle, floor, on_postgresql=on_postgresql)
        rows += few_clients_rows(few, clients=FEW_CLIENTS)
        rows += read_rows(departments, cases_page, healthz, clients=clients)
        verified = audit.verify()
        audit_line = (
            f"audit verify after the run: intact, {verified.checked} entries"
            if verified.ok
            else f"audit verify after the run: BROKEN at #{verified.bad_seq}: {verified.reason}"
        )

    def layout(w, t):
        return f"{w} workers × {t} thread{'s' if t > 1 else ''} ({'gthread' if t > 1 else 'sync'})"

    lines.append(f"database: {label}, throwaway {where} (removed after the run)")
    lines.append(
        f"machine: {os.cpu_count()} CPUs; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end (other work on the machine slows every row "
        "but the CPU ones); setup "
        f"{prepared:.1f} s"
    )
    lines.append(
        f"clients: {clients} threads on the same machine, one keep-alive connection and own tokens each"
    )
    for (w, t), lc, hz, _more in tried:
        lines.append(
            f"server tried: {layout(w, t)}: {lc.lifecycles / lc.seconds:,.1f} lifecycles/s, "
            f"/healthz {hz.requests / hz.seconds:,.0f} requests/s"
        )
    lines.append(
        f"server reported: onewindow serve --workers {workers} --threads {threads} = {layout(workers, threads)}"
    )
    lines.append(
        f"phases: /healthz {healthz_seconds:g} s, lifecycles {lifecycle_seconds:g} s at {clients} clients and "
        f"{side_seconds * 2:g} s at {FEW_CLIENTS}, the floor, GET departments and GET cases {side_seconds:g} s each, "
        "after one warm-up lifecycle per client"
    )
    lines.append(audit_line)
    errors = [e for _c, lc, hz, _more in tried for e in lc.errors + hz.errors]
    if errors:
        lines.append("errors (first ones): " + " | ".join(errors[:5]))
    lines.append("")
    lines.append(table(rows, COLUMNS))
    return "\n".join(lines)
