"""Supervision orders (督办): an overdue case becomes a numbered order; the department explains in writing;
the supervisor sends it back or accepts it (closed); the printable 督办通知书."""

from __future__ import annotations

import subprocess

from onewindow.cases.models import CaseEvent
from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification
from tests.cases.conftest import at, drive
from tests.conftest import artifacts_dir


def test_an_order_goes_from_issue_to_explanation_to_closure_with_its_pdf(clients, frozen_clock):
    case = drive("in_review")  # due 2024-10-10
    early = clients.supervisor.post("/supervision-orders", {"case": case.number, "reason": "超期"})
    assert early.status_code == 422  # not overdue yet
    frozen_clock(at(2024, 10, 14, 9, 0))
    issued = clients.supervisor.post(
        "/supervision-orders", {"case": case.number, "reason": "超期未办结，请说明原因"}
    )
    assert issued.status_code == 201, issued.content
    order = issued.json()
    assert order["number"] == "督办〔2024〕1号" and order["status"] == "issued"
    assert order["department"]["code"] == "construction"
    assert order["explanation_due"] == "2024-10-17"  # three working days
    again = clients.supervisor.post("/supervision-orders", {"case": case.number, "reason": "再次"})
    assert again.status_code == 409
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == 1
    assert Notification.objects.filter(kind="supervision.order", recipient__code="construction").exists()
    url = f"/supervision-orders/{order['id']}"
    # Scope and roles: another department does not see it; the supervisor does not explain.
    assert clients.other_approver.get(url).status_code == 404
    assert clients.supervisor.post(url + "/explain", {"explanation": "x"}).status_code == 403
    assert clients.approver.post(url + "/close", {}).status_code == 403
    assert clients.supervisor.post(url + "/close", {}).status_code == 409  # nothing to review yet
    assert clients.head.post(url + "/explain", {"explanation": " "}).status_code == 400
    explained = clients.head.post(url + "/explain", {"explanation": "专家评审延误，已于今日办结。"})
    assert explained.status_code == 200 and explained.json()["status"] == "explained"
    assert clients.supervisor.post(url + "/return", {"note": ""}).status_code == 400
    sent_back = clients.supervisor.post(url + "/return", {"note": "请说明整改措施"}).json()
    assert sent_back["status"] == "returned" and sent_back["returned_count"] == 1
    clients.approver.post(url + "/explain", {"explanation": "已建立专人跟踪机制，今后按时办结。"})
    closed = clients.supervisor.post(url + "/close", {"note": "同意"}).json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert clients.head.post(url + "/explain", {"explanation": "x"}).status_code == 409
    actions = set(
        AuditEntry.objects.filter(action__startswith="supervision.order").values_list("action", flat=True)
    )
    assert actions == {
        "supervision.order_issue",
        "supervision.order_explain",
        "supervision.order_return",
        "supervision.order_close",
    }
    assert [o["number"] for o in clients.head.get("/supervision-orders").json()["results"]] == [
        "督办〔2024〕1号"
    ]
    assert clients.other_approver.get("/supervision-orders").json()["count"] == 0
    pdf = clients.head.get(url + "/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    path = artifacts_dir() / "supervision-order.pdf"
    path.write_bytes(pdf.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "督办通知书" in text and "督办〔2024〕1号" in text and case.number in text
    assert "2024年10月17日" in text  # the deadline for the explanation
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-singlefile", str(path), str(path.with_suffix(""))], check=False
    )


def test_a_new_order_can_follow_a_closed_one_and_numbers_count_up(clients, frozen_clock):
    first, second = drive("in_review"), drive("in_review")
    frozen_clock(at(2024, 10, 14, 9, 0))
    numbers = [
        clients.supervisor.post("/supervision-orders", {"case": c.number, "reason": "超期"}).json()["number"]
        for c in (first, second)
    ]
    assert numbers == ["督办〔2024〕1号", "督办〔2024〕2号"]
