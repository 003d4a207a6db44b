"""JSON API of messaging: the supervisor's outbox of applicants' text messages (phones masked)."""

import datetime as dt
from typing import Literal

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from onewindow.core.api import Page, Rendered, code
from onewindow.messaging import selectors

router = Router(tags=["messaging"])

SmsStatusName = Literal["queued", "sent", "failed"]
SmsKindName = Literal["accepted", "supplement_requested", "suspended", "result_ready", "issued"]


class SmsOut(Schema):
    id: int
    case: str = Field(..., description="case number")
    kind: SmsKindName
    phone: str = Field(..., description="masked: 138****5678")
    text: str
    status: SmsStatusName
    attempts: int
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    next_attempt_at: dt.datetime | None
    last_error: str


@router.get("/sms", response=list[SmsOut], summary="Applicants' text messages (supervisor), newest first")
@paginate(Page)
def sms_outbox(
    request,
    status: SmsStatusName | None = None,
    kind: SmsKindName | None = None,
    case: code(24, description="case number") | None = None,
):
    qs = selectors.outbox_of(request.auth, status=status or "", kind=kind or "", number=case or "")
    return Rendered(qs, selectors.sms_summary)
