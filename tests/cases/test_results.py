"""Results: numbered, sealed by rule 2 across a handover, content and hash fixed, verifiable by code;
only the issuing window hands them out."""

from __future__ import annotations

import json
import re

from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent, CaseSerial, Result
from onewindow.core.audit import sm3_hex
from onewindow.handover.models import Seal
from tests.cases.conftest import act, at, drive, new_case, ok, user
from tests.conftest import ApiClient


def finish(clients, case, *, issue=True):
    case = ok(act(clients.approver, case, "claim"))
    case = ok(act(clients.approver, case, "decide", decision="grant", reason="符合法定条件"))
    case = ok(act(clients.approver, case, "produce_result"))
    assert case["status"] == "result_ready"
    if issue:
        case = ok(act(clients.issuer, case, "issue", method="pickup"))
        assert case["status"] == "issued"
    return case


def test_case_accepted_before_handover_keeps_bureau_seal_and_one_after_gets_the_departments(
    clients, frozen_clock
):
    # 09-27: accepted while the Approval Bureau implements the sub-item.
    before = new_case(clients.clerk, subitem="XK09901002")
    assert before["authority"]["code"] == "data-bureau" and before["department"]["code"] == "data-bureau"
    bureau_approver = ApiClient("data-bureau-approver")
    before = ok(act(bureau_approver, before, "claim"))  # the bureau's back office starts the review

    # The handover agreement, signed by both parties, takes effect on 10-08 00:00.
    response = clients.supervisor.post(
        "/handovers",
        {
            "receiving_department": "construction",
            "subitems": ["XK09901002"],
            "effective_at": "2024-10-08T00:00:00+08:00",
            "terms": {"rights_duties": "乙方自生效之日起实施所列事项。", "liaison": "周例会。"},
        },
    )
    assert response.status_code == 201, response.content
    agreement = response.json()["id"]
    impact = ok(clients.supervisor.get(f"/handovers/{agreement}/impact"))
    assert before["number"] in json.dumps(impact, ensure_ascii=False)
    assert ok(clients.supervisor.post(f"/handovers/{agreement}/sign"))["status"] == "draft"
    assert ok(clients.head.post(f"/handovers/{agreement}/sign"))["status"] == "signed"
    # The old special seal becomes void at once (the work plan).
    special = Seal.objects.get(name="高新区行政审批专用章")
    ok(clients.supervisor.post(f"/seals/{special.pk}/void", {"reason": "审批权限调整，专用章即日作废"}))

    # Nothing moves before the effective time: still the bureau's queue.
    assert clients.approver.get(f"/cases/{before['number']}").status_code == 404

    frozen_clock(at(2024, 10, 8, 9, 0))
    assert bureau_approver.get(f"/cases/{before['number']}").status_code == 404  # no longer its work
    moved = ok(clients.approver.get(f"/cases/{before['number']}"))
    assert moved["status"] == "in_review" and moved["claimed_by"] == "data-bureau-approver"
    assert moved["department"]["code"] == "construction"  # today's implementer does the work (rule 3)
    assert moved["authority"]["code"] == "data-bureau"  # the authority stays (rule 2)
    assert before["number"] in {c["number"] for c in ok(clients.approver.get("/cases"))["results"]}
    after = new_case(clients.clerk, subitem="XK09901002")
    assert after["authority"]["code"] == "construction"

    old = finish(clients, moved)
    new = finish(clients, after)
    assert old["result"]["seal"]["name"] == "鞍山高新区行政审批局"
    assert old["result"]["seal"]["organisation"]["code"] == "data-bureau"
    assert old["result"]["authority"]["code"] == "data-bureau"
    assert new["result"]["seal"]["name"] == "鞍山高新区住房和城乡建设局"
    assert new["result"]["seal"]["organisation"]["code"] == "construction"
    for case in (old, new):
        assert case["result"]["seal"]["id"] != special.pk
    # The case number and the public query kept working across the handover.
    progress = ok(clients.anonymous.get(f"/public/cases/{before['number']}", {"check": "5678"}))
    assert progress["status"] == "issued"


