"""Login protection: lockout on the page and the token endpoint alike, the password policy, two-factor
login, revocable tokens, the idle timeout, and every login, failure, lockout and logout audited."""

from __future__ import annotations

import datetime as dt
import io
import sys
import time

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from onewindow.core import audit
from onewindow.core.models import AuditEntry
from onewindow.org import middleware, security
from onewindow.org.models import Credential, LoginAttempt
from tests.conftest import DEMO_PASSWORD, ApiClient, confirmed_totp_device, sign_in, totp_code

User = get_user_model()


def token_attempt(username, password, **extra):
    return ApiClient().post("/auth/token", {"username": username, "password": password, **extra})


def page_login(client, username, password, **extra):
    return client.post("/accounts/login/", {"username": username, "password": password, **extra})


# --- Lockout ---------------------------------------------------------------------------------------


def test_a_sixth_try_on_the_token_endpoint_is_refused_even_with_the_right_password(sample_org):
    for _ in range(5):
        assert token_attempt("clerk1", "Wrong-guess-2026").status_code == 401
    response = token_attempt("clerk1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "auth.locked"
    assert AuditEntry.objects.filter(action="auth.token.denied", actor="clerk1", success=False).count() == 5
    assert AuditEntry.objects.filter(action="auth.lockout", actor="clerk1").count() == 1
    assert AuditEntry.objects.filter(action="auth.token.refused", actor="clerk1").count() == 1
    # Other accounts are not affected; the lock lifts after the window.
    assert token_attempt("clerk2", DEMO_PASSWORD).status_code == 200
    LoginAttempt.objects.filter(username="clerk1").update(
        at=security.security_now() - dt.timedelta(minutes=16)
    )
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 200


def test_a_sixth_try_on_the_login_page_is_refused_even_with_the_right_password(sample_org):
    client = Client()
    for _ in range(5):
        response = page_login(client, "clerk1", "Wrong-guess-2026")
        assert response.status_code == 200 and "_auth_user_id" not in client.session
    response = page_login(client, "clerk1", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "锁定" in response.content.decode()
    # The page and the token endpoint share one count.
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 429
    assert AuditEntry.objects.filter(action="auth.login.failed", actor="clerk1").count() == 5
    assert AuditEntry.objects.filter(action="auth.lockout", actor="clerk1").count() == 1


def test_unknown_accounts_are_locked_too_and_failures_are_audited_under_the_claimed_name(sample_org):
    for _ in range(6):
        token_attempt("nobody", "Wrong-guess-2026")
    entries = AuditEntry.objects.filter(actor="nobody")
    assert entries.filter(action="auth.token.denied").count() == 5
    assert entries.filter(action="auth.token.refused").count() == 1
    assert entries.first().actor_id is None


def test_the_address_limit_lets_a_script_take_more_than_120_tokens_a_minute(sample_org):
    for _ in range(125):
        assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 200


def test_an_address_over_its_limits_is_refused(sample_org, settings):
    settings.ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES = 8
    for n in range(8):
        token_attempt(f"guess{n}", "Wrong-guess-2026")
    response = token_attempt("clerk1", DEMO_PASSWORD)
    assert response.status_code == 429 and response.json()["code"] == "auth.rate_limited"
    settings.ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES = 50
    settings.ONEWINDOW_LOGIN_ADDRESS_PER_MINUTE = 5
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 429


# --- Password policy -------------------------------------------------------------------------------


def add_user(username, password):
    old, sys.stdin = sys.stdin, io.StringIO(password + "\n")
    try:
        call_command(
            "user", "add", username, "--role", "window_clerk", "--password-stdin", stdout=io.StringIO()
        )
    finally:
        sys.stdin = old


@pytest.mark.parametrize(
    "password",
    ["tttttttt", "Short-1a", "alllowercaseletters", "zhangwei-2026-x", "Password123", "abcdefghij1"],
)
def test_user_add_refuses_weak_passwords(sample_org, password):
    with pytest.raises(CommandError, match="password"):
        add_user("zhangwei", password)
    assert not User.objects.filter(username="zhangwei").exists()


def test_user_add_accepts_a_strong_password(sample_org):
    add_user("zhangwei", "Qiang-mima-2026")
    assert User.objects.get(username="zhangwei").check_password("Qiang-mima-2026")


def change(client, old, new):
    return client.post(
        "/accounts/password/", {"old_password": old, "new_password": new, "new_password2": new}
    )


def test_the_password_page_refuses_weak_and_recent_passwords(sample_org):
    client = sign_in(Client(), "clerk1")
    for weak in ("tttttttt", "clerk1-Pass-2026", DEMO_PASSWORD):
        response = change(client, DEMO_PASSWORD, weak)
        assert response.status_code == 400, weak
    passwords = [f"Round-{n}-pass-2026" for n in range(1, 6)]
    current = DEMO_PASSWORD
    for new in passwords:
        assert change(client, current, new).status_code == 302
        current = new
    # The last five are refused (the current one among them); the sixth back is allowed again.
    assert change(client, current, passwords[0]).status_code == 400
    assert change(client, current, DEMO_PASSWORD).status_code == 302
    assert AuditEntry.objects.filter(action="auth.password.change", actor="clerk1").count() == 6


def test_a_password_change_kills_every_token_of_the_user(sample_org):
    first, second = ApiClient("clerk1"), ApiClient("clerk1")
    other = ApiClient("clerk2")
    client = sign_in(Client(), "clerk1")
    assert change(client, DEMO_PASSWORD, "Brand-new-2026!").status_code == 302
    assert first.get("/departments").status_code == 401
    assert second.get("/departments").status_code == 401
    assert other.get("/departments").status_code == 200
    assert client.get("/").status_code == 200  # the session that changed it stays


def test_an_expired_password_must_be_changed_at_login(sample_org, settings):
    settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS = 90
    Credential.objects.filter(user__username="clerk1").update(
        password_changed_at=security.security_now() - dt.timedelta(days=91)
    )
    client = Client()
    response = page_login(client, "clerk1", DEMO_PASSWORD)
    assert response["Location"] == "/accounts/password/"
    assert client.get("/")["Location"] == "/accounts/password/"
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 403
    settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS = 0
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 200


# --- Tokens ----------------------------------------------------------------------------------------


def test_a_revoked_token_is_401_at_once(sample_org):
    client = ApiClient("clerk1")
    keep = ApiClient("clerk1")
    response = client.client.delete("/api/v1/auth/token", headers=client.headers)
    assert response.status_code == 204
    assert client.get("/departments").status_code == 401
    assert keep.get("/departments").status_code == 200
    assert AuditEntry.objects.filter(action="auth.token.revoke", actor="clerk1").count() == 1
    assert client.client.delete("/api/v1/auth/token", headers=client.headers).status_code == 401


# --- Two-factor login ------------------------------------------------------------------------------


@pytest.fixture
def no_otp_throttle(settings):
    """django-otp makes a device wait 1 s, 2 s, 4 s… after a wrong code; the tests do not wait."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_the_supervisor_must_set_up_a_second_factor_at_the_first_login(sample_org, no_otp_throttle):
    client = Client()
    response = page_login(client, "supervisor1", DEMO_PASSWORD)
    assert response["Location"] == "/accounts/two-factor/"
    assert client.get("/org/organisations/")["Location"] == "/accounts/two-factor/"
    api = client.get("/api/v1/departments")
    assert api.status_code == 403 and api["Content-Type"] == "application/problem+json"
    page = client.get("/accounts/two-factor/").content.decode()
    assert "<svg" in page and "otpauth://totp/" in page
    device = security.pending_device(User.objects.get(username="supervisor1"))
    assert client.post("/accounts/two-factor/", {"otp": "000000"}).status_code == 200
    response = client.post("/accounts/two-factor/", {"otp": totp_code(device)})
    assert response["Location"] == "/"
    assert client.get("/org/organisations/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.2fa.enrol", actor="supervisor1").count() == 1


def test_with_a_device_the_login_asks_for_the_code_and_a_wrong_code_counts_as_a_failure(
    sample_org, no_otp_throttle
):
    device = confirmed_totp_device("supervisor1")
    client = Client()
    assert page_login(client, "supervisor1", DEMO_PASSWORD)["Location"] == "/accounts/login/verify/"
    assert client.get("/")["Location"] == "/accounts/login/verify/"
    assert client.post("/accounts/login/verify/", {"otp": "123456"}).status_code == 200
    assert AuditEntry.objects.filter(action="auth.login.failed", actor="supervisor1").count() == 1
    assert not AuditEntry.objects.filter(action="auth.login", actor="supervisor1").exists()
    assert client.post("/accounts/login/verify/", {"otp": totp_code(device)})["Location"] == "/"
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="auth.login", actor="supervisor1").count() == 1


def test_a_session_opened_elsewhere_still_needs_the_second_factor(sample_org):
    client = Client()
    assert client.login(username="sysadmin1", password=DEMO_PASSWORD)
    assert client.get("/org/accounts/")["Location"] == "/accounts/two-factor/"


def test_any_role_may_turn_on_two_factor_login_and_scripts_then_send_otp(sample_org):
    client = sign_in(Client(), "clerk1")
    client.get("/accounts/two-factor/")
    device = security.pending_device(User.objects.get(username="clerk1"))
    client.post("/accounts/two-factor/", {"otp": totp_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert token_attempt("clerk1", DEMO_PASSWORD).status_code == 401
    device.last_t = -1
    device.save()
    assert token_attempt("clerk1", DEMO_PASSWORD, otp=totp_code(device)).status_code == 200


# --- Audit of logins and logouts, the idle timeout -------------------------------------------------


def test_logins_failures_and_logouts_are_in_the_audit_chain(sample_org):
    client = Client()
    page_login(client, "clerk1", "Wrong-guess-2026")
    assert page_login(client, "clerk1", DEMO_PASSWORD)["Location"] == "/"
    client.post("/accounts/logout/")
    audit.seal_all()  # the sealer's work after commit (deferred sealing on PostgreSQL)
    actions = list(
        AuditEntry.objects.filter(actor="clerk1").order_by("seq", "id").values_list("action", "success")
    )
    assert actions == [("auth.login.failed", False), ("auth.login", True), ("auth.logout", True)]
    assert audit.verify().ok


def age_session(client, seconds):
    session = client.session
    session[middleware.LAST_SEEN_KEY] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_is_logged_out_after_30_minutes(sample_org):
    client = sign_in(Client(), "clerk1")
    assert client.get("/").status_code == 200
    age_session(client, 29 * 60)
    assert client.get("/").status_code == 200
    age_session(client, 31 * 60)
    response = client.get("/org/organisations/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="auth.logout", actor="clerk1")
    assert entry.detail["reason"] == "idle"


def test_administrators_idle_out_after_10_minutes_and_the_limits_are_settings(sample_org, settings):
    client = sign_in(Client(), "auditor1")
    client.get("/")
    age_session(client, 11 * 60)
    assert client.get("/org/audit/").status_code == 302
    settings.ONEWINDOW_IDLE_MINUTES = 5
    clerk = sign_in(Client(), "clerk1")
    clerk.get("/")
    age_session(clerk, 6 * 60)
    assert clerk.get("/").status_code == 302
