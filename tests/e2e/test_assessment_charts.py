"""Monthly scores over the year in the browser: the personal file, a result's page and the year view of a
department draw an ECharts line chart (the library the stats app serves from our own static files, the
figures from a json_script element: no CDN, no inline script); each canvas is checked to hold drawn
pixels. The assessment list with its filters as the supervisor, a window clerk, a department head and the
督考办. Screenshots: test-artifacts/assessment-chart-*.png, assessment-list-*.png."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from onewindow.core import clock
from onewindow.workdays import arithmetic

pytestmark = pytest.mark.e2e

# How many of a canvas's pixels are drawn (not fully transparent): an empty chart box has none.
DRAWN_PIXELS = """(selector) => {
  const canvas = document.querySelector(selector + ' canvas');
  if (!canvas) { return -1; }
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { drawn += 1; } }
  return drawn;
}"""


@pytest.fixture
def months(transactional_db):
    """Three months of cases at clerk1 and clerk2; the months computed; clerk1's and the construction
    department's results filed (the personal file shows filed results), committed for the live server."""
    from onewindow.assessment import services
    from onewindow.assessment.models import Result
    from tests.assessment.test_runs import make_case
    from tests.cases.conftest import ACCEPTED_AT, at, build_world, user

    arithmetic.invalidate()
    cache.clear()
    clock.set_now(ACCEPTED_AT)
    world = build_world()
    for month, cases in ((9, 2), (10, 4), (11, 6)):
        for n in range(cases):
            make_case(
                clock.set_now,
                clerk="clerk1" if n % 3 else "clerk2",
                accepted=at(2024, month, 10 + n, 9),
                decided=at(2024, month, 11 + n, 10),
                issued=at(2024, month, 12 + n, 9),
                rating=5 - n % 5,
            )
    clock.set_now(at(2024, 12, 3, 9))
    supervisor, office = user("supervisor1"), user("assessor1")
    for period in ("2024-09", "2024-10", "2024-11"):
        services.run(actor=supervisor, period=period)
    filed = Result.objects.filter(subject_staff__user__username="clerk1") | Result.objects.filter(
        subject_department__code="construction"
    )
    for result in filed:
        for score in result.scores.select_related("indicator").filter(indicator__kind="entered"):
            services.enter_score(
                actor=supervisor,
                result=result.pk,
                indicator=score.indicator.code,
                points=score.indicator.maximum - (result.pk % 3),
            )
        for step, actor in (("review", supervisor), ("confirm", supervisor), ("file", supervisor)):
            services.act(actor=actor, result=result.pk, action=step)
        services.act(actor=office, result=result.pk, action="acknowledge")
    yield world
    clock.set_now(None)
    arithmetic.invalidate()
    cache.clear()


def _watch(page) -> tuple[list, list, list]:
    scripts, errors, failed = [], [], []
    page.on("request", lambda request: scripts.append(request.url) if request.url.endswith(".js") else None)
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: failed.append(response.url) if response.status >= 400 else None)
    return scripts, errors, failed


def _chart_drawn(page, selector: str) -> None:
    page.wait_for_selector(f"{selector}[data-rendered=true] canvas")
    assert page.evaluate(DRAWN_PIXELS, selector) > 500, selector


def test_the_monthly_scores_are_drawn_on_the_file_the_result_and_the_year_view(
    page, live_server, months, login, screenshot
):
    scripts, errors, failed = _watch(page)
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/assessments/people/clerk1/")
    assert page.locator("h1").inner_text().startswith("个人档案")
    _chart_drawn(page, "#chart-2024")
    data = page.evaluate("JSON.parse(document.getElementById('chart-data-2024').textContent)")
    assert [x is not None for x in data["series"][0]["data"][8:11]] == [True, True, True]
    assert data["months"][0] == "1月"
    screenshot(page, "assessment-chart-personal-file")

    page.locator("#file a:has-text('详情')").first.click()
    page.wait_for_selector("#scores")
    _chart_drawn(page, "#subject-chart")
    screenshot(page, "assessment-chart-result")

    page.goto(f"{live_server.url}/assessments/year/?year=2024&subject_kind=department")
    _chart_drawn(page, "#year-chart")
    assert page.locator("#year-table tbody tr").count() == 14  # every receiving department, a line each
    screenshot(page, "assessment-chart-year-departments")

    echarts = [url for url in scripts if "echarts" in url]
    assert echarts and all(url.startswith(live_server.url + "/static/") for url in echarts)
    assert [url for url in failed if not url.endswith("/favicon.ico")] == []
    assert [e for e in errors if not e.startswith("Failed to load resource")] == [], errors

    # The department's view: its head sees its own line and its people's, no other department's.
    page.context.clear_cookies()
    login(page, "construction-head")
    page.goto(f"{live_server.url}/assessments/year/?year=2024&subject_kind=department")
    _chart_drawn(page, "#year-chart")
    rows = page.locator("#year-table tbody tr")
    assert rows.count() == 1 and "住房和城乡建设局" in rows.first.inner_text()
    screenshot(page, "assessment-chart-year-head")


@pytest.mark.parametrize("username", ["supervisor1", "clerk1", "construction-head", "assessor1"])
def test_the_assessment_list_and_its_filters_as_each_role(
    page, live_server, months, login, screenshot, username
):
    login(page, username)
    page.goto(f"{live_server.url}/assessments/?period=2024-10")
    form = page.locator("#assessment-filters")
    assert form.evaluate("f => getComputedStyle(f).display") == "flex"
    assert form.locator("select#status").is_visible() and form.locator("button[type=submit]").is_visible()
    assert (
        page.locator("html").get_attribute("lang") == "zh-Hans" and "考核" in page.locator("h1").inner_text()
    )
    screenshot(page, f"assessment-list-{username}")
