"""JSON API of organisations and people: tokens, departments, staff, and the audit log for the auditor."""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import In, Out, Page, line
from onewindow.core.errors import NotAuthenticated
from onewindow.core.scoping import not_found
from onewindow.org import audit_log, notifications, security, selectors, services

router = Router(tags=["org"])


class TokenIn(In):
    username: line(150)
    password: str = Field(..., min_length=1, max_length=4096)
    otp: str | None = Field(None, pattern=r"^[0-9]{6,8}$", description="the authenticator's code")


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class DepartmentOut(Out):
    code: str
    name: str
    names: list[str]
    kind: str


class StaffOut(Schema):
    username: str
    full_name: str
    organisation: str
    roles: list[str]

    @staticmethod
    def resolve_username(obj):
        return obj.user.username

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.code


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Issue a Bearer token")
def token(request, payload: TokenIn):
    """401 wrong credentials (or a missing/wrong `otp` once the account has two-factor login); 429 after
    5 failures in 15 minutes on the account (even with the right password) or too many from the address;
    403 when the password is a one-time or expired one (change it in the web pages first)."""
    raw, expires_at = services.issue_token(
        username=payload.username, password=payload.password, otp=payload.otp, request=request
    )
    return {"token": raw, "expires_at": expires_at}


@router.delete("/auth/token", response={204: None}, summary="Revoke the Bearer token of this call")
def revoke_token(request):
    """The token in the Authorization header stops working at once; 401 without one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated(_("Send a valid, unexpired Bearer token."), code="unauthenticated")
    security.revoke_token(user=request.auth, raw=raw.strip())
    return Status(204, None)


# A day or a time: the schema gives both formats (the service parses the string, keeping a day a day).
Bound = Annotated[
    str,
    Field(max_length=40, json_schema_extra={"anyOf": [{"format": "date"}, {"format": "date-time"}]}),
]


class AuditFilters(Schema):
    from_: Bound | None = Field(None, alias="from", description="YYYY-MM-DD (hall's day) or ISO 8601 time")
    to: Bound | None = Field(None, description="YYYY-MM-DD (the whole day included) or ISO 8601 time")
    actor: line(150) | None = None
    action: line(80) | None = Field(None, description="exact, or a prefix ending in *")


class AuditEntryOut(Schema):
    seq: int | None = Field(
        description="Position in the hash chain; null until the sealer chains it, within a second of its commit"
    )
    at: dt.datetime
    actor: str
    role: str
    organisation: str
    action: str
    object_type: str
    object_id: str
    success: bool


@router.get("/audit", response=list[AuditEntryOut], summary="The audit log (audit administrator only)")
@paginate(Page)
def audit(request, filters: Query[AuditFilters]):
    """Newest first. Everyone but the audit administrator gets 403."""
    audit_log.require_auditor(request.auth)
    return audit_log.entries(
        since=audit_log.parse_bound(filters.from_, field="from"),
        until=audit_log.parse_bound(filters.to, field="to", end=True),
        actor=filters.actor or "",
        action=filters.action or "",
    )


@router.get("/departments", response=list[DepartmentOut], summary="Organisations with all their names")
@paginate(Page)
def departments(request):
    return selectors.cached_department_rows()  # the token's query has checked the cache (core.stamps)


@router.get("/staff", response=list[StaffOut], summary="Staff in the caller's scope")
@paginate(Page)
def staff(request):
    return selectors.visible_staff(request.auth)


def _kind_enum(schema: dict) -> None:
    # The registry is complete once every app is ready, before the schema is first asked for.
    schema["enum"] = list(notifications.kinds())


class NotificationOut(Schema):
    id: int
    kind: str = Field(..., description="The kind's code", json_schema_extra=_kind_enum)
    title: str
    at: dt.datetime
    read: bool
    link: str | None = Field(None, description="Path of the page of the object it is about")

    @staticmethod
    def resolve_at(obj):
        return obj.created_at

    @staticmethod
    def resolve_read(obj):
        return obj.read_at is not None

    @staticmethod
    def resolve_link(obj):
        return obj.link or None


class MarkedOut(Schema):
    marked: int = Field(
        ..., ge=0, description="How many of the caller's unread notifications were marked read"
    )


NOTIFICATION_ID = Path(..., ge=1, le=2**63 - 1)


@router.get("/notifications", response=list[NotificationOut], summary="The caller's own notifications")
@paginate(Page)
def notification_list(
    request,
    unread: bool | None = Query(None, description="true: unread only; false: read only"),
    kind: str | None = Query(None, max_length=40, description="one kind's code"),
):
    """Newest first: what is addressed to the caller's organisation or to the caller by name; `read` is the
    caller's own reading (a colleague's copy stays unread). An account without a staff record has none."""
    return selectors.notifications_for(request.auth, unread=unread, kind=kind or "")


@router.post(
    "/notifications/{notification_id}/read", response=NotificationOut, summary="Mark one notification read"
)
def notification_read(request, notification_id: int = NOTIFICATION_ID):
    """Idempotent: an already read one stays read (200). Someone else's is 404."""
    if not selectors.notifications_for(request.auth).filter(pk=notification_id).exists():
        raise not_found()
    services.mark_notifications_read(actor=request.auth, ids=[notification_id])
    return selectors.notifications_for(request.auth).get(pk=notification_id)


@router.post("/notifications/read", response=MarkedOut, summary="Mark all the caller's notifications read")
def notifications_read_all(request):
    """403 for an account without a staff record (it has no inbox)."""
    return {"marked": services.mark_notifications_read(actor=request.auth)}
