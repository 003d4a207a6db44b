"""Shared fixtures: the sample organisations and people, API clients with Bearer tokens, a movable clock."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

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


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's 10⁶ rounds cost half a second a user; the tests create dozens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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


@pytest.fixture(autouse=True)
def _audit_guards(request):
    """Keep the audit log's append-only triggers on during every test; drop them just before
    pytest-django empties the database after a transactional test (its flush would be refused)."""
    names = request.fixturenames
    transactional = "transactional_db" in names or "live_server" in names
    if not transactional and "db" not in names:
        yield
        return
    from django.db import connection

    from onewindow.core import db_guards

    request.getfixturevalue("transactional_db" if transactional else "db")
    db_guards.install(connection)
    yield
    if transactional:
        db_guards.remove(connection)


@pytest.fixture
def sample_org(db):
    """The sample region, organisations, hall, windows and demo users."""
    from onewindow.org import sample

    loaded = sample.load_organisations()
    sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
    return loaded


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


class ApiClient:
    """A JSON client for /api/v1 that logs in with a Bearer token."""

    def __init__(self, username: str | None = None, password: str = DEMO_PASSWORD):
        self.client = Client()
        self.headers = {}
        if username:
            response = self.post("/auth/token", {"username": username, "password": password})
            assert response.status_code == 200, response.content
            self.headers["Authorization"] = f"Bearer {response.json()['token']}"

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
