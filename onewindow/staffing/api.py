"""JSON API of the staffing context: stationings and the no-gap guard (CONTRACT.md), qualifications,
schedules, training and daily evaluations."""

import datetime as dt
from typing import Annotated, Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core.api import SHORT_TEXT_MAX, Id, In, Page, code, line
from onewindow.core.errors import InvalidValue, PermissionDenied
from onewindow.core.scoping import get_in_scope
from onewindow.org.models import Staff, Stationing
from onewindow.staffing import selectors, services

router = Router(tags=["staffing"])

# A login name (Django's alphabet); an unknown one is 422.
Username = Annotated[str, Field(min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")]
Reason = line(SHORT_TEXT_MAX)
Note = line(200, blank=True)
SubItemCodes = Annotated[list[code()], Field(max_length=500)]


class StaffingDepartment(Schema):
    code: str
    name: str


class StaffRef(Schema):
    username: str
    full_name: str

    @staticmethod
    def resolve_username(obj):
        return obj.user.username


class StaffingSubItem(Schema):
    code: str
    name: str


class StationingOut(Schema):
    id: int
    staff: StaffRef
    department: StaffingDepartment
    valid_from: dt.date
    valid_to: dt.date | None
    qualified_subitems: list[str]

    @staticmethod
    def resolve_qualified_subitems(obj):
        return selectors.qualified_codes(obj)


class EndIn(In):
    on: dt.date = Field(..., description="the first day the person is no longer in the back office")
    reason: Reason
    successor: Username | None = Field(
        None, description="username of a staff member of the department, stationed from `on`"
    )


class GapOut(Schema):
    subitem: StaffingSubItem
    department: StaffingDepartment
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
    department: code() | None = None,
    active: bool | None = Query(None, description="true: running today; false: not running today"),
):
    return selectors.stationings(request.auth, department=department or "", active=active)


@router.post(
    "/stationings/{stationing_id}/end",
    response=StationingOut,
    summary="End a stationing (department head or supervisor; refused when it would leave a gap)",
)
def end_stationing(request, stationing_id: Id, payload: EndIn):
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
            raise InvalidValue(
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


# -- stationings: start, change history and frequency ------------------------------------------------


def _department(value: str):
    from onewindow.org.models import Organisation

    found = Organisation.objects.filter(code=value).first()
    if found is None:
        raise InvalidValue(
            _("Unknown department %(code)s.") % {"code": value},
            code="staffing.invalid",
            errors={"department": [_("Unknown department.")]},
        )
    return found


def _person(username: str, *, field: str = "staff") -> Staff:
    found = (
        Staff.objects.select_related("user", "organisation__region").filter(user__username=username).first()
    )
    if found is None:
        raise InvalidValue(
            _("Unknown staff member %(username)s.") % {"username": username},
            code="staffing.invalid",
            errors={field: [_("Unknown staff member.")]},
        )
    return found


def _require_managing_role(user):
    from onewindow.org import roles as r

    if not r.has_role(user, r.SUPERVISOR, r.DEPARTMENT_HEAD):
        raise PermissionDenied(
            _("Only the department's head or the Data Bureau's supervisor may change its stationed staff."),
            code="staffing.forbidden",
        )


class StartIn(In):
    staff: Username = Field(..., description="username of a staff member of the department")
    valid_from: dt.date
    reason: Reason


@router.post(
    "/stationings", response={201: StationingOut}, summary="Station a staff member (head or supervisor)"
)
def start_stationing(request, payload: StartIn):
    _require_managing_role(request.auth)
    staff = _person(payload.staff)
    stationing = services.start_stationing(
        actor=request.auth,
        department=staff.organisation,
        staff=staff,
        valid_from=payload.valid_from,
        reason=payload.reason,
    )
    return Status(201, selectors.stationings(request.auth).get(pk=stationing.pk))


class ChangeOut(Schema):
    id: int
    department: StaffingDepartment
    staff: StaffRef
    kind: Literal["start", "end"]
    on: dt.date
    reason: str
    changed_by: str
    at: dt.datetime

    @staticmethod
    def resolve_staff(obj):
        return obj.stationing.staff

    @staticmethod
    def resolve_changed_by(obj):
        return obj.actor.username


@router.get("/staffing/changes", response=list[ChangeOut], summary="History of stationing changes")
@paginate(Page)
def list_changes(request, department: code() | None = None):
    _require_reader(request.auth)
    return selectors.changes(request.auth, department=department or "")


class FrequencyOut(Schema):
    department: StaffingDepartment
    quarter: str
    changes: int
    limit: int
    too_many: bool


@router.get(
    "/staffing/change-frequency", response=list[FrequencyOut], summary="Stationing changes per quarter"
)
@paginate(Page)
def change_frequency(
    request, quarter: str | None = Query(None, pattern=r"^\d{4}Q[1-4]$", description="YYYYQn")
):
    """Each department's stationing changes taking effect in the quarter (default: this one); `too_many`
    when above ONEWINDOW_STAFFING_CHANGES_PER_QUARTER."""
    from onewindow.core import clock

    _require_reader(request.auth)
    return selectors.change_frequency(
        quarter=quarter or selectors.quarter_of(clock.today()),
        departments=selectors.scoped_departments(request.auth),
    )


# -- qualifications ----------------------------------------------------------------------------------


class CertificateOut(Schema):
    id: int
    staff: StaffRef
    department: StaffingDepartment
    kind: Literal["law_enforcement", "professional", "post_training", "other"]
    number: str
    issuing_body: str
    valid_from: dt.date
    valid_to: dt.date
    subitems: list[str]

    @staticmethod
    def resolve_department(obj):
        return obj.staff.organisation

    @staticmethod
    def resolve_subitems(obj):
        return sorted(s.code for s in obj.subitems.all())


class CertificateIn(In):
    staff: Username
    kind: Literal["law_enforcement", "professional", "post_training", "other"]
    number: line(60)
    issuing_body: line(100)
    valid_from: dt.date
    valid_to: dt.date = Field(..., description="the last valid day (inclusive); before valid_from is 422")
    subitems: SubItemCodes = Field([], description="the sub-items it qualifies for; unknown codes are 422")


@router.get("/staffing/qualifications", response=list[CertificateOut], summary="Qualification certificates")
@paginate(Page)
def list_certificates(
    request,
    department: code() | None = None,
    staff: Username | None = None,
):
    _require_reader(request.auth)
    return selectors.certificates(request.auth, department=department or "", staff=staff or "")


@router.post("/staffing/qualifications", response={201: CertificateOut}, summary="Record a certificate")
def add_certificate(request, payload: CertificateIn):
    _require_managing_role(request.auth)
    staff = _person(payload.staff)
    certificate = services.add_certificate(
        actor=request.auth,
        staff=staff,
        kind=payload.kind,
        number=payload.number,
        issuing_body=payload.issuing_body,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        subitems=payload.subitems,
    )
    return Status(201, selectors.certificates(request.auth).get(pk=certificate.pk))


# -- schedules -----------------------------------------------------------------------------------------


class RosterOut(Schema):
    id: int
    department: StaffingDepartment
    staff: StaffRef
    date: dt.date
    kind: Literal["duty", "leave", "substitute"]
    substitute_for: StaffRef | None
    note: str

    @staticmethod
    def resolve_date(obj):
        return obj.day


class RosterIn(In):
    staff: Username
    date: dt.date
    kind: Literal["duty", "leave", "substitute"]
    substitute_for: Username | None = Field(None, description="required with kind substitute (422)")
    note: Note = ""


class RotationIn(In):
    department: code()
    staff: Annotated[list[Username], Field(min_length=1, max_length=50)]
    from_: dt.date = Field(..., alias="from")
    to: dt.date = Field(..., description="at most 92 days after `from` (422)")
    per_day: int = Field(1, ge=1, le=50, description="at most the number of staff (422)")


class RotationOut(Schema):
    written: int


FROM_DAY = Query(None, alias="from", description="YYYY-MM-DD (default today)")


def _span(start, end):
    from onewindow.core import clock

    start = start or clock.today()
    if not dt.date(2000, 1, 1) <= start <= dt.date(2100, 12, 31):
        raise InvalidValue(
            _("Give a day between 2000 and 2100."),
            code="staffing.invalid",
            errors={"from": [_("2000–2100.")]},
        )
    end = end or start + dt.timedelta(days=6)
    if end < start or (end - start).days > 92:
        raise InvalidValue(
            _("Ask for at most one quarter, the end not before the start."),
            code="staffing.invalid",
            errors={"to": [_("At most 92 days after the start.")]},
        )
    return start, end


@router.get(
    "/staffing/schedules", response=list[RosterOut], summary="Who is on duty, on leave or substituting"
)
@paginate(Page)
def list_schedule(
    request,
    department: code() | None = None,
    from_: dt.date | None = FROM_DAY,
    to: dt.date | None = None,
):
    """The roster entries of [from, to] (default: the coming week); without an entry for a working day a
    stationed person is in the back office unless the department keeps a duty roster for that day."""
    _require_reader(request.auth)
    start, end = _span(from_, to)
    return selectors.roster_entries(request.auth, department=department or "", start=start, end=end)


@router.post(
    "/staffing/schedules", response={201: RosterOut}, summary="Set one person's day (duty, leave, substitute)"
)
def set_schedule(request, payload: RosterIn):
    """422 `staffing.gap` when the day would leave a live sub-item without a qualified approver."""
    _require_managing_role(request.auth)
    staff = _person(payload.staff)
    substitute_for = (
        _person(payload.substitute_for, field="substitute_for") if payload.substitute_for else None
    )
    entry = services.set_roster_day(
        actor=request.auth,
        department=staff.organisation,
        staff=staff,
        day=payload.date,
        kind=payload.kind,
        substitute_for=substitute_for,
        note=payload.note,
    )
    return Status(201, entry)


@router.post("/staffing/schedules/rotation", response=RotationOut, summary="Plan a duty rotation")
def plan_rotation(request, payload: RotationIn):
    _require_managing_role(request.auth)
    department = _department(payload.department)
    staff = [_person(u) for u in payload.staff]
    written = services.plan_rotation(
        actor=request.auth,
        department=department,
        staff=staff,
        start=payload.from_,
        end=payload.to,
        per_day=payload.per_day,
    )
    return {"written": written}


# -- training ----------------------------------------------------------------------------------------


class TrainingOut(Schema):
    id: int
    department: StaffingDepartment
    date: dt.date
    trainer: str
    topic: str
    subitems: list[str]
    attendees: list[StaffRef]

    @staticmethod
    def resolve_date(obj):
        return obj.day

    @staticmethod
    def resolve_subitems(obj):
        return sorted(s.code for s in obj.subitems.all())

    @staticmethod
    def resolve_attendees(obj):
        return sorted(obj.attendees.all(), key=lambda s: s.user.username)


class TrainingIn(In):
    department: code()
    date: dt.date
    trainer: line(60)
    topic: line(200, blank=True) = ""
    subitems: Annotated[list[code()], Field(min_length=1, max_length=500)]
    attendees: Annotated[list[Username], Field(min_length=1, max_length=200, description="window clerks")]


class SubItemGap(Schema):
    code: str
    name: str
    department: str
    last_trained: dt.date | None

    @staticmethod
    def resolve_department(obj):
        return obj.implementer_name


class TrainingGapsOut(Schema):
    untrained: list[SubItemGap]
    outdated: list[SubItemGap]


@router.get("/staffing/trainings", response=list[TrainingOut], summary="Training sessions of window clerks")
@paginate(Page)
def list_trainings(request, department: code() | None = None):
    _require_reader(request.auth)
    return selectors.trainings(request.auth, department=department or "")


@router.post("/staffing/trainings", response={201: TrainingOut}, summary="Record a training session")
def record_training(request, payload: TrainingIn):
    _require_managing_role(request.auth)
    department = _department(payload.department)
    attendees = [_person(u, field="attendees") for u in payload.attendees]
    session = services.record_training(
        actor=request.auth,
        department=department,
        day=payload.date,
        trainer=payload.trainer,
        topic=payload.topic,
        subitems=payload.subitems,
        attendees=attendees,
    )
    return Status(201, selectors.trainings(request.auth).get(pk=session.pk))


@router.get(
    "/staffing/training-gaps",
    response=TrainingGapsOut,
    summary="Sub-items no window clerk was trained on, and those whose guide changed since",
)
def training_gaps(request):
    _require_reader(request.auth)
    return selectors.training_gaps(request.auth)


# -- daily evaluation ----------------------------------------------------------------------------------

Attendance = Literal["present", "late", "leave", "absent"]
Discipline = Literal["good", "minor", "serious"]
Conduct = Literal["good", "fair", "poor"]
Feedback = Literal["none", "praise", "complaint"]


class EvaluationOut(Schema):
    id: int
    staff: StaffRef
    date: dt.date
    subject_kind: Literal["window_clerk", "stationed"]
    attendance: Attendance
    attendance_note: str
    discipline: Discipline
    discipline_note: str
    conduct: Conduct
    conduct_note: str
    feedback: Feedback
    feedback_note: str

    @staticmethod
    def resolve_date(obj):
        return obj.day


class EvaluationEntryIn(In):
    staff: Username = Field(..., description="a window clerk, or someone stationed that day (else 422)")
    attendance: Attendance = "present"
    attendance_note: Note = ""
    discipline: Discipline = "good"
    discipline_note: Note = ""
    conduct: Conduct = "good"
    conduct_note: Note = ""
    feedback: Feedback = "none"
    feedback_note: Note = ""


class EvaluationDayIn(In):
    date: dt.date
    entries: Annotated[list[EvaluationEntryIn], Field(min_length=1, max_length=500)]


class SavedOut(Schema):
    saved: int


class SummaryOut(Schema):
    staff: StaffRef
    subject_kind: Literal["window_clerk", "stationed"]
    period: str
    days: int
    attendance: dict[str, int]
    discipline: dict[str, int]
    conduct: dict[str, int]
    feedback: dict[str, int]


def _require_evaluation_reader(user):
    if not selectors.can_read_evaluations(user):
        raise PermissionDenied(
            _(
                "Only the Data Bureau's supervisor, the assessment office and department heads read evaluations."
            ),
            code="staffing.forbidden",
        )


MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


@router.get("/staffing/evaluations", response=list[EvaluationOut], summary="Daily evaluations (日常考评)")
@paginate(Page)
def list_evaluations(
    request,
    staff: Username | None = None,
    month: str | None = Query(None, pattern=MONTH, description="YYYY-MM"),
):
    _require_evaluation_reader(request.auth)
    return selectors.evaluations(request.auth, staff=staff or "", month=month or "")


@router.post("/staffing/evaluations", response=SavedOut, summary="Log a whole day's roster (supervisor)")
def record_evaluations(request, payload: EvaluationDayIn):
    """All-or-nothing: a bad row refuses the day, naming the row (`errors`)."""
    saved = services.record_day_evaluations(
        actor=request.auth, day=payload.date, entries=[e.dict() for e in payload.entries]
    )
    return {"saved": saved}


@router.get(
    "/staffing/evaluations/summary", response=list[SummaryOut], summary="A month's evaluations per person"
)
@paginate(Page)
def evaluation_summary(request, month: str = Query(..., pattern=MONTH, description="YYYY-MM")):
    _require_evaluation_reader(request.auth)
    staff_ids = selectors.evaluations(request.auth, month=month).values("staff_id")
    rows = selectors.monthly_evaluation_summary(period=month, region=request.auth.staff.organisation.region)
    allowed = set(staff_ids.values_list("staff_id", flat=True))
    return [row for row in rows if row["staff"].pk in allowed]
