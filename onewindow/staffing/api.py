"""JSON API of the staffing context: stationings and the no-gap guard (CONTRACT.md), qualifications,
schedules, training and daily evaluations."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from onewindow.core.api import Page
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.core.scoping import get_in_scope
from onewindow.org.models import Staff, Stationing
from onewindow.staffing import selectors, services

router = Router(tags=["staffing"])


class OrgRef(Schema):
    code: str
    name: str


class StaffRef(Schema):
    username: str
    full_name: str

    @staticmethod
    def resolve_username(obj):
        return obj.user.username


class SubItemRef(Schema):
    code: str
    name: str


class StationingOut(Schema):
    id: int
    staff: StaffRef
    department: OrgRef
    valid_from: dt.date
    valid_to: dt.date | None
    qualified_subitems: list[str]

    @staticmethod
    def resolve_qualified_subitems(obj):
        return selectors.qualified_codes(obj)


class EndIn(Schema):
    on: dt.date
    reason: str = Field(..., max_length=300)
    successor: str | None = Field(
        None, max_length=150, description="Username of a staff member of the department stationed from `on`"
    )


class GapOut(Schema):
    subitem: SubItemRef
    department: OrgRef
    date: dt.date


def _require_reader(user):
    if not selectors.can_read_staffing(user):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor and the department's approvers and head see its staffing."),
            code="staffing.forbidden",
        )


@router.get("/stationings", response=list[StationingOut], summary="Stationed staff in the caller's scope")
@paginate(Page)
def list_stationings(
    request,
    department: str | None = Query(None, max_length=40),
    active: bool | None = Query(None, description="true: running today; false: not running today"),
):
    return selectors.stationings(request.auth, department=department or "", active=active)


@router.post(
    "/stationings/{stationing_id}/end",
    response=StationingOut,
    summary="End a stationing (department head or supervisor; refused when it would leave a gap)",
)
def end_stationing(request, stationing_id: int, payload: EndIn):
    """`on` is the first day the person is no longer in the back office. 422 `staffing.gap` naming the
    sub-items when it would leave a live sub-item of the department without a qualified stationed
    approver on `on` or the following working days, unless `successor` covers them."""
    stationing = get_in_scope(
        Stationing.objects.select_related("department", "staff__user"), request.auth, pk=stationing_id
    )
    successor = None
    if payload.successor:
        successor = Staff.objects.select_related("user").filter(user__username=payload.successor).first()
        if successor is None:
            raise InvalidInput(
                _("Unknown staff member %(username)s.") % {"username": payload.successor},
                code="staffing.invalid",
                errors={"successor": [_("Unknown staff member.")]},
            )
    ended = services.end_stationing(
        actor=request.auth, stationing=stationing, on=payload.on, reason=payload.reason, successor=successor
    )
    return selectors.stationings(request.auth).get(pk=ended.pk)


@router.get("/staffing/gaps", response=list[GapOut], summary="Days a live sub-item has no qualified approver")
@paginate(Page)
def list_gaps(request, days: int = Query(5, ge=0, le=60, description="working days after today")):
    """Today (when a working day) and each of the next `days` working days: the live sub-items without a
    qualified approver of their implementing department in the back office. The supervisor sees the
    region's; a department's approvers and head their own department's."""
    _require_reader(request.auth)
    return [
        {"subitem": g.subitem, "department": g.department, "date": g.date}
        for g in selectors.gaps_for(request.auth, days=days)
    ]
