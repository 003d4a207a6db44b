"""The case page: the clock and its breakdown, the events, authority and department, and the actions
the transition table gives the user — each posted with the version the page showed."""

from __future__ import annotations

import pytest
from django.test import Client

from onewindow.cases.models import Case, CaseStatus
from tests.cases.conftest import drive
from tests.conftest import sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def buttons(page: str) -> set[str]:
    import re

    return set(re.findall(r'data-action="([a-z_]+)"', page))


def post(client, case, action, **data):
    return client.post(f"/cases/{case.number}/actions/{action}/", {"version": case.version, **data})


def test_the_approver_sees_the_clock_its_breakdown_and_both_organisations(world):
    case = drive("accepted")
    page = signed_in("construction-approver").get(f"/cases/{case.number}/").content.decode()
    assert case.number in page
    assert 'id="due-date"' in page and case.due_date.isoformat() in page
    assert "为什么" in page  # "why is it due on that day"
    assert "鞍山高新区住房和城乡建设局" in page  # authority and working department
    assert 'id="timeline"' in page and 'data-event="accept"' in page


def test_buttons_come_from_the_transition_table_for_each_role(world):
    case = drive("accepted")
    assert buttons(signed_in("construction-approver").get(f"/cases/{case.number}/").content.decode()) == {
        "claim",
        "return",
    }
    assert buttons(signed_in("construction-head").get(f"/cases/{case.number}/").content.decode()) == {
        "extend"
    }
    assert buttons(signed_in("clerk1").get(f"/cases/{case.number}/").content.decode()) == {"withdraw"}
    assert buttons(signed_in("supervisor1").get(f"/cases/{case.number}/").content.decode()) == set()


def test_another_departments_approver_gets_404(world):
    case = drive("accepted")
    assert signed_in("health-approver").get(f"/cases/{case.number}/").status_code == 404
    assert post(signed_in("health-approver"), case, "claim").status_code == 404


def test_claim_decide_and_produce_the_result_from_the_page(world):
    case = drive("accepted")
    approver = signed_in("construction-approver")
    assert post(approver, case, "claim").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    assert post(approver, case, "decide", decision="grant", reason="符合法定条件").status_code == 302
    case.refresh_from_db()
    response = post(approver, case, "produce_result")
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_READY
    page = approver.get(f"/cases/{case.number}/").content.decode()
    assert 'data-doc="result"' in page and case.result.verification_code in page


def test_a_stale_version_changes_nothing_and_says_so_in_chinese(world):
    case = drive("accepted")
    approver = signed_in("construction-approver")
    stale_version = case.version
    assert post(approver, case, "claim").status_code == 302
    response = approver.post(
        f"/cases/{case.number}/actions/return/", {"version": stale_version, "reason": "缺少材料"}
    )
    assert response.status_code == 409
    assert "该办件已被他人更新，请刷新后重试" in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


def test_a_denial_without_reasons_shows_the_services_error_next_to_the_field(world):
    case = drive("in_review")
    response = post(signed_in("construction-approver"), case, "decide", decision="deny", reason="")
    assert response.status_code == 400
    assert 'id="action-error"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW


def test_suspend_with_a_procedure_of_the_sub_item_then_print_the_art_45_notice(world):
    case = drive("in_review")
    approver = signed_in("construction-approver")
    page = approver.get(f"/cases/{case.number}/").content.decode()
    assert 'value="expert_review"' in page and 'value="hearing"' not in page
    response = post(
        approver,
        case,
        "suspend",
        procedure="expert_review",
        reason="组织专家评审",
        planned_days="5",
        participants="王工，李工",
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    assert case.suspensions.get().participants == ["王工", "李工"]
    page = approver.get(f"/cases/{case.number}/").content.decode()
    assert f"/cases/{case.number}/documents/suspension-notice/1.pdf" in page
    assert buttons(page) == {"resume"}


def test_only_the_department_head_extends(world):
    case = drive("in_review")
    head = signed_in("construction-head")
    assert post(head, case, "extend", days="3", reason="情况复杂").status_code == 302
    case.refresh_from_db()
    assert case.extensions.get().days == 3
    too_many = post(head, case, "extend", days="20", reason="再延")
    assert too_many.status_code == 422
    assert post(signed_in("construction-approver"), case, "extend", days="1", reason="x").status_code == 403


def test_the_window_rejects_with_a_reason_and_prints_the_rejection_notice(world):
    case = drive("supplement_requested")
    clerk = signed_in("clerk1")
    assert post(clerk, case, "reject", reason="申请事项不属于本机关职权范围").status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.REJECTED
    assert 'data-doc="rejection-notice"' in clerk.get(f"/cases/{case.number}/").content.decode()


def test_the_window_completes_a_supplement_from_the_case_page(world):
    case = drive("supplement_requested")
    response = post(signed_in("clerk1"), case, "supplement", materials=["M02", "M03"])
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.ACCEPTED and case.due_date is not None


@pytest.mark.parametrize("username", ["auditor1", "sysadmin1", "assessor1"])
def test_people_without_a_case_role_cannot_open_a_case(world, username):
    case = drive("accepted")
    assert signed_in(username).get(f"/cases/{case.number}/").status_code == 403


def test_an_unknown_case_is_404(world):
    assert signed_in("supervisor1").get("/cases/210300202409279999/").status_code == 404
    assert Case.objects.count() == 0


def test_the_supervisor_urges_the_department_without_making_the_page_stale(world):
    case = drive("in_review")
    supervisor = signed_in("supervisor1")
    assert 'id="remind"' in supervisor.get(f"/cases/{case.number}/").content.decode()
    response = supervisor.post(f"/cases/{case.number}/remind/", {"message": "请抓紧办理"})
    assert response.status_code == 302
    assert case.reminders.get().message == "请抓紧办理"
    assert (
        'data-event="remind"'
        in signed_in("construction-approver").get(f"/cases/{case.number}/").content.decode()
    )
    assert post(signed_in("construction-approver"), case, "decide", decision="grant").status_code == 302
    assert (
        signed_in("construction-approver").post(f"/cases/{case.number}/remind/", {"message": "x"}).status_code
        == 403
    )


def test_the_buttons_are_exactly_the_actions_the_api_lets_through(world):
    """An approver who is also a window clerk sees the region's cases: on another department's case the
    page offers only the window's actions, and the API refuses the back office's (one check for both)."""
    from django.contrib.auth.models import Group

    from onewindow.cases import transitions as t
    from tests.cases.conftest import user
    from tests.conftest import ApiClient

    user("construction-approver").groups.add(Group.objects.get(name="window_clerk"))
    theirs = drive("accepted", subitem="XK09901003")  # health's
    mine = drive("accepted")
    client, api = signed_in("construction-approver"), ApiClient("construction-approver")
    for case, shown in ((theirs, {"withdraw"}), (mine, {"withdraw", "claim", "return"})):
        assert buttons(client.get(f"/cases/{case.number}/").content.decode()) == shown
        for action in set(t.allowed_actions(case.status, {"approver", "window_clerk"})) - shown:
            response = api.post(f"/cases/{case.number}/actions", {"action": action, "version": case.version})
            assert response.status_code in (403, 409), (action, response.content)
