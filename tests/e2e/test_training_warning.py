"""In the browser: the acceptance desk warns a clerk who was not trained on the sub-item (softly: the
acceptance still goes through), and the warning is gone once the department records the training."""

import datetime as dt

import pytest

pytestmark = pytest.mark.e2e

SUBITEM = "XK00103001"  # 企业投资项目核准, implemented by the Approval Bureau in the plain sample


@pytest.fixture
def desk(e2e_sample):
    from onewindow.catalogue import sample as catalogue_sample
    from onewindow.handover import sample as handover_sample
    from onewindow.staffing import sample as staffing_sample

    handover_sample.load()
    catalogue_sample.load()
    staffing_sample.qualify_stationed_approvers()
    return e2e_sample


def test_the_clerk_sees_the_untrained_warning_at_the_desk(page, live_server, desk, login, screenshot):
    from django.contrib.auth import get_user_model

    from onewindow.catalogue.models import SubItem
    from onewindow.core import clock
    from onewindow.org.models import Organisation
    from onewindow.staffing import services

    login(page, "clerk1")
    page.goto(f"{live_server.url}/desk/accept/?subitem={SUBITEM}")
    warning = page.locator("#training-warning")
    warning.wait_for()
    assert "您尚未接受" in warning.inner_text() and SUBITEM in warning.inner_text()
    assert page.locator("#submit-acceptance").is_enabled()  # soft: the clerk may still accept
    path = screenshot(page, "staffing-desk-untrained-warning")
    assert path.exists() and path.stat().st_size > 10_000

    users = get_user_model().objects.select_related("staff")
    services.record_training(
        actor=users.get(username="supervisor1"),
        department=Organisation.objects.get(code="data-bureau"),
        day=clock.today() - dt.timedelta(days=1),
        trainer="数据局审批员",
        subitems=[SubItem.objects.get(code=SUBITEM).code],
        attendees=[users.get(username="clerk1").staff],
    )
    page.reload()
    page.wait_for_selector("#accept-form")
    assert page.locator("#training-warning").count() == 0
    screenshot(page, "staffing-desk-trained")
