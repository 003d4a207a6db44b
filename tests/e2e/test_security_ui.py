"""The auditor's first login in a browser: password, the forced set-up of the second factor (QR code and
secret), then the audit log with its filters."""

import base64

import pytest

from tests.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def code_for(secret: str) -> str:
    """What the person's authenticator app shows for the secret on the page."""
    import time

    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_the_auditor_sets_up_two_factor_login_and_reads_the_audit_log(
    page, live_server, e2e_sample, screenshot
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "auditor1")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/two-factor/")
    assert page.locator("#two-factor svg").count() == 1
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
    screenshot(page, "security-two-factor-setup")
    page.fill("#id_otp", code_for(page.locator("#totp-secret").inner_text()))
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("text=审计日志")
    page.wait_for_selector("#audit")
    page.fill("#id_action", "auth.*")
    page.click("#audit-filters button.primary")
    page.wait_for_selector("#audit")
    actions = page.locator("#audit tbody tr td:nth-child(6)").all_inner_texts()
    assert "auth.login" in actions and "auth.2fa.enrol" in actions
    assert all(a.startswith("auth.") for a in actions)
