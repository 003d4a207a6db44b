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
    # The viewer frame loads the file (read through the browser's protocol, not the frame's own script:
    # a PDF frame is a plugin document that the page's script may not inspect).
    frame = page.frame(name="file-viewer")
    for _ in range(100):
        if frame is not None and frame.url.endswith(file_url):
            break
        page.wait_for_timeout(100)
        frame = page.frame(name="file-viewer")
    assert frame is not None and frame.url.endswith(file_url)
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

    # The department decides on the scans and the result goes out of the one issuing window.
    from onewindow.cases.models import Case
    from onewindow.catalogue.results import sample_particulars
    from tests.cases.conftest import act, ok
    from tests.conftest import ApiClient

    approver, issuer = ApiClient("construction-approver"), ApiClient("issuer1")
    guide = Case.objects.select_related("guide").get(number=number).guide
    case = ok(approver.get(f"/cases/{number}"))
    case = ok(act(approver, case, "claim"))
    particulars = sample_particulars(guide.result_fields, on=ACCEPTED_AT.date())
    case = ok(
        act(
            approver,
            case,
            "decide",
            decision="grant",
            reason="材料齐全，符合法定条件",
            particulars=particulars,
        )
    )
    case = ok(act(approver, case, "produce_result"))
    case = ok(act(issuer, case, "issue", method="pickup"))
    assert case["status"] == "issued"
    files = ok(issuer.get(f"/cases/{number}/files"))
    assert [f["name"] for f in files["results"]] == ["申请表扫描件.pdf"]  # the file travelled with the case
