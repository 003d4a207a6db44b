"""Reads of cases: the caller's scope, queues with warning levels, the case as the API shows it, the
public progress query and result verification (no personal data), and in-flight cases for handovers."""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.auth import get_user_model
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from onewindow.cases import clock as case_clock
from onewindow.cases import codes, transitions
from onewindow.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseEvent,
    CaseFile,
    CaseStatus,
    Extension,
    Result,
    Suspension,
)
from onewindow.catalogue.selectors import cached_guide, cached_subitem_by_id, implementer
from onewindow.core import clock, stamps
from onewindow.core.errors import InvalidInput, NotFound, RuleViolation
from onewindow.core.prepared import Prepared
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.core.validators import mask_id_number
from onewindow.org.models import Organisation
from onewindow.org.selectors import cached_organisation, cached_region, cached_window


def _with_related(qs: QuerySet[Case]) -> QuerySet[Case]:
    return qs.select_related(
        "region",
        "subitem",
        "guide",
        "authority",
        "decided_department",
        "window",
        "claimed_by",
        "result",
        "result__seal_organisation",
        "result__authority",  # result_summary shows it: one join, not a query per case of a page
    ).prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.select_related("organisation").order_by("at", "pk")),
        "suspensions",
        "extensions",
    )


def department_of(case: Case):
    """The department that works the case now (rule 3): the deciding one once decided, else the
    sub-item's implementer now; None during a gap in the catalogue's assignments."""
    if case.decided_department_id:
        return case.decided_department
    if not hasattr(case, "department_now") and hasattr(case, "department_id_now"):
        # Annotated by CaseQuerySet.with_department() (e.g. on the row an action locked): only its row.
        pk = case.department_id_now
        case.department_now = Organisation.objects.filter(pk=pk).first() if pk is not None else None
    if hasattr(case, "department_now"):  # attached once per action, or by selectors for a whole page
        return case.department_now
    try:
        return implementer(case.subitem_id)
    except RuleViolation:
        return None


def get_case(user, number: str) -> Case:
    """One case in the caller's scope, else NotFound (404): unknown and forbidden look alike.

    The scope is checked first on the bare table, then the detail is read by primary key: PostgreSQL
    plans the nine joins about 4 times faster on a key (≈3 ms) than under the scope's conditions.
    """
    found = get_in_scope(Case.objects.only("pk"), user, number=number)
    return _with_related(Case.objects.all()).get(pk=found.pk)


# A case's events for an action's answer, compiled once per process (core.prepared).
_EVENTS = Prepared(
    lambda case_id: (
        CaseEvent.objects.filter(case_id=case_id)
        .select_related("organisation")
        .defer("data")  # not in the answer: no JSON to decode
        .order_by("at", "pk")
    ),
    case_id=int,
)


# The columns of a case's events the row lock reads with it (cases.services._base._lock_columns).
EVENT_COLUMNS = (
    "id",
    "at",
    "action",
    "actor_name",
    "actor_full_name",
    "role",
    "organisation_id",
    "comment",
    "status_after",
)


class LockedEvent:
    """An event the row lock read, with what an answer shows of it (case_detail reads these attributes of
    a CaseEvent too): no model instance, of which an answer built fourteen a lifecycle."""

    __slots__ = (*EVENT_COLUMNS, "organisation")

    @property
    def pk(self) -> int:
        return self.id


def _utc(text: str | None) -> dt.datetime | None:
    """A moment as a JSON array from either engine gives it, in UTC (SQLite's are naive UTC)."""
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def events_of_locked(case: Case) -> list[LockedEvent]:
    """The events the row lock read (cases.services._base: `_events_json`), with their organisation from
    the process cache; `at` in UTC, as the database gives it."""
    raw = case.__dict__.get("_events_json")
    events = []
    for row in json.loads(raw) if raw else ():
        event = LockedEvent()
        for name, value in zip(EVENT_COLUMNS, row, strict=True):
            setattr(event, name, value)
        event.at = _utc(event.at)
        event.organisation = cached_organisation(event.organisation_id) if event.organisation_id else None
        events.append(event)
    return events


