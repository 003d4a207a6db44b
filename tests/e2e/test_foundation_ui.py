"""The supervisor logs in through the browser and sees the organisations in Chinese."""

import pytest

pytestmark = pytest.mark.e2e


def test_supervisor_logs_in_and_opens_the_organisation_list(page, live_server, e2e_sample, login, screenshot):
    login(page, "supervisor1")
    assert page.locator("[data-role=supervisor]").is_visible()
    page.click("text=组织机构")
    page.wait_for_selector("#organisations")
    rows = page.locator("#organisations tbody tr")
    assert rows.count() == 16
    assert page.locator("text=鞍山高新区行政审批局").first.is_visible()
    shot = screenshot(page, "foundation-organisations")
    assert shot.stat().st_size > 10_000


def test_wrong_password_shows_a_chinese_error(page, live_server, e2e_sample):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "supervisor1")
    page.fill("#id_password", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text().startswith("用户名或密码错误")


def test_admin_is_for_the_system_administrator_only(page, live_server, e2e_sample, login):
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
