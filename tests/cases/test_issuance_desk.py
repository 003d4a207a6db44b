"""The issuance desk: find the case by number, by the receipt's scanned QR/bar code or by the applicant;
record who took the result (the applicant or an agent whose ID is checked) or how it was mailed; flag
results waiting beyond the art. 44 limit."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import Client

from onewindow.cases.models import CaseStatus
from tests.cases.conftest import PERSON, act, at, drive, new_case, ok
from tests.conftest import artifacts_dir, sign_in


def valid_agent_id() -> str:
    from onewindow.core.validators import resident_id_check_char

    first17 = "21030219800101123"
    return first17 + resident_id_check_char(first17)


def invalid_agent_id() -> str:
    valid = valid_agent_id()
    return valid[:-1] + ("1" if valid[-1] != "1" else "2")


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def ready(clients, **applicant):
    case = ok(act(clients.approver, new_case(clients.clerk, **applicant), "claim"))
    case = ok(act(clients.approver, case, "decide", decision="grant", reason="符合条件"))
    return ok(act(clients.approver, case, "produce_result"))


def test_the_desk_finds_a_case_by_number_by_scanned_progress_url_and_by_applicant(world):
    case = drive("result_ready")
    desk = signed_in("issuer1")
    for typed in (
        case.number,
        f"https://zwfw.example.gov.cn/public/progress/?number={case.number}",
        f"  {case.number}\n",
        PERSON["name"],
        PERSON["id_number"],
    ):
        page = desk.get("/issue/", {"q": typed}).content.decode()
        assert f'id="found" data-number="{case.number}"' in page, typed
    page = desk.get("/issue/", {"q": "2103002099010100001"}).content.decode()
    assert 'id="not-found"' in page


def test_an_agents_id_is_checked_and_a_bad_one_changes_nothing(clients):
    case = ready(clients)
    bad = act(
        clients.issuer,
        case,
        "issue",
        method="pickup",
        recipient="李四",
        recipient_kind="agent",
        recipient_id_number=invalid_agent_id(),
    )
    assert bad.status_code in (400, 422) and "recipient_id_number" in bad.json()["errors"]
    nameless = act(
        clients.issuer,
        case,
        "issue",
        method="pickup",
        recipient_kind="agent",
        recipient_id_number=valid_agent_id(),
    )
    assert nameless.status_code in (400, 422) and "recipient" in nameless.json()["errors"]
    assert ok(clients.issuer.get(f"/cases/{case['number']}"))["status"] == "result_ready"
    done = ok(
        act(
            clients.issuer,
            case,
            "issue",
            method="pickup",
            recipient="李四",
            recipient_kind="agent",
            recipient_id_number=valid_agent_id(),
        )
    )
    assert done["status"] == "issued"
    from onewindow.cases.models import Case

    stored = Case.objects.get(number=case["number"])
    assert (stored.issue_recipient, stored.issue_recipient_kind, stored.issue_recipient_id_number) == (
        "李四",
        "agent",
        valid_agent_id(),
    )


def test_mail_needs_address_and_tracking_number_and_its_slip_has_no_pickup_signature(clients):
    case = ready(clients)
    refused = act(clients.issuer, case, "issue", method="mail", carrier="中国邮政EMS")
    assert refused.status_code in (400, 422)
    assert {"address", "tracking_number"} <= set(refused.json()["errors"])
    refused = act(clients.issuer, case, "issue", method="mail", address="鞍山市铁东区胜利南路1号")
    assert set(refused.json()["errors"]) == {"tracking_number"}
    done = ok(
        act(
            clients.issuer,
            case,
            "issue",
            method="mail",
            recipient="张三",
            address="鞍山市铁东区胜利南路1号",
            carrier="中国邮政EMS",
            tracking_number="1190123456789",
        )
    )
    assert done["status"] == "issued"
    slip = signed_in("issuer1").get(f"/cases/{case['number']}/documents/issue-slip.pdf")
    assert slip.status_code == 200
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    path = artifacts_dir() / "cases-issue-slip-mail.pdf"
    path.write_bytes(slip.content)
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "1190123456789" in text and "胜利南路1号" in text and "中国邮政EMS" in text
    assert "领取人签字" not in text


def test_the_contract_form_of_issue_keeps_working(clients):
    case = ready(clients)
    assert ok(act(clients.issuer, case, "issue", method="pickup"))["status"] == "issued"


def test_the_desk_issues_to_an_agent_from_its_form(world):
    case = drive("result_ready")
    desk = signed_in("issuer1")
    response = desk.post(
        f"/cases/{case.number}/actions/issue/",
        {
            "version": case.version,
            "next": "desk",
            "method": "pickup",
            "recipient_kind": "agent",
            "agent_name": "李四",
            "agent_id_number": invalid_agent_id(),
        },
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.RESULT_READY
    assert "李四" in response.content.decode()  # what was typed is still there, with the reason
    desk.post(
        f"/cases/{case.number}/actions/issue/",
        {
            "version": case.version,
            "next": "desk",
            "method": "pickup",
            "recipient_kind": "agent",
            "agent_name": "李四",
            "agent_id_number": valid_agent_id(),
        },
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.ISSUED and case.issue_recipient == "李四"


def test_results_waiting_beyond_the_art_44_limit_are_flagged(world, frozen_clock):
    case = drive("result_ready")  # decided on 2024-09-27
    page = signed_in("issuer1").get("/issue/").content.decode()
    assert 'data-overdue="1"' not in page
    frozen_clock(at(2024, 10, 25, 10, 0))  # more than 10 working days after the decision
    page = signed_in("issuer1").get("/issue/").content.decode()
    assert f'data-number="{case.number}" class="row-overdue" data-overdue="1"' in page
    assert 'id="overdue-count"' in page


def test_the_desk_opens_each_waiting_result_document(world):
    case = drive("result_ready")
    desk = signed_in("issuer1")
    page = desk.get("/issue/").content.decode()
    link = f'data-doc="result" href="/cases/{case.number}/documents/result.pdf"'
    assert link in page
    document = desk.get(f"/cases/{case.number}/documents/result.pdf")
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
