"""The electronic case file in the browser: the window clerk attaches a scanned PDF at acceptance, the
department's approver opens it in the case page's viewer, another department's approver gets 404."""

from __future__ import annotations

import re

import pytest

from tests.cases.conftest import ACCEPTED_AT, PERSON, build_world

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(e2e_sample, settings, tmp_path):
    from onewindow.core import clock
    from onewindow.workdays import arithmetic

    settings.ONEWINDOW_FILES_DIR = tmp_path / "files"
    arithmetic.invalidate()
    clock.set_now(ACCEPTED_AT)
    yield build_world()
    clock.set_now(None)
    arithmetic.invalidate()


@pytest.fixture
def scan(tmp_path):
    """A one-page PDF as a scanner would write it."""
    from weasyprint import HTML

    path = tmp_path / "申请表扫描件.pdf"
    path.write_bytes(
        HTML(
            string="<h1 style='font-family: Noto Sans CJK SC'>建设工程施工许可申请表</h1><p>申请人：张三</p>"
        ).write_pdf()
    )
    return path


def test_the_clerk_attaches_a_scan_and_the_departments_approver_views_it(
    page, live_server, world, login, screenshot, browser, scan
):
    url = live_server.url
    login(page, "clerk1")
    page.goto(f"{url}/desk/accept/?subitem=XK09901001")
    page.wait_for_load_state("load")
    page.set_input_files("#scan-M01", str(scan))  # the scanner's file; ticks 申请表 as received
    assert page.is_checked("#m-M01")
    for code in ("M02", "M03"):
        page.check(f"#m-{code}")
    page.fill("#applicant_name", PERSON["name"])
    page.fill("#applicant_id_number", PERSON["id_number"])
    page.fill("#applicant_phone", PERSON["phone"])
    screenshot(page, "case-files-1-desk")
    page.click("#submit-acceptance")
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    number = page.locator("#case-number").inner_text()
    link = page.locator("tr[data-material=M01] a.scan-link")
    assert "申请表扫描件.pdf" in link.inner_text()
    file_url = link.get_attribute("href")
    page.context.clear_cookies()

    login(page, "construction-approver")
    page.goto(f"{url}/cases/{number}/")
    page.click("tr[data-material=M01] a.scan-link")
    frame = page.frame(name="file-viewer")
    page.wait_for_function(
        "() => document.getElementById('file-viewer').contentWindow.location.pathname !== 'blank'"
    )
    assert frame is not None
    page.wait_for_timeout(1500)  # the PDF viewer paints
    screenshot(page, "case-files-2-approver-viewer")
    answer = page.request.get(url + file_url)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.body() == scan.read_bytes()
    page.context.clear_cookies()

    other = browser.new_context(locale="en-US")
    intruder = other.new_page()
    login(intruder, "health-approver")
    assert intruder.request.get(url + file_url).status == 404
    assert intruder.goto(f"{url}/cases/{number}/").status == 404
    other.close()
