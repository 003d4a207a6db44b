"""Issue 13 leftovers: /auth/token honours the two-factor obligation, and the per-address login limit counts
the client address the proxy names (core.throttle.client_ip) on the login page and the token endpoint."""

from __future__ import annotations

from django.test import Client

from onewindow.core.models import AuditEntry
from onewindow.org.models import ApiToken, LoginAttempt
from tests.conftest import DEMO_PASSWORD, ApiClient, confirmed_totp_device, totp_code


def token_attempt(username, password=DEMO_PASSWORD, *, client=None, **extra):
    return (client or ApiClient()).post("/auth/token", {"username": username, "password": password, **extra})


def test_a_role_that_needs_two_factors_gets_no_token_before_enrolling(sample_org):
    response = token_attempt("supervisor1")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "auth.2fa_enrolment_required" and "两步" in body["detail"]
    assert not ApiToken.objects.filter(user__username="supervisor1").exists()
    entry = AuditEntry.objects.filter(action="auth.token.denied", actor="supervisor1").latest("seq")
    assert not entry.success and entry.detail["reason"] == "two_factor_enrolment_required"
    # A wrong password is still 401 (the enrolment is not revealed to a guesser).
    assert token_attempt("supervisor1", "Wrong-guess-2026").status_code == 401
    for admin in ("sysadmin1", "secadmin1", "auditor1"):
        assert token_attempt(admin).json()["code"] == "auth.2fa_enrolment_required"


def test_once_enrolled_the_token_needs_the_current_code(sample_org, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = confirmed_totp_device("supervisor1")
    missing = token_attempt("supervisor1")
    assert missing.status_code == 401 and missing.json()["code"] == "auth.otp_required"
    assert token_attempt("supervisor1", otp="000000").status_code == 401
    device.refresh_from_db()
    device.last_t = -1
    device.save()
    answer = token_attempt("supervisor1", otp=totp_code(device))
    assert answer.status_code == 200 and answer.json()["token"]


def test_a_role_without_the_obligation_still_gets_a_token_with_the_password_alone(sample_org, settings):
    assert token_attempt("clerk1").status_code == 200
    settings.ONEWINDOW_REQUIRE_2FA_ROLES = []
    assert token_attempt("supervisor1").status_code == 200


def test_behind_the_proxy_the_token_endpoint_counts_the_forwarded_address(sample_org, settings):
    settings.ONEWINDOW_BEHIND_PROXY = True
    settings.ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES = 3
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.2"}
    colleague = {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "REMOTE_ADDR": "10.0.0.2"}  # the same proxy
    client = Client()

    def attempt(meta, password):
        return client.post(
            "/api/v1/auth/token",
            {"username": "clerk2", "password": password},
            content_type="application/json",
            **meta,
        )

    for _ in range(3):
        assert attempt(attacker, "Wrong-guess-2026").status_code == 401
    assert attempt(attacker, DEMO_PASSWORD).status_code == 429
    assert attempt(colleague, DEMO_PASSWORD).status_code == 200  # not everyone behind the proxy
    assert set(LoginAttempt.objects.values_list("address", flat=True)) == {"198.51.100.7", "203.0.113.9"}


def test_behind_the_proxy_the_login_page_counts_the_forwarded_address(sample_org, settings):
    settings.ONEWINDOW_BEHIND_PROXY = True
    settings.ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES = 3
    client = Client()
    attacker = {"HTTP_X_FORWARDED_FOR": "198.51.100.7", "REMOTE_ADDR": "10.0.0.2", "secure": True}
    for n in range(3):
        client.post("/accounts/login/", {"username": f"guess{n}", "password": "Wrong-guess-2026"}, **attacker)
    refused = client.post("/accounts/login/", {"username": "clerk1", "password": DEMO_PASSWORD}, **attacker)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(address="198.51.100.7", outcome="limited").exists()
    other = Client()
    answer = other.post(
        "/accounts/login/",
        {"username": "clerk1", "password": DEMO_PASSWORD},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
        REMOTE_ADDR="10.0.0.2",
        secure=True,
    )
    assert answer.status_code == 302 and "_auth_user_id" in other.session


def test_without_the_proxy_setting_a_forged_forwarded_header_is_ignored(sample_org, settings):
    settings.ONEWINDOW_BEHIND_PROXY = False
    ApiClient().client.post(
        "/api/v1/auth/token",
        {"username": "clerk1", "password": "Wrong-guess-2026"},
        content_type="application/json",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert list(LoginAttempt.objects.values_list("address", flat=True)) == ["127.0.0.1"]
