"""The back office: queues per department, claim, return, decide with reasons, stale versions, reminders."""

from __future__ import annotations

from onewindow.cases.models import Case, CaseEvent
from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification
from onewindow.supervision.models import Reminder
from tests.cases.conftest import act, new_case, ok
from tests.conftest import ApiClient


def numbers(response) -> set[str]:
    return {c["number"] for c in ok(response)["results"]}


def test_approvers_see_only_their_departments_queue_and_hall_clerks_see_the_region(clients):
    construction = new_case(clients.clerk)
    health = new_case(clients.clerk, subitem="XK09901003")
    assert numbers(clients.approver.get("/cases")) == {construction["number"]}
    assert numbers(clients.head.get("/cases")) == {construction["number"]}
    assert numbers(clients.other_approver.get("/cases")) == {health["number"]}
    everything = {construction["number"], health["number"]}
    assert numbers(clients.clerk2.get("/cases")) == everything
    assert numbers(clients.issuer.get("/cases")) == everything
    assert numbers(clients.supervisor.get("/cases")) == everything
    assert ok(clients.auditor.get("/cases"))["count"] == 0
    assert clients.other_approver.get(f"/cases/{construction['number']}").status_code == 404
    assert clients.auditor.get(f"/cases/{construction['number']}").status_code == 404


def test_the_list_is_paginated_and_filtered_by_status_and_department(clients):
    accepted = new_case(clients.clerk)
    waiting = new_case(clients.clerk, materials=["M01"])
    health = new_case(clients.clerk, subitem="XK09901003")
    body = ok(clients.supervisor.get("/cases", {"page_size": 2}))
    assert set(body) >= {"count", "next", "previous", "results"} and body["count"] == 3
    assert len(body["results"]) == 2 and body["next"].startswith("http")
    assert numbers(clients.supervisor.get("/cases", {"status": "supplement_requested"})) == {
        waiting["number"]
    }
    assert numbers(clients.supervisor.get("/cases", {"department": "health"})) == {health["number"]}
    assert accepted["number"] in numbers(clients.supervisor.get("/cases", {"department": "construction"}))
    assert clients.supervisor.get("/cases", {"status": "bogus"}).status_code == 400
    assert clients.supervisor.get("/cases", {"level": "bogus"}).status_code == 400


def test_claim_records_the_approver_and_another_approver_may_take_over(clients, world):
    from onewindow.org.services import create_user

    create_user(
        actor=None,
        username="construction-approver2",
        role="approver",
        password="Demo-pass-2026!",
        department="construction",
    )
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    assert case["status"] == "in_review" and case["claimed_by"] == "construction-approver"
    other = ApiClient("construction-approver2")
    case = ok(act(other, case, "claim"))
    assert case["claimed_by"] == "construction-approver2"


def test_a_stale_version_is_409_and_changes_nothing(clients):
    case = new_case(clients.clerk)
    claimed = ok(act(clients.approver, case, "claim"))
    events = CaseEvent.objects.filter(case__number=case["number"]).count()
    audits = AuditEntry.objects.count()
    stale = act(clients.approver, case, "decide", decision="grant", reason="符合")  # version 1, now 2
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json"
    assert stale.json()["code"] == "case.stale_version"
    after = ok(clients.approver.get(f"/cases/{case['number']}"))
    assert (after["status"], after["version"]) == ("in_review", claimed["version"])
    assert CaseEvent.objects.filter(case__number=case["number"]).count() == events
    # No entry of a change; the refusal itself is audited, once, after the rollback (org.refusals).
    assert AuditEntry.objects.exclude(action__startswith="refused.").count() == audits
    assert AuditEntry.objects.filter(action="refused.case.stale_version", success=False).count() == 1


def test_every_change_bumps_the_version_by_one_and_writes_an_event_and_an_audit_entry(clients):
    case = new_case(clients.clerk)
    for client, action, params in [
        (clients.approver, "claim", {}),
        (clients.head, "extend", {"days": 2, "reason": "复杂"}),
        (clients.approver, "decide", {"decision": "grant", "reason": "符合"}),
        (clients.approver, "produce_result", {}),
        (clients.issuer, "issue", {"method": "mail", "recipient": "张三（鞍山市铁东区…）"}),
    ]:
        before = case["version"]
        case = ok(act(client, case, action, **params))
        assert case["version"] == before + 1
        assert case["events"][-1]["action"] == action
        assert AuditEntry.objects.filter(action=f"cases.{action}", object_id=case["number"]).count() == 1
    event = case["events"][-1]
    assert (event["actor"], event["role"], event["organisation"]) == (
        "issuer1",
        "issuing_clerk",
        "data-bureau",
    )
    assert case["issue_method"] == "mail"


