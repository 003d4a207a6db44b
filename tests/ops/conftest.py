"""Fixtures of the operations tests: a committed sample hall, `onewindow serve` on a free port, a load of
acceptances over HTTP, fresh installations to restore into, and raw reads of a restored database."""

from __future__ import annotations

import http.client
import io
import itertools
import json
import os
import signal
import socket
import sqlite3
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
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import Client

from onewindow.core.validators import resident_id_check_char
from tests.conftest import DEMO_PASSWORD, database_env_for_subprocess

_numbers = itertools.count(1)


def applicant(n: int | None = None) -> dict:
    n = next(_numbers) if n is None else n
    first17 = f"21030319900101{n % 1000:03d}"
    return {
        "kind": "person",
        "name": f"备份测试{n % 1000:03d}",
        "id_number": first17 + resident_id_check_char(first17),
        "phone": f"139{n % 100_000_000:08d}",
    }


def onewindow(*args, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the console script in a subprocess with `env`; returns the finished process (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "onewindow", *args], env=env, capture_output=True, text=True, timeout=timeout
    )


class Api:
    """The JSON API in-process, with a Bearer token (the same calls a client makes)."""

    def __init__(self, username: str):
        self.client = Client()
        answer = self.client.post(
            "/api/v1/auth/token",
            {"username": username, "password": DEMO_PASSWORD},
            content_type="application/json",
        )
        assert answer.status_code == 200, answer.content
        self.token = answer.json()["token"]
        self.headers = {"Authorization": f"Bearer {self.token}"}

    def get(self, path):
        return self.client.get("/api/v1" + path, headers=self.headers)

    def post(self, path, body, **headers):
        return self.client.post(
            "/api/v1" + path, body, content_type="application/json", headers={**self.headers, **headers}
        )


@pytest.fixture
def hall(transactional_db):
    """The whole sample (organisations, users, seals, calendar, catalogue), committed so that other
    processes (the server, pg_dump, the backup's own SQLite connection) see it."""
    cache.clear()
    call_command("load_sample", stdout=io.StringIO())
    clerk = Api("clerk1")
    code = _first_promised_subitem(clerk)
    detail = clerk.get(f"/subitems/{code}").json()
    yield SimpleNamespace(
        subitem=code,
        materials=[m["code"] for m in detail["materials"] if m["required"]],
        # What the guide asks the approver to fill in at a grant (catalogue.results).
        particulars={
            f["code"]: "2030-01-01" if f["type"] == "date" else f["label"] for f in detail["result"]["fields"]
        },
        clerk=clerk,
    )
    cache.clear()


def _first_promised_subitem(api: Api) -> str:
    body = api.get("/subitems").json()
    rows = body["results"] if isinstance(body, dict) else body
    return next(row["code"] for row in sorted(rows, key=lambda r: r["code"]) if row["promised_days"] >= 1)


# --------------------------------------------------------------------------------------------------
# Fresh installations and raw reads of them
# --------------------------------------------------------------------------------------------------


@dataclass
class Installation:
    """An installation other than the test's own: its environment and a raw SQL reader."""

    env: dict
    vendor: str
    sqlite_path: Path | None = None
    dsn: str = ""

    def rows(self, sql: str) -> list[tuple]:
        if self.vendor == "sqlite":
            db = sqlite3.connect(str(self.sqlite_path))
            try:
                return db.execute(sql).fetchall()
            finally:
                db.close()
        import psycopg

        with psycopg.connect(self.dsn) as db:
            return db.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.rows(sql)[0][0]


@pytest.fixture
def fresh_installation(tmp_path) -> Iterator[Installation]:
    """An empty installation of the test's database vendor: a new data dir, and for PostgreSQL a new
    database (created here, dropped after) that nobody has migrated."""
    data_dir = tmp_path / "restored"
    env = {**os.environ, "ONEWINDOW_DATA_DIR": str(data_dir)}
    if connection.vendor == "sqlite":
        env["ONEWINDOW_DATABASE_URL"] = ""
        yield Installation(env=env, vendor="sqlite", sqlite_path=data_dir / "onewindow.sqlite3")
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_restored"[:60]
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    dsn = (
        f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"
    )
    env["ONEWINDOW_DATABASE_URL"] = dsn
    try:
        yield Installation(env=env, vendor="postgresql", dsn=dsn)
    finally:
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def source_env() -> dict:
    """Environment of a subprocess working on the test's own installation."""
    return {**database_env_for_subprocess(), "ONEWINDOW_DATA_DIR": str(settings.DATA_DIR)}


# --------------------------------------------------------------------------------------------------
# The server and a load of acceptances
# --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL the gunicorn master and every worker at once (they share a process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def serve(*, workers: int = 2, threads: int = 2, timeout: float = 30.0) -> Iterator[Server]:
    """`onewindow serve` on the test's database and a free localhost port; always stopped after."""
    port = _free_port()
    env = source_env()
    env.pop("ONEWINDOW_DEBUG", None)
    command = [sys.executable, "-m", "onewindow", "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    log.seek(0)
                    raise RuntimeError(
                        f"the server exited ({process.returncode}):\n{log.read().decode()[-3000:]}"
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
            yield Server(port=port, process=process)
        finally:
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=15)
                except ProcessLookupError:
                    pass


@dataclass
class Load:
    """Acceptances posted by client threads until stopped (or a bound is reached)."""

    port: int
    token: str
    subitem: str
    materials: list[str]
    clients: int = 3
    max_per_client: int = 150
    max_seconds: float = 30.0
    answered_201: list[str] = field(default_factory=list)  # case numbers the clients saw created
    other_answers: list[str] = field(default_factory=list)
    connection_errors: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Load:
        for i in range(self.clients):
            thread = threading.Thread(target=self._client, args=(i,), daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def _client(self, i: int) -> None:
        deadline = time.monotonic() + self.max_seconds
        for n in range(self.max_per_client):
            if self.stop.is_set() or time.monotonic() > deadline:
                return
            body = json.dumps(
                {"subitem": self.subitem, "applicant": applicant(i * 1000 + n), "materials": self.materials}
            )
            headers = {
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"ops-{uuid.uuid4().hex}",
            }
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
                conn.request("POST", "/api/v1/cases", body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                conn.close()
            except (OSError, http.client.HTTPException):
                # The server is gone (killed): the answer was never seen, so nothing is promised.
                with self._lock:
                    self.connection_errors += 1
                if self.stop.is_set():
                    return
                time.sleep(0.05)
                continue
            with self._lock:
                if response.status == 201:
                    self.answered_201.append(json.loads(payload)["number"])
                else:
                    self.other_answers.append(f"{response.status} {payload[:200]!r}")

    def wait_for(self, count: int, seconds: float = 30.0) -> None:
        deadline = time.monotonic() + seconds
        while len(self.answered_201) < count:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"only {len(self.answered_201)} acceptances in {seconds:g} s; other answers: {self.other_answers[:3]}"
                )
            time.sleep(0.05)

    def finish_after(self, count: int, seconds: float = 30.0) -> None:
        try:
            self.wait_for(count, seconds)
        finally:
            self.finish()

    def finish(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=30)
        assert not any(t.is_alive() for t in self._threads), "a client thread did not stop"
