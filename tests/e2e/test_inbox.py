"""The inbox and the applicants' outbox in an English-language browser: Chinese pages, the header's badge,
filters, marking read per person, and the supervisor's outbox with masked phones. Screenshots go to
test-artifacts/ (inbox-*.png, outbox-*.png)."""

from __future__ import annotations

import pytest

from tests.e2e import test_role_homes
from tests.e2e.test_role_homes import assert_chinese

pytestmark = pytest.mark.e2e

desks = test_role_homes.desks  # the role homes' world: cases at every desk, a reminder to construction


def test_the_inbox_filters_marks_one_read_and_keeps_a_colleagues_copy_unread(
    page, live_server, desks, login, screenshot
):
    from onewindow.org import services
    from onewindow.org.models import Organisation
    from tests.cases.conftest import user

    services.notify(
        organisation=Organisation.objects.get(code="construction"),
        kind="catalogue.guide_published",
        title="建设工程施工许可（新办）办事指南发布第2版",
        link="/catalogue/XK09901001/",
    )
    services.notify(users=[user("construction-approver")], kind="cases.reminder", title="请核对材料清单")
    login(page, "construction-approver")
    assert page.locator("#unread-count").inner_text() == "3"
    page.click("#notifications-link")
    page.wait_for_selector("#notifications")
    assert page.locator("#notifications tbody tr.unread").count() == 3
    assert_chinese(page)
    screenshot(page, "inbox-approver")
    page.select_option("#id_kind", "cases.reminder")
    page.click("#notification-filters button[type=submit]")
    page.wait_for_selector("#notifications")
    rows = page.locator("#notifications tbody tr")
    assert rows.count() == 2 and "请于明日前办结" in page.locator("#notifications").inner_text()
    page.locator("#notifications tbody tr", has_text="请于明日前办结").locator("button.mark-read").click()
    page.wait_for_selector("#notifications")
    assert page.locator("#unread-count").inner_text() == "2"
    assert "kind=cases.reminder" in page.url
    screenshot(page, "inbox-approver-filtered")
    page.click("#mark-all-read")
    page.wait_for_selector("#notifications")
    assert page.locator("#unread-count").count() == 0
    # The head's copies are still unread.
    page.context.clear_cookies()
    login(page, "construction-head")
    assert page.locator("#unread-count").inner_text() == "2"


def test_the_supervisors_outbox_shows_masked_phones(page, live_server, desks, login, screenshot):
    login(page, "supervisor1")
    page.click(".mainnav a:has-text('申请人短信')")
    page.wait_for_selector("#outbox")
    text = page.locator("#outbox").inner_text()
    assert desks.ready.number in text and "138****5678" in text and "13812345678" not in text
    assert page.locator("#outbox tbody tr[data-status=sent]").count() >= 5
    assert_chinese(page)
    screenshot(page, "outbox-supervisor")
