"""One vocabulary of agreement states on every page; a confirmation before signing or voiding; the
dashboard's seal advice says which seal the bureau's results carry now and why the special seal goes."""

import re

from django.test import Client

from onewindow.handover import services
from tests.conftest import sign_in
from tests.handover.conftest import at, user


def browser(username):
    client = Client()
    sign_in(client, username)
    return client


def sign_both(agreement):
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    return services.sign_agreement(actor=user("construction-head"), agreement=agreement)


def test_list_detail_and_dashboard_name_the_states_alike(catalogue, draft, frozen_clock):
    agreement = sign_both(draft())  # effective 2024-09-05 00:00, the clock on 09-03
    client = browser("supervisor1")
    listed = client.get("/handovers/").content.decode()
    detail = client.get(f"/handovers/{agreement.pk}/").content.decode()
    dashboard = client.get("/handovers/progress/").content.decode()
    assert 'data-state="signed_pending">已签署待生效<' in listed
    assert 'data-state="signed_pending">已签署待生效<' in detail
    assert re.search(r"<dt>已签署待生效</dt><dd>1</dd>", dashboard)
    assert "已签署<" not in listed and "已签署、" not in dashboard
    frozen_clock(at(2024, 9, 5, 9, 0))
    listed = client.get("/handovers/").content.decode()
    assert 'data-state="in_force">已生效<' in listed
    assert re.search(r"<dt>已生效</dt><dd>1</dd>", client.get("/handovers/progress/").content.decode())
    # The filter speaks the same states.
    assert agreement.number in client.get("/handovers/", {"status": "in_force"}).content.decode()
    assert agreement.number not in client.get("/handovers/", {"status": "signed_pending"}).content.decode()


def test_signing_and_voiding_ask_for_a_confirmation_without_inline_scripts(catalogue, draft):
    agreement = draft()
    client = browser("supervisor1")
    detail = client.get(f"/handovers/{agreement.pk}/").content.decode()
    form = re.search(r'<form[^>]*/sign/".*?</form>', detail, re.S).group(0)
    assert re.search(r'<input type="checkbox" name="confirm"[^>]*required', form)
    seals = client.get("/seals/").content.decode()
    assert "onsubmit" not in seals and "onchange" not in client.get("/handovers/").content.decode()
    assert re.search(r'<input type="checkbox" name="confirm"[^>]*required', seals)


def test_the_dashboard_says_which_seal_the_bureaus_results_carry_once_the_special_seal_goes(
    catalogue, draft, frozen_clock
):
    sign_both(draft())
    frozen_clock(at(2024, 9, 5, 9, 0))
    page = browser("supervisor1").get("/handovers/progress/").content.decode()
    advice = re.search(r'id="void-advice".*?</div>', page, re.S).group(0)
    assert "高新区行政审批专用章" in advice
    assert '<strong class="seal-name">鞍山高新区行政审批局</strong>' in advice
    assert "工作方案" in advice
