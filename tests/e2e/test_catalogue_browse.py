"""Staff browse the catalogue in the browser; an applicant reads a public service guide without logging in."""

import csv

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.fixture
def e2e_catalogue(e2e_sample):
    from onewindow.catalogue import sample

    return sample.load()


def test_clerk_browses_the_catalogue_and_an_applicant_reads_the_public_guide(
    page, browser, live_server, e2e_catalogue, login, screenshot
):
    login(page, "clerk1")
    page.click("text=权力事项目录")
    page.wait_for_selector("#subitems")
    page.wait_for_load_state("load")  # htmx (deferred) must be listening before we type
    assert page.locator("#result-count").inner_text() == "共 181 个业务子项"
    # Typing pinyin initials filters the list in place (htmx).
    page.fill("#q", "qytzxm")
    # (a locator assertion, not wait_for_function: the page's CSP forbids the eval that one needs)
    expect(page.locator("#result-count")).not_to_contain_text("181")
    assert page.locator("#subitems tbody tr").count() >= 1
    page.select_option("#type", "licensing")
    page.wait_for_selector("#subitems a[href='/catalogue/XK00103001/']")
    screenshot(page, "catalogue-list")
    page.click("#subitems a[href='/catalogue/XK00103001/']")
    page.wait_for_selector("#guide-versions")
    assert "鞍山高新区数据局" in page.locator("#implementer").inner_text()
    assert page.locator("#assignments tbody tr").count() == 1
    screenshot(page, "catalogue-subitem")

    # The applicant: a fresh phone-sized browser, no login.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    public = phone.new_page()
    public.goto(f"{live_server.url}/guide/XK00103001/")
    assert "/accounts/login/" not in public.url
    assert public.locator("h1").inner_text() == "企业投资项目核准"
    assert public.locator("#guide-materials").is_visible()
    assert "项目申请报告" in public.locator("#guide-materials").inner_text()
    assert public.locator("text=办理地点").is_visible()
    shot = screenshot(public, "catalogue-public-guide-phone")
    assert shot.stat().st_size > 10_000
    phone.close()


def test_supervisor_uploads_a_bad_file_and_sees_the_row_errors(
    page, live_server, e2e_catalogue, login, screenshot, tmp_path
):
    from onewindow.catalogue import spreadsheet
    from onewindow.catalogue.models import SubItem

    rows = spreadsheet.export_rows()
    header = rows[0]
    rows[4][header.index("承诺时限（工作日）")] = "三十"
    path = tmp_path / "catalogue.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/catalogue/import/")
    page.set_input_files("#file", str(path))
    page.click("#import-form button[type=submit]")
    page.wait_for_selector("#import-job[data-status=failed]", timeout=30_000)
    errors = page.locator("#import-errors").inner_text()
    assert "5" in errors and "承诺时限（工作日）" in errors and "三十" in errors
    screenshot(page, "catalogue-import-errors")
    assert SubItem.objects.count() == 181


def test_supervisor_publishes_a_shorter_guide_and_sees_the_compression(
    page, live_server, e2e_catalogue, login, screenshot
):
    login(page, "supervisor1")
    page.goto(f"{live_server.url}/catalogue/XK00103001/")
    page.click("#draft-new-version")
    page.wait_for_url("**/catalogue/XK00103001/guide/2/")
    page.fill("#promised_days", "7")
    page.fill("input[name=m6-code]", "")
    page.fill("input[name=m6-name]", "")
    page.fill("#change_note", "压缩承诺时限，取消营业执照复印件")
    screenshot(page, "catalogue-guide-draft")
    page.click("button[name=publish]")
    page.wait_for_url("**/catalogue/XK00103001/")
    assert page.locator("#materials tbody tr").count() == 5
    assert "已发布" in page.locator("#guide-versions tbody tr").first.inner_text()
    page.goto(f"{live_server.url}/catalogue/changes/")
    assert "10 → 7" in page.locator("body").inner_text()
    screenshot(page, "catalogue-guide-changes")
