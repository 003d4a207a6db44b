"""Defects a new user hit (issue 8): each refused with nothing recorded, and the case page offering exactly
the actions the transition table and the case's conditions allow now."""

from __future__ import annotations

import re

from django.test import Client

from onewindow.cases import services
from onewindow.cases.models import Case
from tests.cases.conftest import PERSON, ApiClient, act, drive, new_case, ok, user
from tests.conftest import sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def buttons(page: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', page))


def test_claiming_a_case_one_already_holds_is_409_and_records_nothing(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    again = act(clients.approver, case, "claim")
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    after = ok(clients.approver.get(f"/cases/{case['number']}"))
    assert after["version"] == case["version"]
    assert [e["action"] for e in after["events"]].count("claim") == 1
    public = ok(ApiClient().get(f"/public/cases/{case['number']}", {"check": PERSON["phone"][-4:]}))
    assert [s["step"] for s in public["steps"]].count("claim") == 1


def test_the_claim_button_is_gone_once_claimed(world):
    case = drive("in_review")
    page = signed_in("construction-approver").get(f"/cases/{case.number}/").content.decode()
    assert "claim" not in buttons(page)
    assert buttons(page) == {"suspend", "return", "decide"}


def test_an_empty_supplement_is_422_and_changes_nothing(clients):
    case = new_case(clients.clerk, materials=["M01"])
    refused = act(clients.clerk, case, "supplement", materials=[])
    assert refused.status_code == 422
    after = ok(clients.clerk.get(f"/cases/{case['number']}"))
    assert after["version"] == case["version"] and after["status"] == "supplement_requested"
    assert [e["action"] for e in after["events"]] == [e["action"] for e in case["events"]]


def test_an_empty_supplement_from_the_page_says_why_and_records_nothing(world):
    case = drive("accepted", deferred=True)
    events = case.events.count()
    response = signed_in("clerk1").post(
        f"/cases/{case.number}/actions/supplement/", {"version": case.version}
    )
    page = response.content.decode()
    assert "材料已登记" not in page
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.version == case.version and fresh.events.count() == events
    assert fresh.deferred_materials == ["M03"]


def test_no_special_procedure_form_when_the_sub_item_provides_for_none(world):
    """公共场所卫生许可 (XK09901003, health) lists no special procedure: no 启动特别程序 form, and the
    service refuses a suspension all the same."""
    case, _ = services.accept(
        actor=user("clerk1"), subitem="XK09901003", applicant=PERSON, materials=["M01", "M02", "M03"]
    )
    case = services.claim(actor=user("health-approver"), case=case, version=case.version)
    page = signed_in("health-approver").get(f"/cases/{case.number}/").content.decode()
    assert "suspend" not in buttons(page) and 'id="action-suspend"' not in page
    assert buttons(page) == {"return", "decide"}
    # With procedures provided for (the construction permit), the form is there.
    permit = drive("in_review")
    page = signed_in("construction-approver").get(f"/cases/{permit.number}/").content.decode()
    assert 'id="action-suspend"' in page