RESULT_COLUMNS = (
    "id",
    "number",
    "verification_code",
    "decision",
    "authority_id",
    "seal_id",
    "seal_name",
    "seal_organisation_id",
    "content_hash",
    "produced_at",
    "issued_at",
    "revoked",
)
_RESULT_FIELD_ORDER = [
    f.attname for f in Result._meta.concrete_fields if f.attname in {*RESULT_COLUMNS, "case_id"}
]


def result_of_locked(case: Case) -> Result | None:
    """The result the row lock read (cases.services._base: `_result_json`), without its content (read if
    asked), its organisations from the process cache; None when the case has none."""
    raw = case.__dict__.get("_result_json")
    if not raw:
        return None
    values = dict(zip(RESULT_COLUMNS, json.loads(raw), strict=True), case_id=case.pk)
    values["produced_at"], values["issued_at"] = _utc(values["produced_at"]), _utc(values["issued_at"])
    values["revoked"] = bool(values["revoked"])  # SQLite's JSON gives 0 or 1
    result = Result.from_db("default", list(values), [values[n] for n in _RESULT_FIELD_ORDER])
    Result.authority.field.set_cached_value(result, cached_organisation(result.authority_id))
    Result.seal_organisation.field.set_cached_value(result, cached_organisation(result.seal_organisation_id))
    Result.case.field.set_cached_value(result, case)
    return result


def action_answer(case: Case, *, actor=None, created: bool = False) -> dict:
    """The answer of an action or acceptance, built from the case its service locked (or inserted) and
    changed — region, sub-item, guide, authority, departments and window already loaded — plus the
    minimum reads: the events, the suspensions and extensions (none on a new case) and the result (only
    in a status that has one). No second scoped read: the service already checked the scope.
    """
    new_events = case.__dict__.get("_new_events") or []
    if created and new_events:  # a new case's events are the ones its acceptance just wrote
        events = sorted(new_events, key=lambda e: (e.at, e.pk))
        for event in events:
            event.at = event.at.astimezone(dt.UTC)
    elif "_events_json" in case.__dict__:  # read with the row lock: those before, and the action's own
        events = sorted(events_of_locked(case) + new_events, key=lambda e: (e.at, e.pk))
        for event in new_events:
            event.at = event.at.astimezone(dt.UTC)
    else:
        events = _EVENTS.all(case_id=case.pk)
    if created:
        suspensions, extensions = [], []
    else:  # none read when the lock saw there are none (services._base._lock); ordered by model Meta
        suspensions = list(case.suspensions.all())
        extensions = list(case.extensions.all())
    # As read back from the database: in UTC (a frozen test clock may carry the hall's offset).
    for name in ("received_at", "accepted_at", "decided_at", "issued_at"):
        if getattr(case, name) is not None:
            setattr(case, name, getattr(case, name).astimezone(dt.UTC))
    if case.claimed_by_id and actor is not None and case.claimed_by_id == actor.pk:
        case.claimed_by = actor  # else read when shown
    if case.status not in transitions.RESULT_STATUSES:
        Case.result.related.set_cached_value(case, None)
    elif not Case.result.is_cached(case):
        found = (
            Result.objects.select_related("authority", "seal_organisation").filter(case_id=case.pk).first()
        )
        Case.result.related.set_cached_value(case, found)
    else:
        result = case.result  # just produced by this action
        for name in ("produced_at", "issued_at"):
            if getattr(result, name) is not None:
                setattr(result, name, getattr(result, name).astimezone(dt.UTC))
    return case_detail(case, events=events, suspensions=suspensions, extensions=extensions)


