"""JSON API of supervision: reminders (催办) and their acknowledgment, supervision orders (督办), the board."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import TEXT_MAX, Id, In, Page, Rendered, code, text
from onewindow.supervision import selectors, services

router = Router(tags=["supervision"])


class DepartmentRef(Schema):
    code: str
    name: str


class CaseNumberRef(Schema):
    number: str


# -- reminders ---------------------------------------------------------------------------------------


class CaseReminderIn(In):
    message: text(TEXT_MAX)


class CaseReminderOut(Schema):
    """The answer of `POST /cases/{number}/reminders`, as before the move to supervision."""

    id: int
    case: str
    message: str
    by: str
    at: dt.datetime
    department: DepartmentRef | None


class DepartmentReminderIn(In):
    department: code(description="code of the department")
    message: text(TEXT_MAX)


class ReminderOut(Schema):
    id: int
    case: CaseNumberRef | None = Field(
        ..., description="null for a reminder about all the department's late cases"
    )
    department: DepartmentRef | None
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
    acknowledged_by_name: str | None = Field(None, description="the full name of who acknowledged it")


class ReminderAcknowledgeIn(In):
    reply: text(TEXT_MAX, description="what the department will do")
    promised_by: dt.date | None = Field(None, description="by when (not in the past)")


@router.post(
    "/cases/{number}/reminders", response={201: CaseReminderOut}, summary="Urge the department (supervisor)"
)
def case_reminder(request, number: str, payload: CaseReminderIn):
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
    department: code(description="department code") | None = None,
):
    qs = selectors.reminders_for(
        request.auth, acknowledged=acknowledged, escalated=escalated, department=department
    )
    return Rendered(qs, selectors.reminder_summary)


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
def get_reminder(request, reminder_id: Id):
    return selectors.reminder_summary(selectors.get_reminder(request.auth, reminder_id))


@router.post(
    "/reminders/{reminder_id}/acknowledge",
    response=ReminderOut,
    summary="Acknowledge a reminder with a reply (the department's head or an approver)",
)
def acknowledge_reminder(request, reminder_id: Id, payload: ReminderAcknowledgeIn):
    reminder = services.acknowledge(
        actor=request.auth, reminder=reminder_id, reply=payload.reply, promised_by=payload.promised_by
    )
    return selectors.reminder_summary(selectors.get_reminder(request.auth, reminder.pk))


# -- supervision orders (督办) ------------------------------------------------------------------------

OrderStatusName = Literal["issued", "explained", "returned", "closed"]


class OrderIn(In):
    case: code(24, description="number of an overdue open case")
    reason: text(TEXT_MAX)


class OrderExplanationIn(In):
    explanation: text(TEXT_MAX)


class OrderCloseIn(In):
    note: text(TEXT_MAX, blank=True) = ""


class OrderReturnIn(In):
    note: text(TEXT_MAX, description="what the explanation lacks")


class OrderOut(Schema):
    id: int
    number: str = Field(..., description="督办〔year〕serial号")
    status: OrderStatusName
    case: CaseNumberRef
    department: DepartmentRef
    reason: str
    issued_by: str
    issued_at: dt.datetime
    case_due_date: dt.date | None
    explanation_due: dt.date
    explanation: str | None
    explained_by: str | None
    explained_at: dt.datetime | None
    review_note: str | None
    closed_at: dt.datetime | None
    returned_count: int


@router.get(
    "/supervision-orders", response=list[OrderOut], summary="Supervision orders in the caller's scope"
)
@paginate(Page)
def list_orders(
    request,
    status: OrderStatusName | None = None,
    department: code(description="department code") | None = None,
):
    qs = selectors.orders_for(request.auth, status=status, department=department)
    return Rendered(qs, selectors.order_summary)


@router.post(
    "/supervision-orders", response={201: OrderOut}, summary="Escalate an overdue case to a supervision order"
)
def create_order(request, payload: OrderIn):
    order = services.issue_order(actor=request.auth, case=payload.case, reason=payload.reason)
    return Status(201, selectors.order_summary(selectors.get_order(request.auth, order.pk)))


@router.get("/supervision-orders/{order_id}", response=OrderOut, summary="One supervision order")
def get_order(request, order_id: Id):
    return selectors.order_summary(selectors.get_order(request.auth, order_id))


@router.post(
    "/supervision-orders/{order_id}/explain",
    response=OrderOut,
    summary="The department's written explanation (head or approver)",
)
def explain_order(request, order_id: Id, payload: OrderExplanationIn):
    services.explain_order(actor=request.auth, order=order_id, explanation=payload.explanation)
    return selectors.order_summary(selectors.get_order(request.auth, order_id))


@router.post(
    "/supervision-orders/{order_id}/close",
    response=OrderOut,
    summary="Accept the explanation and close the order (supervisor)",
)
def close_order(request, order_id: Id, payload: OrderCloseIn):
    services.review_order(actor=request.auth, order=order_id, accept=True, note=payload.note)
    return selectors.order_summary(selectors.get_order(request.auth, order_id))


@router.post(
    "/supervision-orders/{order_id}/return",
    response=OrderOut,
    summary="Send the explanation back (supervisor; a note is required)",
)
def return_order(request, order_id: Id, payload: OrderReturnIn):
    services.review_order(actor=request.auth, order=order_id, accept=False, note=payload.note)
    return selectors.order_summary(selectors.get_order(request.auth, order_id))


@router.get("/supervision-orders/{order_id}/pdf", summary="The printable 督办通知书 (PDF, in Chinese)")
def order_pdf(request, order_id: Id):
    from django.http import HttpResponse

    from onewindow.supervision import documents

    order = selectors.get_order(request.auth, order_id)
    response = HttpResponse(documents.order_notice(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="supervision-order-{order.pk}.pdf"'
    return response


# -- the board -----------------------------------------------------------------------------------------

BoardSort = Literal[
    "department",
    "open",
    "normal",
    "warning",
    "overdue",
    "least_remaining_days",
    "oldest_accepted_at",
    "unacknowledged",
    "escalated",
    "open_orders",
]


class BoardOldestCase(Schema):
    number: str
    accepted_at: dt.datetime | None


class BoardRow(Schema):
    department: DepartmentRef
    open: int
    normal: int
    warning: int
    overdue: int
    least_remaining_days: int | None = Field(
        ..., description="working days left on its most urgent running case (negative: past due)"
    )
    oldest_case: BoardOldestCase | None
    unacknowledged: int
    escalated: int
    open_orders: int


@router.get(
    "/supervision/board", response=list[BoardRow], summary="The supervisor's board: figures per department"
)
def board(request, sort: BoardSort = "overdue", order: Literal["asc", "desc"] = "desc"):
    from onewindow.core.errors import PermissionDenied
    from onewindow.org import roles as r

    if not r.has_role(request.auth, r.SUPERVISOR):
        raise PermissionDenied("Only the supervisor sees the board.", code="supervision.role_forbidden")
    return selectors.board(request.auth, sort=sort, descending=order == "desc")
