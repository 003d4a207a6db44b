"""JSON API of supervision: reminders (催办) and their acknowledgment, supervision orders (督办), the board."""


import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import Page
from onewindow.supervision import selectors, services

router = Router(tags=["supervision"])

TEXT = 2000


class CodeName(Schema):
    code: str
    name: str


class CaseRef(Schema):
    number: str


# -- reminders ---------------------------------------------------------------------------------------


class ReminderIn(Schema):
    message: str = Field(..., max_length=TEXT)


class CaseReminderOut(Schema):
    """The answer of `POST /cases/{number}/reminders`, as before the move to supervision."""

    id: int
    case: str
    message: str
    by: str
    at: dt.datetime
    department: CodeName | None


class DepartmentReminderIn(Schema):
    department: str = Field(..., max_length=40, description="code of the department")
    message: str = Field(..., max_length=TEXT)


class ReminderOut(Schema):
    id: int
    case: CaseRef | None = Field(..., description="null for a reminder about all the department's late cases")
    department: CodeName | None
    message: str
    sent_at: dt.datetime
    acknowledged_at: dt.datetime | None
    reply: str | None
    promised_by: dt.date | None
    by: str
    acknowledged_by: str | None
    delay_hours: float | None = Field(
        ..., description="working hours (hall hours on working days) to acknowledge"
    )
    escalated_at: dt.datetime | None
    late_cases: list[str] = Field(..., description="a department reminder: its late cases when sent")


class AcknowledgeIn(Schema):
    reply: str = Field(..., max_length=TEXT, description="what the department will do")
    promised_by: dt.date | None = Field(None, description="by when (not in the past)")


@router.post(
    "/cases/{number}/reminders", response={201: CaseReminderOut}, summary="Urge the department (supervisor)"
)
def case_reminder(request, number: str, payload: ReminderIn):
    reminder = services.remind(actor=request.auth, case=number, message=payload.message)
    return Status(
        201,
        {
            "id": reminder.pk,
            "case": number,
            "message": reminder.message,
            "by": request.auth.username,
            "at": reminder.at,
            "department": {"code": reminder.department.code, "name": reminder.department.name}
            if reminder.department
            else None,
        },
    )


@router.get("/reminders", response=list[ReminderOut], summary="Reminders in the caller's scope")
@paginate(Page)
def list_reminders(
    request,
    acknowledged: Literal["true", "false"] | None = None,
    escalated: Literal["true", "false"] | None = None,
    department: str | None = Query(None, max_length=40),
):
    qs = selectors.reminders_for(
        request.auth, acknowledged=acknowledged, escalated=escalated, department=department
    )
    return _Summaries(qs, selectors.reminder_summary)


@router.post(
    "/reminders",
    response={201: ReminderOut},
    summary="Urge a department about all its late cases (supervisor)",
)
def department_reminder(request, payload: DepartmentReminderIn):
    reminder = services.remind_department(
        actor=request.auth, department=payload.department, message=payload.message
    )
    return Status(201, selectors.reminder_summary(reminder))


@router.get("/reminders/{reminder_id}", response=ReminderOut, summary="One reminder")
def get_reminder(request, reminder_id: int):
    return selectors.reminder_summary(selectors.get_reminder(request.auth, reminder_id))


@router.post(
    "/reminders/{reminder_id}/acknowledge",
    response=ReminderOut,
    summary="Acknowledge a reminder with a reply (the department's head or an approver)",
)
def acknowledge_reminder(request, reminder_id: int, payload: AcknowledgeIn):
    reminder = services.acknowledge(
        actor=request.auth, reminder=reminder_id, reply=payload.reply, promised_by=payload.promised_by
    )
    return selectors.reminder_summary(selectors.get_reminder(request.auth, reminder.pk))


class _Summaries:
    """A lazily sliced queryset rendered row by row (only the page is built)."""

    def __init__(self, qs, render):
        self.qs, self.render = qs, render

    def __len__(self):
        return self.qs.count()

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return [self.render(row) for row in self.qs[item]]