def cases_for(
    user, *, status: str | None = None, department: str | None = None, level: str | None = None
) -> QuerySet[Case]:
    """The caller's cases (scope: region for hall clerks and the supervisor, own department otherwise)."""
    qs = in_scope(Case.objects.all(), user)
    if status:
        if status not in CaseStatus.values:
            message = _("One of: %(values)s") % {"values": ", ".join(CaseStatus.values)}
            raise InvalidInput(_("Unknown status."), code="case.unknown_status", errors={"status": [message]})
        qs = qs.filter(status=status)
    if department:
        organisation = Organisation.objects.filter(code=department).first()
        if organisation is None:
            return qs.none()
        qs = qs.of_department(organisation)
    if level:
        qs = filter_level(qs, level)
    # The most urgent first; cases not yet accepted (no due date) after them, on every database.
    return qs.with_department().order_by(F("due_date").asc(nulls_last=True), "received_at", "pk")


def attach_reference_data(case: Case) -> None:
    """Region, sub-item, guide, authority, deciding department and window from the process caches
    (core.stamps: the caller saw the stamp in this request or transaction)."""
    case.region = cached_region(case.region_id)
    case.subitem = cached_subitem_by_id(case.subitem_id)
    case.guide = cached_guide(case.guide_id)
    if case.authority_id:
        case.authority = cached_organisation(case.authority_id)
    if case.decided_department_id:
        case.decided_department = cached_organisation(case.decided_department_id)
    if case.window_id:
        case.window = cached_window(case.window_id)


def page_details(cases, *, today: dt.date | None = None) -> list[dict]:
    """The details (case_detail) of a page of `cases_for`: the page's rows alone, then its holders,
    results, events, suspensions and extensions in one query each; the reference data from the process
    caches. (Joining ten tables and prefetching per case cost PostgreSQL ~10x more to plan and Python a
    queryset per case and relation.)"""
    stamps.fresh()
    cases = list(cases)
    ids = [case.pk for case in cases]
    if not ids:
        return []
    by_case = {pk: {"events": [], "suspensions": [], "extensions": []} for pk in ids}
    for name, model, order in (
        ("events", CaseEvent, ("case_id", "at", "pk")),
        ("suspensions", Suspension, ("case_id", "started_at", "pk")),  # Meta's order within a case
        ("extensions", Extension, ("case_id", "granted_at", "pk")),
    ):
        rows = model.objects.filter(case_id__in=ids).order_by(*order)
        if model is CaseEvent:
            rows = rows.defer("data")  # not in the answer: no JSON to decode
        for row in rows:
            by_case[row.case_id][name].append(row)
    for event in (e for rows in by_case.values() for e in rows["events"]):
        organisation = cached_organisation(event.organisation_id) if event.organisation_id else None
        CaseEvent.organisation.field.set_cached_value(event, organisation)
    results = {r.case_id: r for r in Result.objects.filter(case_id__in=ids)}
    for result in results.values():
        result.authority = cached_organisation(result.authority_id)
        if result.seal_organisation_id:
            result.seal_organisation = cached_organisation(result.seal_organisation_id)
    holders = {c.claimed_by_id for c in cases} - {None}
    users = get_user_model().objects.only("id", "username").in_bulk(holders) if holders else {}
    details = []
    for case in cases:
        attach_reference_data(case)
        department_id = getattr(case, "department_id_now", None)
        case.department_now = cached_organisation(department_id) if department_id else None
        if case.claimed_by_id:
            Case.claimed_by.field.set_cached_value(case, users.get(case.claimed_by_id))
        Case.result.related.set_cached_value(case, results.get(case.pk))
        details.append(case_detail(case, today=today, **by_case[case.pk]))
    return details


def filter_level(qs: QuerySet[Case], level: str, *, today: dt.date | None = None) -> QuerySet[Case]:
    """Cases whose clock shows `level` today, in SQL over the stored due dates (see `level_condition`)."""
    if level not in case_clock.LEVELS:
        message = _("One of: %(values)s") % {"values": ", ".join(case_clock.LEVELS)}
        raise InvalidInput(_("Unknown level."), code="case.unknown_level", errors={"level": [message]})
    return qs.filter(level_condition(level, today=today))


def level_condition(level: str, *, today: dt.date | None = None) -> Q:
    """The SQL condition of a level today (also for counts that aggregate several levels):
    cases.clock.level_filter, the same definition the clock of each case uses, with each region's
    working days."""
    today = today or clock.today()
    return case_clock.level_filter(level, today=today)


