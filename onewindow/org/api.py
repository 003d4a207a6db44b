"""JSON API of organisations and people: tokens, departments, staff, and the audit log for the auditor."""

from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import Page
from onewindow.core.errors import NotAuthenticated
from onewindow.org import audit_log, security, selectors, services

router = Router(tags=["org"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: dt.datetime


class DepartmentOut(Schema):
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
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise NotAuthenticated(_("Send a valid, unexpired Bearer token."), code="unauthenticated")
    security.revoke_token(user=request.auth, raw=raw.strip())
    return Status(204, None)


class AuditEntryOut(Schema):
    seq: int
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
def audit(
    request,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD (hall's day) or ISO 8601 time"),
    to: str | None = Query(None, description="YYYY-MM-DD (the whole day included) or ISO 8601 time"),
    actor: str | None = Query(None, max_length=150),
    action: str | None = Query(None, max_length=80, description="exact, or a prefix ending in *"),
):
    """Newest first. Everyone but the audit administrator gets 403."""
    audit_log.require_auditor(request.auth)
    return audit_log.entries(
        since=audit_log.parse_bound(from_, field="from"),
        until=audit_log.parse_bound(to, field="to", end=True),
        actor=actor or "",
        action=action or "",
    )


@router.get("/departments", response=list[DepartmentOut], summary="Organisations with all their names")
@paginate(Page)
def departments(request):
    return selectors.departments()


@router.get("/staff", response=list[StaffOut], summary="Staff in the caller's scope")
@paginate(Page)
def staff(request):
    return selectors.visible_staff(request.auth)
