"""In the browser: the supervisor drafts a handover agreement, both parties sign, the seals appear."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.e2e


@pytest.fixture
def handover_sample(e2e_sample):
    from onewindow.catalogue import sample as catalogue_sample
    from onewindow.handover import sample as handover_sample
    from onewindow.staffing import sample as staffing_sample

    handover_sample.load()
    catalogue_sample.load()
    staffing_sample.qualify_stationed_approvers()  # as load-sample does: the guard lets it be signed
    return e2e_sample


def test_supervisor_drafts_and_both_parties_sign(page, live_server, handover_sample, login, screenshot):
    login(page, "supervisor1")
    page.click("[data-role=supervisor] >> text=交接协议书")
    page.click("text=起草协议")
    page.select_option("select[name=department]", "construction")
    page.wait_for_selector("#picker input[name=subitems]")
    targeted = page.locator("#picker input[name=subitems]:checked").count()
    assert targeted > 0  # the sub-items the plan sends to the department are ticked
    effective = timezone.localtime(timezone.now() + dt.timedelta(days=1)).replace(microsecond=0)
    page.fill("#id_effective_at", effective.strftime("%Y-%m-%dT%H:%M:%S"))
    screenshot(page, "handover-draft-form")
    page.click("text=保存草稿")
    page.wait_for_selector("#agreement-status")
    assert page.locator("#agreement-status").inner_text() == "草稿"
    assert page.locator("#impact").is_visible()
    detail_url = page.url

    page.check("#sign-confirm")  # signing asks for a confirmation first
    page.click("#sign-button")
    page.wait_for_selector("[data-side=bureau] .signed")
    assert page.locator("#agreement-status").inner_text() == "草稿"

    page.context.clear_cookies()
    login(page, "construction-head")
    page.goto(detail_url)
    page.check("#sign-confirm")
    page.click("#sign-button")
    page.wait_for_selector("[data-side=department] .signed")
    # Effective tomorrow: signed by both, not yet in effect (one vocabulary on every page).
    assert page.locator("#agreement-status").inner_text() == "已签署待生效"
    assert page.locator(".signature-block img.seal").count() == 2
    assert page.locator("table tbody tr").count() == targeted
    shot = screenshot(page, "handover-agreement-signed")
    assert shot.stat().st_size > 20_000


def test_supervisor_sees_the_progress_dashboard_and_the_seal_registry(
    page, live_server, handover_sample, login, screenshot
):
    login(page, "supervisor1")
    page.click("text=交接进度")
    assert page.locator("#progress-table tbody tr").count() == 14
    assert page.locator("#total-progress").inner_text().strip() == "0 / 181"
    screenshot(page, "handover-progress")
    page.goto(f"{live_server.url}/seals/")
    assert page.locator("text=高新区行政审批专用章").is_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    row = page.locator("tr", has_text="高新区行政审批专用章")
    row.locator("input[name=reason]").fill("交接协议生效，旧章即行作废")
    row.locator("input[name=confirm]").check()  # voiding asks for a confirmation first
    row.locator("button").click()
    page.wait_for_selector("tr.void")
    assert page.locator("tr.void", has_text="高新区行政审批专用章").is_visible()
    screenshot(page, "handover-seals")