def in_flight_cases(subitem_ids, user) -> QuerySet[Case]:
    """Open cases of these sub-items in `user`'s scope (for a handover's impact preview): they move to the
    receiving department at the effective time and keep their authority and seal (rules 2, 3)."""
    return (
        in_scope(Case.objects.all(), user)
        .filter(subitem_id__in=list(subitem_ids), status__in=OPEN_STATUSES)
        .select_related("subitem", "authority")
        .order_by("subitem_id", "received_at")
    )


def _org(organisation) -> dict | None:
    return {"code": organisation.code, "name": organisation.name} if organisation is not None else None


def result_summary(result: Result | None) -> dict | None:
    if result is None:
        return None
    return {
        "number": result.number,
        "verification_code": result.verification_code,
        "decision": result.decision,
        "seal": {
            "id": result.seal_id,
            "name": result.seal_name,
            "organisation": _org(result.seal_organisation),
        },
        "authority": _org(result.authority),
        "content_hash": result.content_hash,
        "produced_at": result.produced_at,
        "issued_at": result.issued_at,
        "revoked": result.revoked,
    }


def _result_of(case: Case) -> Result | None:
    try:
        return case.result
    except Result.DoesNotExist:
        return None


def _issue_of(case: Case) -> dict | None:
    """How the result was handed out (null until it is); the agent's ID masked like the applicant's."""
    if not case.issue_method:
        return None
    return {
        "method": case.issue_method,
        "recipient": case.issue_recipient or None,
        "recipient_kind": case.issue_recipient_kind or None,
        "recipient_id_number": mask_id_number(case.issue_recipient_id_number)
        if case.issue_recipient_id_number
        else None,
        "address": case.issue_address or None,
        "carrier": case.issue_carrier or None,
        "tracking_number": case.issue_tracking_number or None,
    }


def case_detail(
    case: Case, *, today: dt.date | None = None, events=None, suspensions=None, extensions=None
) -> dict:
    """The case as CONTRACT.md shows it, plus what the desks need (materials, clock breakdown, issuance).

    `events`, `suspensions` and `extensions` default to the case's (prefetched or read now).
    """
    events = list(case.events.all()) if events is None else events
    suspensions = list(case.suspensions.all()) if suspensions is None else suspensions
    extensions = list(case.extensions.all()) if extensions is None else extensions
    computed = case_clock.case_clock(case, today=today, suspensions=suspensions, extensions=extensions)
    issuance = case_clock.issuance_clock(case, today=today)
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "closure": case.closure or None,
        "version": case.version,
        "subitem": {"code": case.subitem.code, "name": case.subitem.name},
        "guide_version": case.guide.version,
        "applicant": {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_number": mask_id_number(case.applicant_id_number),
        },
        "authority": _org(case.authority),
        "department": _org(department_of(case)),
        "window": case.window.number if case.window_id else None,
        "received_at": case.received_at,
        "accepted_at": case.accepted_at,
        "due_date": computed.due_date if case.accepted_at else None,
        "clock": computed.as_dict(),
        "issuance_clock": issuance.as_dict() if issuance else None,
        "materials": list(case.materials),
        "missing_materials": list(case.missing_materials),
        "supplement_note": case.supplement_note,
        "deferred_materials": list(case.deferred_materials),
        "top_up_deadline": case.top_up_deadline,
        "claimed_by": case.claimed_by.username if case.claimed_by_id else None,
        "decision": case.decision or None,
        "decision_reason": case.decision_reason,
        "decided_at": case.decided_at,
        "issued_at": case.issued_at,
        "issue_method": case.issue_method or None,
        "particulars": dict(case.result_particulars) if case.result_particulars else None,
        "issue": _issue_of(case),
        "result": result_summary(_result_of(case)),
        "suspensions": [
            {
                "procedure": s.procedure,
                "reason": s.reason,
                "planned_days": s.planned_days,
                "participants": s.participants,
                "started_on": s.started_on,
                "ended_on": s.ended_on,
                "outcome": s.outcome,
            }
            for s in suspensions
        ],
        "extensions": [{"days": e.days, "reason": e.reason, "granted_at": e.granted_at} for e in extensions],
        "events": [
            {
                "at": e.at,
                "action": e.action,
                "actor": e.actor_name,
                "actor_name": e.actor_full_name,
                "role": e.role,
                "organisation": e.organisation.code if e.organisation_id else None,
                "organisation_name": e.organisation.name if e.organisation_id else None,
                "comment": e.comment,
                "status": e.status_after or None,
            }
            for e in events
        ],
    }


