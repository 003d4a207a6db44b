"""One whole case through the browser: accepted at a comprehensive window (after a one-time supplement
notice), worked by the department that took the item over, suspended for an expert review, decided,
sealed, handed out at the unified issuing window, then looked up and verified by the applicant.
Screenshots of every desk go to test-artifacts/."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from onewindow.core import clock
from onewindow.workdays import arithmetic
from onewindow.workdays import services as workdays_services

pytestmark = pytest.mark.e2e

HALL_TZ = dt.timezone(dt.timedelta(hours=8))
SUBITEM = "XK00103001"  # 企业投资项目核准: sent to the development bureau by the work plan
APPLICANT = {"name": "鞍山示例科技有限公司", "phone": "13912345678"}


def _credit_code() -> str:
    from onewindow.core.validators import credit_code_check_char

    first17 = "91210300MA0QX1234"
    return first17 + credit_code_check_char(first17)


@pytest.fixture
def hall(e2e_sample):
    """The live database: sample catalogue, seals, calendar; XK00103001 handed over to the development
    bureau by a signed agreement; the clock on Friday 2024-09-27 10:00 (+08:00)."""
    from django.contrib.auth import get_user_model

    from onewindow.catalogue import sample as catalogue_sample
    from onewindow.handover import sample as seal_sample
    from onewindow.handover import services as handover
    from onewindow.staffing import sample as staffing_sample

    users = get_user_model().objects.select_related("staff__organisation")
    arithmetic.invalidate()
    clock.set_now(dt.datetime(2024, 9, 20, 10, 0, tzinfo=HALL_TZ))
    catalogue_sample.load()
    seal_sample.load()
    workdays_services.seed_from_package()
    staffing_sample.qualify_stationed_approvers()  # as load-sample does: the guard lets it be signed
    agreement = handover.draft_agreement(
        actor=users.get(username="supervisor1"),
        department="development",
        subitems=[SUBITEM],
        effective_at=dt.datetime(2024, 9, 23, 0, 0, tzinfo=HALL_TZ),
        rights_duties="乙方自生效之日起以自己的名义实施所列事项。",
        liaison="双方指定专人对接。",
    )
    handover.sign_agreement(actor=users.get(username="supervisor1"), agreement=agreement)
    handover.sign_agreement(actor=users.get(username="development-head"), agreement=agreement)
    clock.set_now(dt.datetime(2024, 9, 27, 10, 0, tzinfo=HALL_TZ))
    yield
    clock.set_now(None)
    arithmetic.invalidate()


def test_one_case_from_the_window_to_issuance(page, live_server, hall, login, screenshot, browser):
    url = live_server.url

    # --- the comprehensive window: search by pinyin initials, tick the materials -----------------
    login(page, "clerk1")
    page.click("text=综合受理台")
    page.wait_for_load_state("load")  # htmx (deferred) must be listening before we type
    page.fill("#q", "qytz")
    page.wait_for_selector(f"[data-subitem={SUBITEM}]")
    screenshot(page, "cases-1-search")
    page.click(f"[data-subitem={SUBITEM}]")
    page.wait_for_selector("#accept-form")
    for code in ("M01", "M02", "M03", "M04"):  # M05 (环评审批意见) is missing
        page.check(f"#m-{code}")
    page.check("input[name=applicant_kind][value=organisation]")
    page.fill("#applicant_name", APPLICANT["name"])
    page.fill("#applicant_id_number", _credit_code()[:-1] + "0")  # wrong check character
    page.fill("#applicant_phone", APPLICANT["phone"])
    page.click("#submit-acceptance")
    error = page.locator("#error-applicant_id_number")
    error.wait_for()
    assert "统一社会信用代码" in error.inner_text()
    screenshot(page, "cases-2-invalid-credit-code")
    page.fill("#applicant_id_number", _credit_code())
    page.click("#submit-acceptance")
    page.wait_for_url(re.compile(r".*/cases/\d+/$"))
    number = page.locator("#case-number").inner_text()
    assert page.locator("#case-status").inner_text() == "待补正"
    assert page.locator("[data-doc=supplement-notice]").is_visible()
    pdf = page.request.get(url + page.locator("[data-doc=supplement-notice]").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    screenshot(page, "cases-3-supplement-requested")

    # The applicant comes back with the missing material: the same case is accepted.
    page.check("#action-supplement input[value=M05]")
    page.click("#action-supplement button[type=submit]")
    page.wait_for_selector("[data-doc=receipt]")
    assert page.locator("#case-status").inner_text() == "已受理"
    assert (
        page.locator("#due-date").inner_text() == "2024-10-16"
    )  # 10 working days across National Day and its make-up days
    assert "经济发展局" in page.locator("#department").inner_text()
    receipt = page.request.get(url + page.locator("[data-doc=receipt]").get_attribute("href"))
    assert receipt.ok and receipt.headers["content-type"] == "application/pdf"
    screenshot(page, "cases-4-accepted")
    page.context.clear_cookies()

    # --- the back office of the development bureau ------------------------------------------------
    login(page, "development-approver")
    page.click("text=本部门待办")
    page.wait_for_selector(f"tr[data-number='{number}']")
    screenshot(page, "cases-5-queue")
    page.click(f"tr[data-number='{number}'] a")
    page.click("#action-claim button[type=submit]")
    page.wait_for_selector("#action-suspend")
    assert page.locator("#case-status").inner_text() == "审查中"
    page.select_option("#suspend-procedure", "expert_review")
    page.fill("#suspend-reason", "项目申请报告需组织专家评审")
    page.fill("#suspend-days", "5")
    page.fill("#suspend-participants", "王建华，李敏")
    page.click("#action-suspend button[type=submit]")
    page.wait_for_selector("[data-doc=suspension-notice]")
    assert "中止" in page.locator("#case-status").inner_text()
    screenshot(page, "cases-6-suspended")
    page.fill("#resume-outcome", "专家评审通过")
    page.click("#action-resume button[type=submit]")
    page.wait_for_selector("#action-decide")
    page.check("#action-decide input[value=grant]")
    page.fill("#decide-reason", "符合核准条件")
    # The particulars the guide asks for the approval letter (批复) of this sub-item.
    page.fill("#decide-p-project_name", "鞍山示例科技智能制造项目")
    page.fill("#decide-p-address", "鞍山市高新区千山中路88号")
    page.fill("#decide-p-scale", "总投资2亿元，新建厂房32000平方米")
    page.click("#action-decide button[type=submit]")
    page.wait_for_selector("#action-produce_result")
    page.click("#action-produce_result button[type=submit]")
    page.wait_for_selector("[data-doc=result]")
    assert page.locator("#case-status").inner_text() == "待出件"
    assert "鞍山高新区经济发展局" in page.locator("#result").inner_text()  # accepted after the handover
    certificate = page.request.get(url + page.locator("[data-doc=result]").get_attribute("href"))
    assert certificate.ok and certificate.body().startswith(b"%PDF")
    code = page.locator("#result code").inner_text()
    screenshot(page, "cases-7-result-ready")
    page.context.clear_cookies()

    # --- the unified issuing window ---------------------------------------------------------------
    login(page, "issuer1")
    page.click("text=统一出件台")
    row = page.locator(f"tr[data-number='{number}']")
    row.wait_for()
    screenshot(page, "cases-8-issuance-desk")
    row.locator("select[name=method]").select_option("pickup")
    row.locator("button[data-action=issue]").click()
    page.wait_for_selector(f"#issued tr[data-number='{number}']")
    slip = page.request.get(
        url + page.locator(f"#issued tr[data-number='{number}'] [data-doc=issue-slip]").get_attribute("href")
    )
    assert slip.ok and slip.body().startswith(b"%PDF")
    screenshot(page, "cases-9-issued")
    page.context.clear_cookies()

    # --- the applicant, on a phone: progress and verification -------------------------------------
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    mobile = phone.new_page()
    mobile.goto(f"{url}/public/progress/?number={number}")
    mobile.fill("#check", APPLICANT["phone"][-4:])
    mobile.click("button[type=submit]")
    mobile.wait_for_selector("#progress")
    assert "已出件" in mobile.locator("#progress").inner_text()
    assert APPLICANT["name"] not in mobile.content()
    screenshot(mobile, "cases-10-public-progress")
    mobile.goto(f"{url}/public/results/{code}/")
    assert mobile.locator("#verdict").get_attribute("data-verdict") == "genuine"
    screenshot(mobile, "cases-11-public-verify")
    phone.close()
