"""The statistics page in an English-language browser: Chinese, the two ECharts charts drawn from the
library served by our own static files (no CDN, no inline script: the CSP holds), a figure's link opens
the cases it counts; and the lobby screen. Screenshots: test-artifacts/statistics.png, lobby-screen.png."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from onewindow.core import clock
from onewindow.workdays import arithmetic

pytestmark = pytest.mark.e2e


@pytest.fixture
def history(transactional_db):
    """Cases of two departments over three months, committed for the live server."""
    from tests.cases.conftest import ACCEPTED_AT, at, build_world, drive

    arithmetic.invalidate()
    cache.clear()
    clock.set_now(ACCEPTED_AT)
    world = build_world()
    for moment, statuses in (
        (ACCEPTED_AT, ["issued", "issued", "accepted", "rejected"]),
        (at(2024, 10, 15, 10, 0), ["issued", "decided", "in_review"]),
        (at(2024, 11, 12, 10, 0), ["issued", "issued", "issued", "withdrawn"]),
    ):
        clock.set_now(moment)
        for status in statuses:
            drive(status)
        drive("accepted", subitem="XK09901003")
    clock.set_now(at(2024, 11, 29, 16, 0))
    yield world
    clock.set_now(None)
    arithmetic.invalidate()
    cache.clear()


def test_the_statistics_page_draws_its_charts_with_the_local_library(
    page, live_server, history, login, screenshot
):
    scripts, errors = [], []
    page.on("request", lambda request: scripts.append(request.url) if request.url.endswith(".js") else None)
    failed = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/stats/?from=2024-09-01&to=2024-11-30")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.locator("h1").inner_text() == "办件统计"
    page.wait_for_selector("#chart-months[data-rendered=true] canvas")
    page.wait_for_selector("#chart-departments[data-rendered=true] canvas")
    assert page.evaluate("typeof window.echarts") == "object"
    echarts = [url for url in scripts if "echarts" in url]
    assert echarts and all(url.startswith(live_server.url + "/static/") for url in echarts)
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    # no CSP violation, no script error (the browser's own favicon request is the one 404)
    assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors
    rows = page.locator("#stats-table tbody tr")
    assert rows.count() >= 2
    screenshot(page, "statistics")
    # The construction department's completed figure opens the cases it counts.
    cell = page.locator("#stats-table tbody tr", has_text="住房和城乡建设局").locator(
        "a[href*='figure=completed&']"
    )
    expected = int(cell.inner_text())
    cell.click()
    page.wait_for_url("**/cases/**")
    assert page.locator("text=统计：办结").count() >= 1
    assert page.locator("#cases tbody tr[data-number]").count() == expected
    screenshot(page, "statistics-drill-down")


def test_the_lobby_screen_reads_across_the_room(page, live_server, history, screenshot):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/lobby/")
    assert page.locator("#lobby-in-progress").inner_text() == "6"
    size = page.evaluate("parseFloat(getComputedStyle(document.getElementById('lobby-accepted')).fontSize)")
    assert size >= 100  # pixels: readable from across the hall
    screenshot(page, "lobby-screen")