# --------------------------------------------------------------------------------------------------
# The electronic case file (scans of the materials; services in cases.case_files)
# --------------------------------------------------------------------------------------------------


def case_files(user, number: str) -> QuerySet[CaseFile]:
    """Every scan of a case in the caller's scope (404 otherwise), by material, the newest first."""
    case = get_in_scope(Case.objects.only("pk"), user, number=number)
    return (
        CaseFile.objects.filter(case_id=case.pk)
        .select_related("uploaded_by__staff", "replaced_by")
        .order_by("material", "-uploaded_at", "-pk")
    )


def get_case_file(user, file_id, *, number: str | None = None) -> CaseFile:
    """One scan whose case the caller may see (and of that case, when `number` is given), else 404."""
    lookup = {"pk": file_id} if number is None else {"pk": file_id, "case__number": number}
    return get_in_scope(CaseFile.objects.select_related("case"), user, **lookup)


def case_file_summary(f: CaseFile) -> dict:
    """A scan as the API lists it (CONTRACT.md's fields first)."""
    from django.urls import reverse

    try:
        replaced_by = f.replaced_by.pk
    except CaseFile.DoesNotExist:
        replaced_by = None
    return {
        "id": f.pk,
        "material": f.material,
        "name": f.name,
        "content_type": f.content_type,
        "size": f.size,
        "sm3": f.sm3,
        "uploaded_at": f.uploaded_at,
        "version": f.version,
        "replaces": f.replaces_id,
        "replaced_by": replaced_by,
        "uploaded_by": f.uploaded_by.username,
        "url": reverse("api:case_file", kwargs={"file_id": f.pk}),
    }


# --------------------------------------------------------------------------------------------------
# Public, login-free: progress and verification (no personal data)
# --------------------------------------------------------------------------------------------------

# What the applicant sees of each event (internal steps such as reminders are left out).
PUBLIC_STEPS = {
    "request_supplement": gettext_noop("Supplement requested (one complete list)"),
    "supplement": gettext_noop("Materials handed in"),
    "accept": gettext_noop("Accepted"),
    "routed": gettext_noop("Sent to the department for review"),
    "claim": gettext_noop("In review"),
    "suspend": gettext_noop("Special procedure started"),
    "resume": gettext_noop("Special procedure ended"),
    "extend": gettext_noop("Time limit extended"),
    "return": gettext_noop("Returned to the window"),
    "decide": gettext_noop("Decided"),
    "produce_result": gettext_noop("Result ready at the issuing window"),
    "issue": gettext_noop("Result handed out"),
    "reject": gettext_noop("Not accepted"),
    "withdraw": gettext_noop("Withdrawn"),
    "deferral_expired": gettext_noop("Ended: deferred materials not handed in"),
}


def _step_label(action: str) -> str:
    return _(PUBLIC_STEPS[action])


# What the applicant has to do (or can expect) next, by status: shown on the public progress page and sent
# in the applicant's text message of the step that led there (the messaging app), so both say the same.
NEXT_STEP_HINTS = {
    CaseStatus.SUPPLEMENT_REQUESTED: gettext_noop(
        "Please bring the materials listed in the one-time supplement notice to any comprehensive window."
    ),
    CaseStatus.ACCEPTED: gettext_noop(
        "It is due to be completed by %(due)s; check its progress online with the case number and the "
        "last four digits of your phone."
    ),
    CaseStatus.SUSPENDED: gettext_noop(
        "The time the special procedure takes does not count towards the time limit (Administrative "
        "Licensing Law art. 45); check its progress online."
    ),
    CaseStatus.RESULT_READY: gettext_noop(
        "Your result is ready: collect it at the unified issuing window with your ID, or wait for it by "
        "mail if you chose mail."
    ),
    CaseStatus.ISSUED: gettext_noop("Thank you; you may rate our service on the progress page."),
}


