"""Shared fixtures: the sample organisations and people, API clients with Bearer tokens, a movable clock,
and the shared worlds that let tests start from a built sample without building it each time."""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from onewindow.core import clock

DEMO_PASSWORD = "Demo-pass-2026!"
os.environ.setdefault("ONEWINDOW_DEMO_PASSWORD", DEMO_PASSWORD)


def artifacts_dir() -> Path:
    """test-artifacts/<database vendor>/: files a person looks at; one folder per database, because
    `make test` runs the SQLite and PostgreSQL suites side by side."""
    from django.db import connection

    path = Path(__file__).resolve().parents[1] / "test-artifacts" / connection.vendor
    path.mkdir(parents=True, exist_ok=True)
    return path


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _answers_checked(settings):
    """Every answer rendered as a selector built it is validated against its schema (core.api.answer_as_is)."""
    settings.ONEWINDOW_CHECK_ANSWERS = True


@pytest.fixture(autouse=True)
def _sms_to_the_console(settings):
    """Applicants' text messages go to standard output (captured) rather than files in the data dir."""
    settings.ONEWINDOW_SMS_BACKEND = "console"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's 10⁶ rounds cost half a second a user; the tests create dozens."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


def database_env_for_subprocess() -> dict:
    """Environment for a `onewindow` subprocess that must use the test database."""
    from django.db import connection

    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        env["ONEWINDOW_DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["ONEWINDOW_DATABASE_URL"] = (
            f"postgresql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


# Shared worlds. Building the sample organisations, users, catalogue… for each test was most of the suite's
# time. A world is built once inside a transaction that stays open while consecutive tests need it; each
# test runs in pytest-django's savepoint inside it and is rolled back to the world. A test that needs another
# world, an empty database (a `db` test asking for no world) or real commits (transactional_db, live_server)
# has the open world rolled back first. pytest-django runs the `db` tests first, in file order, then the
# transactional ones, so a session builds each world a handful of times.
#
# A world is declared with @shared_world(name, parent=…): build(parent's value) → value, run in the open
# transaction on top of the parent world. A test asks for it through the fixture world_fixture(name) makes
# (named world__<name>): seeing that name in the test's fixture closure is how the switch knows, before
# pytest-django opens the test's savepoint, which world must be open. The fixture gives each test a deep
# copy of the value, so a test that changes an instance does not change the next test's.

_WORLDS: dict[str, tuple[str | None, Callable[[Any], Any]]] = {}
_PREFIX = "world__"


def shared_world(name: str, *, parent: str | None = None):
    """Declare the world `name`, built by the decorated function on top of the world `parent`."""

    def register(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _WORLDS[name] = (parent, build)
        return build

    return register


def world_fixture(name: str):
    """The fixture world__<name>: a copy of the value of the world `name`, which is open for the test."""

    @pytest.fixture(name=_PREFIX + name)
    def fixture(db, _shared_worlds):
        return _shared_worlds.value(name)

    return fixture


def _chain(name: str) -> list[str]:
    """The world and its ancestors, the root first."""
    chain = []
    while name is not None:
        chain.insert(0, name)
        name = _WORLDS[name][0]
    return chain


class _Worlds:
    """The stack of open worlds: (name, its atomic block, its value), the root first."""

    def __init__(self, blocker):
        self.blocker = blocker
        self.open: list[tuple[str, Any, Any]] = []
        self.connection = None  # the one the worlds' transaction is on

    def switch(self, name: str | None) -> None:
        want = _chain(name) if name else []
        keep = 0
        while keep < min(len(want), len(self.open)) and self.open[keep][0] == want[keep]:
            keep += 1
        with self.blocker.unblock():
            while len(self.open) > keep:
                self._close()
            for world in want[keep:]:
                self._open(world)

    def value(self, name: str) -> Any:
        for opened, _atomic, value in self.open:
            if opened == name:
                return copy.deepcopy(value)
        raise RuntimeError(f"the world {name!r} is not open: ask for world__{name} as a fixture argument")

    def _open(self, name: str) -> None:
        from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
        from django.test.utils import override_settings

        from onewindow.core import db_guards

        atomic = transaction.atomic()
        atomic._from_testcase = True  # as Django's TestCase marks its own: durable blocks may nest inside
        atomic.__enter__()
        try:
            if not self.open:
                # A transactional test before may have dropped them (tests/conftest.py _audit_guards).
                db_guards.install(connection)
            parent = self.open[-1][2] if self.open else None
            with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
                value = _WORLDS[name][1](parent)
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
        self.open.append((name, atomic, value))
        self.connection = connections[DEFAULT_DB_ALIAS]

    def _close(self) -> None:
        from django.db import DEFAULT_DB_ALIAS, connections, transaction

        name, atomic, _value = self.open.pop()
        if connections[DEFAULT_DB_ALIAS] is not self.connection:
            raise RuntimeError(
                f"the world {name!r} was opened on another connection object (an event loop started since?)"
            )
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="session")
def _shared_worlds(django_db_setup, django_db_blocker):
    worlds = _Worlds(django_db_blocker)
    yield worlds
    worlds.switch(None)


def _wanted_world(request) -> str | None:
    """The deepest world the test's fixtures ask for; None for an empty database."""
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        transactional = True
    asked = [n[len(_PREFIX) :] for n in names if n.startswith(_PREFIX)]
    if not asked:
        return None
    if transactional:
        raise pytest.UsageError(
            f"{request.node.nodeid}: shared worlds are for `db` tests, not transactional ones"
        )
    deepest = max(asked, key=lambda n: len(_chain(n)))
    if not set(asked) <= set(_chain(deepest)):
        raise pytest.UsageError(f"{request.node.nodeid}: the worlds {sorted(asked)} do not stack")
    return deepest


@pytest.fixture
def _world_switch(request, _shared_worlds):
    _shared_worlds.switch(_wanted_world(request))


@pytest.fixture
def _django_db_helper(_world_switch, _django_db_helper):
    """pytest-django's one entry to the database (db, transactional_db, the django_db marker): open the
    test's world before it opens the test's savepoint."""
    return _django_db_helper


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete_on_postgresql():
    """After each transactional test pytest-django empties the database with one TRUNCATE of every table,
    which costs PostgreSQL seconds (new files for every table and index); DELETE of the few rows such a test
    leaves is much quicker. The flush runs in one transaction and Django's foreign keys on PostgreSQL are
    DEFERRABLE INITIALLY DEFERRED, so the order of the tables does not matter."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or allow_cascade:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return [f"DELETE FROM {self.quote_name(table)};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


@pytest.fixture(autouse=True)
def _audit_guards(request):
    """Keep the audit log's append-only triggers on during every test; drop them just before
    pytest-django empties the database after a transactional test (its flush would be refused).
    In-process caches follow the database: forget calendar indexes, reference data (core.stamps) and
    rate-limit counters."""
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    if not transactional and "db" not in names:
        yield
        return
    from django.core.cache import cache
    from django.db import connection

    from onewindow.core import db_guards, stamps
    from onewindow.workdays import arithmetic

    request.getfixturevalue("transactional_db" if transactional else "db")
    db_guards.install(connection)
    arithmetic.invalidate()
    stamps.forget()
    cache.clear()
    yield
    arithmetic.invalidate()
    stamps.forget()
    cache.clear()
    if transactional:
        db_guards.remove(connection)


@shared_world("org")
def _org_world(_parent) -> dict:
    from onewindow.org import sample

    loaded = sample.load_organisations()
    sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
    return loaded


world__org = world_fixture("org")


@pytest.fixture
def sample_org(world__org):
    """The sample region, organisations, hall, windows and demo users."""
    return world__org


@pytest.fixture
def frozen_clock():
    """Set the one clock; yields a setter. Real time runs again after the test."""
    yield clock.set_now
    clock.set_now(None)


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> Client:
    """Log a test client in and finish the login as the login page would after the second factor: the
    supervisor and the administrators must log in with two factors (org.security), which their tests
    prove through the pages (tests/org, tests/e2e); here it is taken as done."""
    import time

    from onewindow.org import middleware, security

    assert client.login(username=username, password=password)
    session = client.session
    session[security.GATES_SESSION_KEY] = []
    session[middleware.LAST_SEEN_KEY] = int(time.time())
    session.save()
    return client


def confirmed_totp_device(username: str):
    """A confirmed authenticator device for `username` (created once), ready for a fresh code."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    # A code is accepted once per 30-second step; tests log the same person in more often than that.
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return device


def totp_code(device) -> str:
    """The device's current code, as the person's authenticator app shows it."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


def api_token(username: str, password: str = DEMO_PASSWORD) -> str:
    """A Bearer token of `username`, minted by the service /auth/token calls (tests/org/test_tokens.py goes
    through HTTP). For a role that must log in with two factors and has no device, the second factor is
    taken as done, as `sign_in` does; tests/org/test_login_leftovers.py proves the endpoint's gate."""
    from django.contrib.auth import get_user_model

    from onewindow.org import security, services

    user = get_user_model().objects.get(username=username)
    if security.requires_two_factor(user) and security.confirmed_device(user) is None:
        assert user.check_password(password)
        return security.mint_token(user=user)[0]
    return services.issue_token(username=username, password=password)[0]


class ApiClient:
    """A JSON client for /api/v1 that sends a Bearer token of `username`."""

    def __init__(self, username: str | None = None, password: str = DEMO_PASSWORD):
        self.client = Client()
        self.headers = {}
        if username:
            self.headers["Authorization"] = f"Bearer {api_token(username, password)}"

    def get(self, path, params=None, **headers):
        return self.client.get("/api/v1" + path, params or {}, headers={**self.headers, **headers})

    def post(self, path, body=None, **headers):
        return self.client.post(
            "/api/v1" + path,
            body if body is not None else {},
            content_type="application/json",
            headers={**self.headers, **headers},
        )


@pytest.fixture
def api(sample_org):
    """api('supervisor1') → a client holding that user's token; api() → anonymous."""
    return ApiClient
