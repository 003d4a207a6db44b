"""Each desk's home in an English-language browser: Chinese pages, today's counts matching the cases
made here, each count a link to the list it counts, and the role's navigation bar. Screenshots of every
home go to test-artifacts/ (role-home-*.png)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache

from onewindow.core import clock
from onewindow.workdays import arithmetic

pytestmark = pytest.mark.e2e

# Words that may stay Latin on a Chinese page: codes, file types and the calendar package's name.
ALLOWED_LATIN = {"Excel", "PDF", "csv", "xlsx", "chinesecalendar", "YYYY-MM-DD"}


@pytest.fixture
def desks(transactional_db):
    """The cases world of tests/cases (committed for the live server), with work at every desk."""
    from onewindow.supervision import services
    from tests.cases.conftest import ACCEPTED_AT, build_world, drive, user

    arithmetic.invalidate()
    cache.clear()
    clock.set_now(ACCEPTED_AT)
    world = build_world()
    world.accepted = drive("accepted")
    world.deferred = drive("accepted", deferred=True)
    world.waiting = drive("supplement_requested")
    world.review = drive("in_review")
    world.ready = drive("result_ready")
    services.remind(actor=user("supervisor1"), case=world.review.number, message="请于明日前办结")
    yield world
    clock.set_now(None)
    arithmetic.invalidate()
    cache.clear()


def tile(page, name: str) -> int:
    return int(page.locator(f"[data-count={name}] .tile-count").inner_text())


def assert_chinese(page):
    """The page answers in Chinese although the browser asks for English."""
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    text = page.locator("body").inner_text()
    latin = set(re.findall(r"[A-Za-z][A-Za-z\-]{2,}", text)) - ALLOWED_LATIN
    assert not latin, latin


def test_the_window_clerks_home(page, live_server, desks, login, screenshot):
    login(page, "clerk1")
    assert page.locator("h1").first.inner_text() == "工作台"
    assert_chinese(page)
    # clerk1 accepted four cases today (accepted, deferred, in review, result ready) in the fixture.
    assert tile(page, "accepted_today_mine") == 4
    assert tile(page, "supplement") == 1 and tile(page, "deferred_due") == 1
    screenshot(page, "role-home-window-clerk")
    page.click("[data-count=deferred_due]")
    page.wait_for_selector("#cases")
    assert page.locator("#cases tbody tr").count() == 1
    assert page.locator(f"tr[data-number='{desks.deferred.number}']").is_visible()
    assert_chinese(page)
    screenshot(page, "role-home-window-clerk-deferred")


def test_the_approvers_home(page, live_server, desks, login, screenshot):
    login(page, "construction-approver")
    assert_chinese(page)
    assert tile(page, "to_claim") == 2 and tile(page, "in_review") == 1
    assert tile(page, "unread_notifications") == 1
    assert page.locator("#unread-count").inner_text() == "1"  # the header's badge
    assert page.locator(".mainnav a", has_text="本部门待办").count() == 1
    screenshot(page, "role-home-approver")
    page.click("[data-count=to_claim]")
    page.wait_for_selector("#cases")
    assert page.locator("#cases tbody tr").count() == 2
    assert "个工作日" in page.locator("#cases tbody tr").first.inner_text()
    assert_chinese(page)
    screenshot(page, "role-home-approver-to-claim")


def test_the_department_heads_home(page, live_server, desks, login, screenshot):
    login(page, "construction-head")
    assert_chinese(page)
    assert tile(page, "to_claim") == 2 and tile(page, "in_review") == 1
    page.click("#notifications-link")
    page.wait_for_selector("#notifications")
    assert "请于明日前办结" in page.locator("#notifications").inner_text()
    assert_chinese(page)
    screenshot(page, "role-home-head-notifications")
    page.click("#mark-all-read")
    page.wait_for_selector("#notifications")
    assert page.locator("#unread-count").count() == 0
    page.goto(live_server.url + "/")
    assert tile(page, "unread_notifications") == 0
    screenshot(page, "role-home-head")


def test_the_issuing_clerks_home(page, live_server, desks, login, screenshot):
    login(page, "issuer1")
    assert_chinese(page)
    assert tile(page, "waiting") == 1 and tile(page, "issue_late") == 0
    screenshot(page, "role-home-issuing-clerk")
    page.click("[data-count=waiting]")
    page.wait_for_selector("#waiting")
    assert page.locator(f"#waiting tr[data-number='{desks.ready.number}']").is_visible()
    assert_chinese(page)


def test_the_supervisors_home(page, live_server, desks, login, screenshot):
    login(page, "supervisor1")
    assert_chinese(page)
    assert tile(page, "accepted_today") == 4 and tile(page, "completed_today") == 0
    nav = page.locator(".mainnav").inner_text()
    for label in ("办件", "工作日历", "交接进度", "印章"):
        assert label in nav, label
    screenshot(page, "role-home-supervisor")
    # Two weeks on, the construction cases are past their limit: counted per department, linked.
    clock.set_now(clock.now().replace(day=14, month=10))
    page.reload()
    assert tile(page, "overdue") >= 1
    row = page.locator(".by-department tr[data-department=construction]")
    assert row.is_visible()
    row.locator("a.level-overdue").click()
    page.wait_for_selector("#cases")
    assert page.locator("#cases tbody tr.row-overdue").count() >= 1
    assert_chinese(page)
    screenshot(page, "role-home-supervisor-overdue")