def test_return_sends_the_case_back_to_the_window_and_a_new_acceptance_restarts_the_count(
    clients, frozen_clock
):
    from tests.cases.conftest import at

    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    case = ok(act(clients.approver, case, "return", reason="申请表缺少法定代表人签字"))
    assert case["status"] == "supplement_requested"
    assert case["supplement_note"] == "申请表缺少法定代表人签字"
    assert case["accepted_at"] is None and case["claimed_by"] is None
    assert case["authority"]["code"] == "construction"  # pinned at the first acceptance
    frozen_clock(at(2024, 10, 8, 9, 0))
    case = ok(act(clients.clerk, case, "supplement", materials=[]))
    assert case["status"] == "accepted"
    assert case["accepted_at"] == "2024-10-08T09:00:00+08:00"
    assert case["due_date"] == "2024-10-14"  # 5 working days after 10-08 (10-12 is a worked Saturday)


def test_a_return_needs_a_reason(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    assert act(clients.approver, case, "return").status_code == 400


def test_a_denial_states_its_reasons_and_the_applicants_remedies(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    response = act(clients.approver, case, "decide", decision="deny")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    case = ok(
        act(clients.approver, case, "decide", decision="deny", reason="不符合《建筑法》第八条规定的条件")
    )
    assert case["decision"] == "deny"
    assert case["decision_reason"] == "不符合《建筑法》第八条规定的条件"
    event = CaseEvent.objects.get(case__number=case["number"], action="decide")
    assert "行政复议" in event.data["remedies"] and "行政诉讼" in event.data["remedies"]
    case = ok(act(clients.approver, case, "produce_result"))
    content = Case.objects.get(number=case["number"]).result.content
    assert content["title"] == "不予行政许可决定书"
    assert "行政复议" in content["remedies"] and content["reason"] == "不符合《建筑法》第八条规定的条件"


def test_an_unknown_decision_is_400(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    assert act(clients.approver, case, "decide", decision="maybe", reason="x").status_code == 400


def test_withdrawal_during_a_special_procedure_ends_it(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    case = ok(act(clients.approver, case, "suspend", procedure="field_inspection", reason="现场核查"))
    case = ok(act(clients.clerk, case, "withdraw", reason="申请人撤回"))
    assert case["status"] == "withdrawn"
    assert case["suspensions"][0]["ended_on"] == "2024-09-27"


def test_the_supervisor_sends_reminders_that_do_not_make_the_approver_stale(clients):
    case = new_case(clients.clerk)
    response = clients.supervisor.post(f"/cases/{case['number']}/reminders", {"message": "请加快办理"})
    assert response.status_code == 201
    body = response.json()
    assert body["message"] == "请加快办理" and body["department"]["code"] == "construction"
    assert ok(act(clients.approver, case, "claim"))["version"] == case["version"] + 1
    assert Reminder.objects.get().by.username == "supervisor1"
    notice = Notification.objects.get(kind="cases.reminder")
    assert notice.recipient.code == "construction" and notice.body == "请加快办理"
    events = ok(clients.approver.get(f"/cases/{case['number']}"))["events"]
    assert "remind" in [e["action"] for e in events]


def test_only_the_supervisor_reminds_and_an_empty_message_is_400(clients):
    case = new_case(clients.clerk)
    assert clients.clerk.post(f"/cases/{case['number']}/reminders", {"message": "快"}).status_code == 403
    assert (
        clients.other_approver.post(f"/cases/{case['number']}/reminders", {"message": "快"}).status_code
        == 404
    )
    assert clients.supervisor.post(f"/cases/{case['number']}/reminders", {"message": " "}).status_code == 400
    assert clients.anonymous.post(f"/cases/{case['number']}/reminders", {"message": "快"}).status_code == 401
    assert not Reminder.objects.exists()


def test_a_closed_case_cannot_be_reminded(clients):
    case = ok(act(clients.clerk, new_case(clients.clerk), "withdraw", reason="撤回"))
    assert clients.supervisor.post(f"/cases/{case['number']}/reminders", {"message": "快"}).status_code == 409


def test_the_list_costs_the_same_number_of_queries_for_2_or_12_cases(clients):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost():
        with CaptureQueriesContext(connection) as queries:
            ok(clients.supervisor.get("/cases", {"page_size": 50}))
        return len(queries)

    for _ in range(2):
        ok(act(clients.approver, new_case(clients.clerk), "claim"))
    few = cost()
    for _ in range(10):
        ok(act(clients.approver, new_case(clients.clerk), "claim"))
    assert cost() == few


def test_an_approver_who_is_also_a_window_clerk_still_works_only_their_departments_cases(clients):
    from django.contrib.auth.models import Group

    from tests.cases.conftest import user

    both = user("construction-approver")
    both.groups.add(Group.objects.get(name="window_clerk"))
    health = new_case(clients.clerk, subitem="XK09901003")
    client = ApiClient("construction-approver")
    assert ok(client.get(f"/cases/{health['number']}"))["department"]["code"] == "health"  # sees the region
    response = act(client, health, "claim")
    assert response.status_code == 403 and response.json()["code"] == "case.other_department"
    assert ok(act(client, new_case(clients.clerk), "claim"))["status"] == "in_review"
