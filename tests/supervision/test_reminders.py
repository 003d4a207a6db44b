"""Reminders (催办) must be acknowledged: a case or a whole department is reminded, the department's head
or an approver answers with what will be done and by when, the delay counts in working hours, and an
unacknowledged reminder escalates once to the supervisor."""

from __future__ import annotations

from onewindow.cases.models import CaseEvent
from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification
from onewindow.supervision import services
from onewindow.supervision.models import Reminder
from tests.cases.conftest import at, drive, user


def _remind(clients, number, message="请加快办理"):
    response = clients.supervisor.post(f"/cases/{number}/reminders", {"message": message})
    assert response.status_code == 201, response.content
    return response.json()


def test_the_case_reminder_keeps_its_answer_and_shows_in_the_timeline(clients):
    case = drive("in_review")
    version = case.version
    body = _remind(clients, case.number)
    assert set(body) == {"id", "case", "message", "by", "at", "department"}
    assert body["case"] == case.number and body["department"]["code"] == "construction"
    assert CaseEvent.objects.filter(case=case, action="remind").count() == 1
    assert AuditEntry.objects.filter(action="cases.remind").count() == 1
    case.refresh_from_db()
    assert case.version == version  # a reminder does not make the approver's next action stale


def test_the_department_lists_acknowledges_once_and_the_delay_counts_working_hours(clients, frozen_clock):
    case = drive("in_review")
    frozen_clock(at(2024, 9, 27, 16, 0))  # Friday, one hour before the hall closes
    reminder = _remind(clients, case.number)
    listed = clients.approver.get("/reminders", {"acknowledged": "false"}).json()
    assert listed["count"] == 1
    row = listed["results"][0]
    assert row["case"] == {"number": case.number} and row["acknowledged_at"] is None and row["reply"] is None
    assert {"id", "case", "department", "message", "sent_at", "acknowledged_at", "reply"} <= set(row)
    # Monday 30 Sept, 10:00: Friday 16:00–17:00 and Monday 09:00–10:00 (29 Sept is a make-up workday!).
    frozen_clock(at(2024, 9, 30, 10, 0))
    answer = clients.head.post(
        f"/reminders/{reminder['id']}/acknowledge", {"reply": "已安排专人办理", "promised_by": "2024-10-08"}
    )
    assert answer.status_code == 200, answer.content
    done = answer.json()
    assert done["reply"] == "已安排专人办理" and done["promised_by"] == "2024-10-08"
    assert done["acknowledged_by"] == "construction-head"
    # 2024-09-29 (Sunday) is a working day (调休): 16:00-17:00 Fri + Sun hall day 6.5 h + Mon 1 h.
    assert done["delay_hours"] == 8.5
    again = clients.approver.post(f"/reminders/{reminder['id']}/acknowledge", {"reply": "再次确认"})
    assert again.status_code == 409
    assert clients.approver.get("/reminders", {"acknowledged": "true"}).json()["count"] == 1
    assert AuditEntry.objects.filter(action="supervision.acknowledge").count() == 1


def test_another_department_gets_404_the_supervisor_403_and_an_empty_reply_400(clients):
    case = drive("in_review")
    reminder = _remind(clients, case.number)
    url = f"/reminders/{reminder['id']}/acknowledge"
    assert clients.other_approver.post(url, {"reply": "好"}).status_code == 404
    assert clients.other_approver.get("/reminders").json()["count"] == 0
    assert clients.supervisor.post(url, {"reply": "好"}).status_code == 403
    assert clients.approver.post(url, {"reply": "  "}).status_code == 400
    assert clients.approver.post(url, {}).status_code == 400
    assert clients.approver.post(url, {"reply": "好", "promised_by": "2024-01-01"}).status_code == 422
    assert clients.approver.post(
        "/reminders/99999999999999999999/acknowledge", {"reply": "好"}
    ).status_code in (
        400,
        404,
    )
    assert clients.anonymous.post(url, {"reply": "好"}).status_code == 401
    assert Reminder.objects.get().acknowledged_at is None
    assert clients.approver.get("/reminders", {"acknowledged": "maybe"}).status_code == 400


def test_a_department_reminder_covers_all_its_late_cases(clients, frozen_clock):
    late = [drive("in_review"), drive("accepted")]
    drive("accepted", subitem="XK09901003")  # health's
    refused = clients.supervisor.post("/reminders", {"department": "construction", "message": "请加快"})
    assert refused.status_code == 422  # nothing is late yet
    frozen_clock(at(2024, 10, 14, 9, 0))  # both due 2024-10-10: overdue
    response = clients.supervisor.post("/reminders", {"department": "construction", "message": "请加快"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["case"] is None and sorted(body["late_cases"]) == sorted(c.number for c in late)
    notice = Notification.objects.get(kind="supervision.reminder")
    assert notice.recipient.code == "construction"
    # Each late case's timeline shows the urging, with the reminder it belongs to; the health case not.
    events = CaseEvent.objects.filter(action="remind")
    assert sorted(e.case.number for e in events) == sorted(c.number for c in late)
    assert all(e.comment == "请加快" and e.data["reminder"] == body["id"] for e in events)
    assert AuditEntry.objects.filter(action="cases.remind").count() == 2
    assert (
        clients.approver.post("/reminders", {"department": "construction", "message": "x"}).status_code == 403
    )
    assert clients.supervisor.post("/reminders", {"department": "nowhere", "message": "x"}).status_code == 404
    assert clients.head.get("/reminders").json()["results"][0]["late_cases"] == body["late_cases"]


def test_an_unacknowledged_reminder_escalates_once_after_the_configured_working_hours(
    clients, frozen_clock, settings
):
    settings.ONEWINDOW_REMINDER_ESCALATION_HOURS = 8
    case = drive("in_review")
    frozen_clock(at(2024, 9, 27, 16, 0))
    reminder = _remind(clients, case.number)
    frozen_clock(at(2024, 9, 29, 16, 0))  # 1 + 6 working hours: not yet
    assert services.escalate_unacknowledged() == []
    frozen_clock(at(2024, 9, 30, 10, 0))  # 8.5 working hours (29 Sept is worked)
    assert services.escalate_unacknowledged() == [reminder["id"]]
    assert services.escalate_unacknowledged() == []  # once
    escalated = Notification.objects.get(kind="supervision.escalation")
    assert escalated.recipient.code == "data-bureau"
    assert clients.supervisor.get("/reminders", {"escalated": "true"}).json()["count"] == 1
    # An acknowledged one never escalates.
    other = _remind(clients, drive("in_review").number)
    services.acknowledge(actor=user("construction-approver"), reminder=other["id"], reply="马上办")
    frozen_clock(at(2024, 10, 30, 10, 0))
    assert services.escalate_unacknowledged() == []
