"""The supervisor's board in a browser: counts per department, a drill-down to the cases a number counts,
sorting, one click (confirmed) to remind a department of all its late cases; the department head then
acknowledges the reminder on its own page. Screenshots in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from onewindow.core import clock
from onewindow.workdays import arithmetic

ALLOWED_LATIN = {"PDF", "YYYY-MM-DD"}


@pytest.fixture
def late_hall(transactional_db):
    """The cases world (committed for the live server) on 14 Oct 2024: construction has three overdue
    cases, health one near its limit (due 16 Oct)."""
    from tests.cases.conftest import ACCEPTED_AT, at, build_world, drive

    arithmetic.invalidate()
    cache.clear()
    clock.set_now(ACCEPTED_AT)
    world = build_world()
    world.late = [drive("in_review"), drive("accepted"), drive("accepted")]
    world.in_time = drive("accepted", subitem="XK09901003")
    clock.set_now(at(2024, 10, 14, 9, 0))
    yield world
    clock.set_now(None)
    arithmetic.invalidate()
    cache.clear()


def assert_chinese(page):
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    latin = set(re.findall(r"[A-Za-z][A-Za-z\-]{2,}", page.locator("body").inner_text())) - ALLOWED_LATIN
    assert not latin, latin


def count(page, department: str, name: str) -> int:
    return int(page.locator(f"tr[data-department={department}] [data-count={name}]").inner_text())


def test_the_supervisor_reads_the_board_drills_down_and_reminds_a_department(
    page, browser, live_server, late_hall, login, screenshot
):
    login(page, "supervisor1")
    page.click(".mainnav a:has-text('督办看板')")
    page.wait_for_selector("#board")
    assert_chinese(page)
    assert count(page, "construction", "overdue") == 3 and count(page, "construction", "warning") == 0
    assert count(page, "health", "warning") == 1 and count(page, "health", "overdue") == 0
    # Sorted by overdue, most first: construction leads.
    assert page.locator("#board tbody tr").first.get_attribute("data-department") == "construction"
    screenshot(page, "supervision-board")
    # Drill down: the overdue number lists exactly those cases.
    page.click("tr[data-department=construction] [data-count=overdue]")
    page.wait_for_selector("#cases")
    listed = {page.locator("#cases tbody tr").nth(i).get_attribute("data-number") for i in range(3)}
    assert page.locator("#cases tbody tr").count() == 3
    assert listed == {c.number for c in late_hall.late}
    page.go_back()
    # Sort by the warning count: health first.
    page.click("#board thead a[data-sort=warning]")
    page.wait_for_selector("#board")
    assert page.locator("#board tbody tr").first.get_attribute("data-department") == "health"
    # One click, confirmed, reminds construction of its three late cases.
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("tr[data-department=construction] form.remind-department button")
    page.wait_for_selector("#board")
    assert count(page, "construction", "unacknowledged") == 1
    assert "3" in page.locator("body").inner_text()
    assert_chinese(page)
    screenshot(page, "supervision-board-reminded")

    # The department head acknowledges it with what will be done and by when.
    head = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 860}).new_page()
    login(head, "construction-head")
    head.click(".mainnav a:has-text('催办签收')")
    head.wait_for_selector("#reminders")
    assert_chinese(head)
    head.fill("#reminders textarea[name=reply]", "已安排专人加班办理，三件均于10月16日前办结。")
    head.fill("#reminders input[name=promised_by]", "2024-10-16")
    head.click("#reminders form.ack-form button")
    head.wait_for_selector("#reminders")
    assert "已安排专人加班办理" in head.locator("#reminders").inner_text()
    assert_chinese(head)
    screenshot(head, "supervision-reminder-acknowledged")
    page.reload()
    assert count(page, "construction", "unacknowledged") == 0