def next_step_hint(status: str, due_date=None) -> str:
    """The applicant's next step in `status` ('' when there is none to tell)."""
    hint = NEXT_STEP_HINTS.get(status)
    return _(hint) % {"due": due_date.isoformat() if due_date else "—"} if hint else ""


def applicant_case(number: str, check: str, queryset=None) -> Case:
    """The case a number + the last 4 digits of the applicant's phone name; anything wrong is 404
    (the one check of every login-free look-up: the progress page, the 好差评 rating)."""
    queryset = Case.objects.all() if queryset is None else queryset
    case = queryset.filter(number=str(number)[:24]).first()
    check = (check or "").strip()
    if case is None or len(check) != 4 or not case.applicant_phone.endswith(check):
        raise NotFound(_("No case with this number and check digits."), code="not_found")
    return case


def public_case(number: str, check: str) -> dict:
    """Progress by case number + the last 4 digits of the applicant's phone; anything wrong is 404."""
    case = applicant_case(
        number,
        check,
        Case.objects.select_related("subitem", "guide", "region", "decided_department").prefetch_related(
            "suspensions", "extensions"
        ),
    )
    computed = case_clock.case_clock(case)
    department = department_of(case)
    events = CaseEvent.objects.filter(case=case, action__in=list(PUBLIC_STEPS)).order_by("at", "pk")
    return {
        "number": case.number,
        "status": case.status,
        "status_label": str(CaseStatus(case.status).label),
        "subitem": {"code": case.subitem.code, "name": case.subitem.name},
        "department": {"name": department.name} if department else None,
        "accepted_on": clock.local_date(case.accepted_at) if case.accepted_at else None,
        "due_date": computed.due_date,
        "provisional": computed.provisional,
        "missing_materials": [
            {"code": m.code, "name": m.name}
            for m in case.guide.materials.all()
            if m.code in case.missing_materials
        ],
        "steps": [{"at": e.at, "step": e.action, "label": _step_label(e.action)} for e in events],
        "next_step": next_step_hint(case.status, computed.due_date),
    }


def result_by_code(code: str) -> Result | None:
    """The result a typed verification code names, or None: the page and the API read codes alike."""
    forms = codes.stored_forms(code)
    if not forms:
        return None
    found = {
        r.verification_code: r
        for r in Result.objects.select_related("authority", "seal_organisation", "case__subitem").filter(
            verification_code__in=forms
        )
    }
    return next((found[form] for form in forms if form in found), None)


def verify_result(code: str) -> dict:
    """Whether a result is genuine, by its verification code; an unknown code is 404."""
    result = result_by_code(code)
    if result is None:
        raise NotFound(_("No result with this verification code."), code="not_found")
    return {
        "genuine": not result.revoked,
        "number": result.number,
        "authority": _org(result.authority),
        "seal": {
            "id": result.seal_id,
            "name": result.seal_name,
            "organisation": _org(result.seal_organisation),
        },
        "issued_at": result.issued_at,
        "produced_at": result.produced_at,
        "decision": result.decision,
        "subitem": {"code": result.case.subitem.code, "name": result.case.subitem.name},
        "content_hash": result.content_hash,
        "revoked": result.revoked,
    }


# --------------------------------------------------------------------------------------------------
# For the apps above (supervision's board and warnings): open cases across the region, not scoped
# --------------------------------------------------------------------------------------------------


def open_cases(*, region=None) -> QuerySet[Case]:
    """Every open case (the supervisor's case list with its default `status=open`) with its working
    department annotated (`department_id_now`, rule 3); not scoped: the caller checks who may see the
    figures it derives. Filter by level with `level_condition`, by department with `.of_department()`."""
    qs = Case.objects.filter(status__in=OPEN_STATUSES)
    if region is not None:
        qs = qs.filter(region=region)
    return qs.with_department()


