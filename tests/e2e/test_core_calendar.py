"""The supervisor makes next year provisional, then loads the official schedule when it is published."""

import pytest

from onewindow.workdays import services as workdays_services
from onewindow.workdays.models import CalendarYear

pytestmark = pytest.mark.e2e


def test_supervisor_creates_a_provisional_year_then_loads_the_official_schedule(
    page, live_server, e2e_sample, login, screenshot, tmp_path
):
    workdays_services.seed_from_package()
    login(page, "supervisor1")
    page.locator("[data-role=supervisor]").get_by_role(
        "link", name="工作日历"
    ).click()  # the home's link (the bar has one too)
    page.fill("#id_year", "2027")
    page.get_by_role("button", name="建立暂定日历").click()
    page.wait_for_url(f"{live_server.url}/calendar/2027/")
    assert page.locator(".cal-status").inner_text() == "暂定"
    assert page.locator("td.cal-off").count() == 13
    screenshot(page, "calendar-2027-provisional")

    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2027-02-08,off\n2027-02-31,off\n", encoding="utf-8")
    page.goto(f"{live_server.url}/calendar/")
    page.set_input_files("#id_file", str(bad))
    page.get_by_role("button", name="导入", exact=True).click()
    assert "第 3 行" in page.locator("[role=alert]").inner_text()
    screenshot(page, "calendar-upload-refused")

    good = tmp_path / "2027.csv"
    good.write_text("date,kind,name\n2027-02-08,off,春节\n2027-02-20,work,春节调休上班\n", encoding="utf-8")
    page.set_input_files("#id_file", str(good))
    page.get_by_role("button", name="导入", exact=True).click()
    page.wait_for_url(f"{live_server.url}/calendar/2027/")
    assert page.locator(".cal-status").inner_text() == "正式"
    assert page.locator("td.cal-work").count() == 1
    screenshot(page, "calendar-2027-official")
    assert CalendarYear.objects.get(year=2027).status == "official"