def test_no_valid_seal_refuses_the_result_with_a_clear_error_and_changes_nothing(clients, world):
    case = drive("decided")
    Seal.objects.filter(organisation=world.construction).update(valid_to=at(2024, 9, 1))
    serials = list(CaseSerial.objects.values_list("scope", "last"))
    response = act(clients.approver, {"number": case.number, "version": case.version}, "produce_result")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "seal.none_valid"
    assert "鞍山高新区住房和城乡建设局" in body["detail"]
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == ("decided", case.version)
    assert not Result.objects.exists()
    assert not CaseEvent.objects.filter(case=case, action="produce_result").exists()
    assert list(CaseSerial.objects.values_list("scope", "last")) == serials


def test_the_result_is_numbered_and_its_content_and_hash_are_fixed_at_production(clients):
    case = finish(clients, new_case(clients.clerk), issue=False)
    result = Result.objects.get(case__number=case["number"])
    assert re.fullmatch(r"210300-2024-\d{6}", result.number)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{16}", result.verification_code)  # Crockford: no I, L, O, U
    canonical = json.dumps(result.content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert sm3_hex(canonical.encode()) == result.content_hash == case["result"]["content_hash"]
    assert result.content["title"] == "建筑工程施工许可证"
    assert result.content["applicant"]["id_number"] == "110105********002X"
    assert result.content["seal"]["name"] == case["result"]["seal"]["name"]
    second = finish(clients, new_case(clients.clerk), issue=False)
    assert int(second["result"]["number"][-6:]) == int(result.number[-6:]) + 1


def test_verification_by_code_is_public_and_says_genuine(clients):
    case = finish(clients, new_case(clients.clerk))
    code = case["result"]["verification_code"]
    body = ok(clients.anonymous.get(f"/public/results/{code}"))
    assert body["genuine"] is True
    assert body["number"] == case["result"]["number"]
    assert body["authority"]["code"] == "construction"
    assert body["seal"]["name"] == "鞍山高新区住房和城乡建设局"
    assert body["issued_at"] == "2024-09-27T10:00:00+08:00"
    assert "张三" not in json.dumps(body, ensure_ascii=False)
    # Lower case typed from paper works too.
    assert ok(clients.anonymous.get(f"/public/results/{code.lower()}"))["genuine"] is True


def test_a_result_not_yet_issued_is_genuine_without_an_issue_time(clients):
    case = finish(clients, new_case(clients.clerk), issue=False)
    body = ok(clients.anonymous.get(f"/public/results/{case['result']['verification_code']}"))
    assert body["genuine"] is True and body["issued_at"] is None


def test_a_revoked_result_is_not_genuine_and_an_unknown_code_is_404(clients):
    case = finish(clients, new_case(clients.clerk))
    services.revoke_result(
        actor=user("construction-head"), case=case["number"], reason="申请人以欺骗手段取得许可"
    )
    body = ok(clients.anonymous.get(f"/public/results/{case['result']['verification_code']}"))
    assert body["genuine"] is False
    response = clients.anonymous.get("/public/results/AAAAAAAAAAAAAAAA")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_only_the_issuing_clerk_issues_and_only_a_ready_result(clients):
    case = finish(clients, new_case(clients.clerk), issue=False)
    assert act(clients.clerk, case, "issue", method="pickup").status_code == 403
    assert act(clients.approver, case, "issue", method="pickup").status_code == 403
    assert act(clients.issuer, case, "issue", method="drone").status_code == 400
    decided = ok(
        act(
            clients.approver,
            ok(act(clients.approver, new_case(clients.clerk), "claim")),
            "decide",
            decision="grant",
            reason="符合",
        )
    )
    assert act(clients.issuer, decided, "issue", method="pickup").status_code == 409


def test_issue_defaults_the_recipient_to_the_applicant(clients):
    case = finish(clients, new_case(clients.clerk))
    assert Case.objects.get(number=case["number"]).issue_recipient == "张三"