def open_cases_by_index(*, region) -> QuerySet[Case]:
    """The open cases of `region`, reached through the (region, status) index, for grouped counts: as
    `pk IN (ids from that index)`, because SQLite's planner cannot tell that open cases are few among
    millions and would otherwise scan the table along the grouped column's index."""
    ids = Case.objects.filter(region=region, status__in=OPEN_STATUSES).values("pk")
    return Case.objects.filter(pk__in=ids)


def awaiting_issuance(*, region=None) -> QuerySet[Case]:
    """Decided cases whose result has not reached the applicant yet (the art. 44 clock runs)."""
    return open_cases(region=region).filter(
        decided_at__isnull=False, status__in=[CaseStatus.DECIDED, CaseStatus.RESULT_READY]
    )


def issuance_level_condition(level: str, *, today: dt.date | None = None) -> Q:
    """The art. 44 level of `awaiting_issuance` cases today, in SQL (cases.clock.issuance_level_filter)."""
    return case_clock.issuance_level_filter(level, today=today or clock.today())


# Work per person and department over a period (the assessment reads these; one grouped query each)
# --------------------------------------------------------------------------------------------------

# What a person or department did to a case, and when: (who column, time column).
WORK = {
    "accepted": ("accepted_by_id", "accepted_at"),
    "issued": ("issued_by_id", "issued_at"),
    "decided": ("decided_by_id", "decided_at"),
    "decided_by_department": ("decided_department_id", "decided_at"),
}


def work_cases(what: str, *, region, start: dt.datetime, end: dt.datetime, who=None) -> QuerySet[Case]:
    """Cases whose `what` (accepted, issued, decided, decided_by_department) happened in [start, end),
    of the one person or department `who` (an id) when given; annotated `decided_on` (the hall's day)."""
    from django.db.models.functions import TruncDate
    from django.utils import timezone

    who_column, at_column = WORK[what]
    qs = Case.objects.filter(region=region, **{f"{at_column}__gte": start, f"{at_column}__lt": end})
    if who is not None:
        qs = qs.filter(**{who_column: who})
    return qs.annotate(decided_on=TruncDate("decided_at", tzinfo=timezone.get_current_timezone()))


def late_decision() -> Q:
    """A decision after the case's due date (on `work_cases`): the clock's overdue, for a decided case."""
    return Q(decided_on__gt=F("due_date"))


def work_counts(what: str, *, region, start: dt.datetime, end: dt.datetime) -> dict[int, dict]:
    """{who id: {total, late}} of `work_cases` (late: only meaningful for decisions)."""
    from django.db.models import Count

    who_column, _at = WORK[what]
    rows = (
        work_cases(what, region=region, start=start, end=end)
        .exclude(**{f"{who_column}__isnull": True})
        .order_by()
        .values(who_column)
        .annotate(total=Count("pk"), late=Count("pk", filter=late_decision()))
    )
    return {row[who_column]: {"total": row["total"], "late": row["late"]} for row in rows}


def returns_to_window(*, region, start: dt.datetime, end: dt.datetime, clerk=None) -> QuerySet[CaseEvent]:
    """The back office's returns to the window (materials found short after acceptance) in [start, end):
    each counts against the clerk who accepted the case (`case__accepted_by`)."""
    qs = CaseEvent.objects.filter(
        action=transitions.RETURN, at__gte=start, at__lt=end, case__region=region
    ).select_related("case")
    if clerk is not None:
        qs = qs.filter(case__accepted_by_id=clerk)
    return qs


def returns_per_clerk(*, region, start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    from django.db.models import Count

    rows = (
        returns_to_window(region=region, start=start, end=end)
        .exclude(case__accepted_by__isnull=True)
        .order_by()
        .values("case__accepted_by_id")
        .annotate(n=Count("pk"))
    )
    return {row["case__accepted_by_id"]: row["n"] for row in rows}
