"""A month's assessment in the browser: the supervisor computes the drafts, enters the assessor's points,
reviews, confirms and files; the 督考办 sees only the filed result and acknowledges it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_run_from_draft_to_filed_and_acknowledged(e2e_sample, live_server, page, login, screenshot):
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/assessments/")
    page.fill("#run-period", "2024-10")
    page.click("#run-form button[type=submit]")
    page.wait_for_selector("#results")
    assert "考核期 2024-10 已计算" in page.content()
    screenshot(page, "assessment-1-drafts")
    page.click("#results a:has-text('王晓梅')")
    page.wait_for_selector("#scores")
    assert "受理办件量" in page.content() and "草稿" in page.inner_text("#result-status")
    for code, points in (("conduct", "14"), ("discipline", "9.5")):
        page.fill(f"#enter-{code} input[name=points]", points)
        page.click(f"#enter-{code} button[type=submit]")
        page.wait_for_selector("#scores")
    screenshot(page, "assessment-2-entered")
    for step, status in (("review", "已审核"), ("confirm", "已确认"), ("file", "已报送督考办")):
        page.click(f"#step-{step}")
        page.wait_for_selector("#result-status")
        assert status in page.inner_text("#result-status"), step
    assert page.locator("#enter-conduct").count() == 0  # nothing can be entered any more
    assert page.locator("#correct-form").count() == 1  # only a correction
    total = page.inner_text("#result-total")
    screenshot(page, "assessment-3-filed")

    page.context.clear_cookies()
    login(page, "assessor1")
    page.goto(f"{live_server.url}/assessments/")
    rows = page.locator("#results tbody tr")
    assert rows.count() == 1 and "王晓梅" in rows.first.inner_text() and total in rows.first.inner_text()
    rows.first.locator("a").click()
    page.click("#step-acknowledge")
    page.wait_for_selector("#result-facts")
    assert "督考办签收" in page.inner_text("#result-facts")
    screenshot(page, "assessment-4-acknowledged")
