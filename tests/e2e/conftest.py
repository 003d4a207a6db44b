"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Never `playwright install`: the hall's network is closed and so is CI's. Chromium is /usr/bin/chromium
(Debian package `chromium`). Screenshots go to test-artifacts/ for a person to look at.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, artifacts_dir, confirmed_totp_device, totp_code

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("ONEWINDOW_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("ONEWINDOW_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def _no_shared_world(_shared_worlds):
    _shared_worlds.switch(None)


@pytest.fixture(scope="session")
def playwright(_no_shared_world, playwright):
    """Roll back the shared world (tests/conftest.py) before Playwright starts: once its event loop runs in
    this thread, Django hands out other connection objects (one per async context), and the transaction
    holding the world could no longer be rolled back — it would keep the test database locked."""
    return playwright


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English-language browser: the pages must still be Chinese (the hall has no language choice).
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 860}}


@pytest.fixture
def screenshot():
    """screenshot(page, "name") → test-artifacts/name.png (full page)."""

    def take(page, name: str) -> Path:
        path = artifacts_dir() / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def e2e_sample(transactional_db):
    """The sample organisations and demo users, committed so the live server's threads see them."""
    import datetime as dt

    from onewindow.org import sample

    loaded = sample.load_organisations()
    sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
    return loaded


@pytest.fixture
def login(live_server):
    """login(page, "supervisor1") signs in through the real login form; the supervisor and the
    administrators then type the code of their (test) authenticator device, as the hall requires."""
    from onewindow.org import security

    def sign_in(page, username: str, password: str = DEMO_PASSWORD):
        from django.contrib.auth import get_user_model

        device = None
        if security.requires_two_factor(get_user_model().objects.get(username=username)):
            device = confirmed_totp_device(username)
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        if device is not None:
            page.wait_for_url(f"{live_server.url}/accounts/login/verify/")
            page.fill("#id_otp", totp_code(device))
            page.click("main button[type=submit]")  # the header's logout is a submit button too
        page.wait_for_url(f"{live_server.url}/")
        return page

    return sign_in
