"""The state machine is one table; every (status, action, role) is walked through the API against it."""

from __future__ import annotations

from onewindow.cases import services
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, CaseEvent, CaseStatus
from onewindow.org import roles as r
from tests.cases.conftest import drive, user
from tests.conftest import ApiClient

# One demo user per role; the approver and the head belong to the department that works the cases.
USERS = {
    r.WINDOW_CLERK: "clerk1",
    r.ISSUING_CLERK: "issuer1",
    r.APPROVER: "construction-approver",
    r.DEPARTMENT_HEAD: "construction-head",
    r.SUPERVISOR: "supervisor1",
    r.ASSESSMENT_OFFICE: "assessor1",
    r.SYSADMIN: "sysadmin1",
    r.SECADMIN: "secadmin1",
    r.AUDITOR: "auditor1",
}
# Roles that do not see cases at all: every action is 404 for them (scope comes first).
OUT_OF_SCOPE = {r.ASSESSMENT_OFFICE, r.SYSADMIN, r.SECADMIN, r.AUDITOR}

PARAMS = {
    t.SUPPLEMENT: {"materials": ["M03"]},
    t.REJECT: {"reason": "不属于本机关职权范围"},
    t.WITHDRAW: {"reason": "申请人撤回"},
    t.CLAIM: {},
    t.SUSPEND: {"procedure": "expert_review", "reason": "组织专家评审", "planned_days": 5},
    t.RESUME: {"outcome": "专家评审通过"},
    t.EXTEND: {"days": 3, "reason": "情况复杂"},
    t.RETURN: {"reason": "申请表签字缺失"},
    t.DECIDE: {"decision": "grant", "reason": "符合条件"},
    t.PRODUCE_RESULT: {},
    t.ISSUE: {"method": "pickup"},
}


def second_approver():
    """Another approver of the construction department (created once per test)."""
    from django.contrib.auth import get_user_model

    from onewindow.org import services as org_services

    if not get_user_model().objects.filter(username="construction-approver-2").exists():
        org_services.create_user(
            actor=None,
            username="construction-approver-2",
            role=r.APPROVER,
            password="x-Very-long-password-1",
            department="construction",
            full_name="住建局审批员二",
        )
    return user("construction-approver-2")


def expected_status(status: str, action: str, role: str) -> int:
    """What CONTRACT.md's refusal order gives: 404 scope, 403 role, 409 state, 403 role-in-state."""
    if role in OUT_OF_SCOPE:
        return 404
    if role not in t.ACTION_ROLES[action]:
        return 403
    transition = t.TABLE.get((status, action))
    if transition is None:
        return 409
    if role not in transition.roles:
        return 403
    return 200


def test_every_status_and_action_appears_in_the_table_reasoning():
    assert {s for s, _a in t.TABLE} <= set(CaseStatus.values)
    assert set(t.ACTIONS) == {a for _s, a in t.TABLE}
    # Final statuses accept no action at all.
    for final in (CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.ISSUED):
        assert not [a for (s, a) in t.TABLE if s == final]


def test_every_status_action_and_role_is_refused_or_allowed_exactly_as_the_table_says(clients):
    tokens = {role: ApiClient(username) for role, username in USERS.items()}
    refused_cases = {}
    walked = allowed = 0
    for status in CaseStatus.values:
        for action in t.ACTIONS:
            for role in r.ROLES:
                want = expected_status(status, action, role)
                if want == 200:
                    # A success changes the case: use a fresh one (with deferred materials to top up).
                    case = drive(status, deferred=action == t.SUPPLEMENT)
                    if action == t.CLAIM and case.claimed_by_id is not None:
                        # A claim in review takes the case over from another approver of the department
                        # (claiming a case one already holds is 409: tests/cases/test_desk_defects.py).
                        case = services.claim(actor=second_approver(), case=case, version=case.version)
                else:
                    case = refused_cases.get(status) or refused_cases.setdefault(status, drive(status))
                events_before = CaseEvent.objects.filter(case=case).count()
                response = tokens[role].post(
                    f"/cases/{case.number}/actions",
                    {"action": action, "version": case.version, **PARAMS[action]},
                )
                assert response.status_code == want, (status, action, role, response.content)
                after = Case.objects.get(pk=case.pk)
                if want == 200:
                    allowed += 1
                    assert after.status in t.TABLE[(status, action)].to
                    assert after.version == case.version + 1
                    assert response.json()["status"] == after.status
                else:
                    assert response["Content-Type"] == "application/problem+json"
                    assert (after.status, after.version) == (case.status, case.version)
                    assert CaseEvent.objects.filter(case=case).count() == events_before
                walked += 1
    assert walked == len(CaseStatus.values) * len(t.ACTIONS) * len(r.ROLES)
    assert allowed == sum(len(tr.roles) for tr in t.TABLE.values())


def test_an_approver_or_head_of_another_department_does_not_even_see_the_case(clients):
    case = drive("in_review")
    other_head = ApiClient("health-head")
    for action in t.ACTIONS:
        for client in (clients.other_approver, other_head):
            response = client.post(
                f"/cases/{case.number}/actions", {"action": action, "version": case.version, **PARAMS[action]}
            )
            assert response.status_code == 404, (action, response.content)
    assert clients.other_approver.get(f"/cases/{case.number}").status_code == 404


def test_an_unknown_action_is_400_and_an_unknown_case_404(clients):
    case = drive("accepted")
    response = clients.approver.post(f"/cases/{case.number}/actions", {"action": "approve", "version": 1})
    assert response.status_code == 400
    assert "action" in response.json()["errors"]
    response = clients.approver.post("/cases/210300202409279999/actions", {"action": "approve", "version": 1})
    assert response.status_code == 404


def test_without_a_token_every_action_is_401(clients):
    case = drive("accepted")
    response = clients.anonymous.post(f"/cases/{case.number}/actions", {"action": "claim", "version": 1})
    assert response.status_code == 401


def test_allowed_actions_lists_what_the_buttons_offer():
    assert t.allowed_actions(CaseStatus.IN_REVIEW, {r.APPROVER}) == [t.CLAIM, t.SUSPEND, t.RETURN, t.DECIDE]
    assert t.allowed_actions(CaseStatus.RESULT_READY, {r.ISSUING_CLERK}) == [t.ISSUE]
    assert t.allowed_actions(CaseStatus.ISSUED, set(r.ROLES)) == []
