"""Every write on a case: one transaction each, with the row lock, the version check, the CaseEvent and
the audit entry; what is allowed when, and for whom, comes from cases.transitions.TABLE only.

Refusals follow CONTRACT.md's order: 404 (outside the caller's scope), 403 (role), 409 (state or
stale version), 422 (business rule); a refused action changes nothing.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import (
    CLOCK_STATUSES,
    OPEN_STATUSES,
    ApplicantKind,
    Case,
    CaseEvent,
    CaseSerial,
    CaseStatus,
    Closure,
    Decision,
    Extension,
    IssueMethod,
    Reminder,
    Result,
    Suspension,
)
from onewindow.catalogue.models import SpecialProcedure, SubItem
from onewindow.catalogue.selectors import current_guide, implementer
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from onewindow.core.scoping import in_scope
from onewindow.core.validators import validate_credit_code, validate_phone, validate_resident_id
from onewindow.org import roles as r
from onewindow.org.models import Notification, Organisation, Window, WindowKind
from onewindow.org.selectors import audit_context
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

logger = logging.getLogger(__name__)

SYSTEM = "system"
# Default working days to hand in deferred materials (容缺), never beyond the promised limit.
DEFAULT_TOP_UP_DAYS = 5


# --------------------------------------------------------------------------------------------------
# Helpers: who acts, events, audit, numbers
# --------------------------------------------------------------------------------------------------


def _staff(actor):
    return getattr(actor, "staff", None) if actor is not None else None


def _organisation(actor):
    staff = _staff(actor)
    return staff.organisation if staff is not None else None


def _event(case: Case, *, action: str, actor, role: str, comment: str = "", data=None, organisation=None):
    staff = _staff(actor)
    return CaseEvent.objects.create(
        case=case,
        at=clock.now(),
        action=action,
        actor=actor,
        actor_name=getattr(actor, "username", None) or SYSTEM,
        actor_full_name=staff.full_name if staff is not None else "",
        role=role,
        organisation=organisation or (staff.organisation if staff is not None else None),
        comment=comment or "",
        status_after=case.status,
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
    )


def _audit(case: Case, *, action: str, actor, role: str, detail: dict | None = None) -> None:
    organisation = _organisation(actor)
    audit.record(
        action=f"cases.{action}",
        actor=actor,
        **audit_context(
            actor, organisation=organisation.code if organisation else "", region=case.region.code
        ),
        role=role,
        obj=case,
        object_id=case.number,
        detail={"number": case.number, "status": case.status, "version": case.version, **(detail or {})},
    )


def _next_serial(region, scope: str, key: str) -> int:
    """Draw the next number of (region, scope, key) under a row lock: unique under any concurrency."""
    row = CaseSerial.objects.select_for_update().filter(region=region, scope=scope, key=key).first()
    if row is None:
        try:
            with transaction.atomic():
                CaseSerial.objects.create(region=region, scope=scope, key=key, last=0)
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        row = CaseSerial.objects.select_for_update().get(region=region, scope=scope, key=key)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def case_number(region, day: dt.date, serial: int) -> str:
    """Region code + YYYYMMDD + 5-digit serial of that day, e.g. 2103002024092700001."""
    return f"{region.code}{day:%Y%m%d}{serial:05d}"


def new_verification_code() -> str:
    """16 base32 characters: 80 random bits, unguessable, easy to type from paper."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii")


def _required(value, field: str, message) -> str:
    value = str(value or "").strip()
    if not value:
        raise InvalidInput(message, code=f"case.{field}_required", errors={field: [message]})
    return value


def _save(case: Case, *, action: str, actor, role: str, comment: str = "", data=None, organisation=None):
    """Bump the version, save, write the event and the audit entry (inside the caller's transaction)."""
    case.version += 1
    case.updated_at = clock.now()
    case.save()
    _event(case, action=action, actor=actor, role=role, comment=comment, data=data, organisation=organisation)
    _audit(case, action=action, actor=actor, role=role, detail={"comment": comment[:200], **(data or {})})
    return case


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


# --------------------------------------------------------------------------------------------------
# Acceptance at the window
# --------------------------------------------------------------------------------------------------


def _validate_applicant(applicant: dict) -> dict:
    errors: dict[str, list[str]] = {}
    kind = (applicant.get("kind") or "").strip()
    name = (applicant.get("name") or "").strip()
    id_number = (applicant.get("id_number") or "").strip().upper()
    phone = (applicant.get("phone") or "").strip()
    if kind not in ApplicantKind.values:
        errors["applicant.kind"] = [_("The applicant is a person or an organisation.")]
    if not name:
        errors["applicant.name"] = [_("The applicant's name is required.")]
    elif len(name) > 200:
        errors["applicant.name"] = [_("At most 200 characters.")]
    validator = validate_resident_id if kind == ApplicantKind.PERSON else validate_credit_code
    if kind in ApplicantKind.values:
        try:
            validator(id_number)
        except ValidationError as exc:
            errors["applicant.id_number"] = list(exc.messages)
    try:
        validate_phone(phone)
    except ValidationError as exc:
        errors["applicant.phone"] = list(exc.messages)
    if errors:
        raise InvalidInput(
            _("The applicant's details are not valid."), code="case.invalid_applicant", errors=errors
        )
    return {"kind": kind, "name": name, "id_number": id_number, "phone": phone}


def _clean_codes(codes, field: str, known: set[str]) -> list[str]:
    if codes is None:
        return []
    if isinstance(codes, str) or not isinstance(codes, Iterable):
        raise InvalidInput(
            _("A list of material codes is expected."), code="case.invalid_materials", errors={field: []}
        )
    cleaned = []
    for code in codes:
        code = str(code).strip()
        if code and code not in cleaned:
            cleaned.append(code)
    unknown = [c for c in cleaned if c not in known]
    if unknown:
        message = _("Not materials of this service guide: %(codes)s") % {"codes": ", ".join(unknown)}
        raise InvalidInput(message, code="case.unknown_materials", errors={field: [message]})
    return cleaned


def _missing(guide, received: Iterable[str]) -> list[str]:
    """Required materials of the pinned guide not received: the one complete list (一次性告知)."""
    received = set(received)
    return [m.code for m in guide.materials.all() if m.required and m.code not in received]


def _fingerprint(**fields) -> str:
    return hashlib.sha256(
        json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def _acceptance_window(actor, window):
    if window is None:
        staff = _staff(actor)
        window = staff.window if staff is not None else None
        if window is not None and window.kind != WindowKind.ACCEPTANCE:
            window = None
        return window
    if not isinstance(window, Window):
        found = Window.objects.filter(number=str(window), kind=WindowKind.ACCEPTANCE, active=True).first()
        if found is None:
            message = _("Unknown comprehensive acceptance window %(window)s.") % {"window": window}
            raise InvalidInput(message, code="case.unknown_window", errors={"window": [message]})
        window = found
    if window.kind != WindowKind.ACCEPTANCE:
        raise RuleViolation(
            _("Applications are accepted at comprehensive acceptance windows."), code="case.window_kind"
        )
    return window


def _accept_now(case: Case, *, actor, role: str, top_up_days: int | None = None) -> None:
    """Mark `case` accepted now: pin the authority (first acceptance only), start the clock, route it."""
    now = clock.now()
    if case.authority_id is None:
        case.authority = implementer(case.subitem_id, now)  # rule 2: pinned at acceptance
        case.department_now = case.authority  # rule 3: today's implementer works it (asked once)
    case.accepted_at = now
    case.accepted_by = actor
    case.status = CaseStatus.ACCEPTED
    case.missing_materials = []
    case.supplement_note = ""
    if case.deferred_materials:
        promised = case.guide.promised_days
        days = min(DEFAULT_TOP_UP_DAYS, promised) if top_up_days is None else int(top_up_days)
        if days < 1 or days > promised:
            message = _("The top-up deadline must be 1 to %(days)s working days (the promised limit).") % {
                "days": promised
            }
            raise RuleViolation(message, code="case.top_up_days", errors={"top_up_days": [message]})
        case.top_up_deadline = arithmetic.add_workdays(clock.local_date(now), days, region=case.region)
    case_clock.refresh_due_dates(case, suspensions=[], extensions=[])


def accept(
    *,
    actor,
    subitem,
    applicant: dict,
    materials: Iterable[str],
    idempotency_key: str = "",
    deferred_materials: Iterable[str] = (),
    commitment: str = "",
    top_up_days: int | None = None,
    window=None,
) -> tuple[Case, bool]:
    """POST /cases: formal review at any comprehensive window against the published guide version.

    All required materials → `accepted` and routed to today's implementer; some missing → one complete
    list and `supplement_requested`; deferrable missing materials with a written commitment → accepted
    with a top-up deadline (容缺受理). Returns (case, created): the same Idempotency-Key of the same
    clerk returns the case it created (created False).
    """
    if not r.has_role(actor, *t.ACCEPT_ROLES):
        raise PermissionDenied(_("Only a window clerk accepts applications."), code="case.role_forbidden")
    staff = _staff(actor)
    if staff is None:
        raise PermissionDenied(_("Only a window clerk accepts applications."), code="case.role_forbidden")
    key = (idempotency_key or "").strip()[:100]
    subitem_code = subitem.code if isinstance(subitem, SubItem) else str(subitem or "").strip()
    fingerprint = _fingerprint(
        subitem=subitem_code,
        applicant=applicant,
        materials=sorted(materials or []),
        deferred=sorted(deferred_materials or []),
        commitment=commitment,
    )
    if key:
        existing = _existing_for_key(actor, key, fingerprint)
        if existing is not None:
            return existing, False

    person = _validate_applicant(applicant or {})
    found = subitem if isinstance(subitem, SubItem) else SubItem.objects.filter(code=subitem_code).first()
    if found is None:
        message = _("Unknown sub-item %(code)s.") % {"code": subitem_code}
        raise InvalidInput(message, code="case.unknown_subitem", errors={"subitem": [message]})
    subitem = found
    window = _acceptance_window(actor, window)
    guide = current_guide(subitem)
    known = {m.code for m in guide.materials.all()}
    received = _clean_codes(materials, "materials", known)
    deferred = _clean_codes(deferred_materials, "deferred_materials", known)
    missing = _missing(guide, received)
    if deferred:
        _check_deferral(guide, deferred, missing, commitment)
    still_missing = [c for c in missing if c not in deferred]

    try:
        with transaction.atomic():
            now = clock.now()
            case = Case(
                region=subitem.region,
                status=CaseStatus.SUPPLEMENT_REQUESTED,
                subitem=subitem,
                guide=guide,
                window=window,
                created_by=actor,
                received_at=now,
                idempotency_key=key,
                request_fingerprint=fingerprint if key else "",
                applicant_kind=person["kind"],
                applicant_name=person["name"],
                applicant_id_number=person["id_number"],
                applicant_phone=person["phone"],
                materials=received,
                missing_materials=still_missing,
                deferred_materials=[] if still_missing else [c for c in missing if c in deferred],
                commitment=(commitment or "").strip() if not still_missing and deferred else "",
                updated_at=now,
            )
            if not still_missing:
                _accept_now(case, actor=actor, role=r.WINDOW_CLERK, top_up_days=top_up_days)
            # The day's counter of the region is locked only now, just before the insert: acceptances of
            # the region queue on it for the insert, events and audit entry, not for the reads above.
            day = clock.today()
            case.number = case_number(
                subitem.region, day, _next_serial(subitem.region, "case", f"{day:%Y%m%d}")
            )
            case.save(force_insert=True)
            if still_missing:
                _event(
                    case,
                    action="request_supplement",
                    actor=actor,
                    role=r.WINDOW_CLERK,
                    comment=_("Materials missing: %(codes)s") % {"codes": ", ".join(still_missing)},
                    data={"received": received, "missing": still_missing},
                )
                _audit(
                    case,
                    action="request_supplement",
                    actor=actor,
                    role=r.WINDOW_CLERK,
                    detail={"missing": still_missing},
                )
            else:
                _record_acceptance(case, actor=actor, role=r.WINDOW_CLERK, received=received)
    except IntegrityError:
        if key:
            existing = _existing_for_key(actor, key, fingerprint)
            if existing is not None:
                return existing, False
        raise
    return case, True


def _existing_for_key(actor, key: str, fingerprint: str) -> Case | None:
    existing = Case.objects.filter(created_by=actor, idempotency_key=key).first()
    if existing is not None and existing.request_fingerprint and existing.request_fingerprint != fingerprint:
        raise RuleViolation(
            _("This Idempotency-Key was already used for a different application."),
            code="case.idempotency_mismatch",
        )
    return existing


def _check_deferral(guide, deferred: list[str], missing: list[str], commitment: str) -> None:
    materials = {m.code: m for m in guide.materials.all()}
    not_deferrable = [c for c in deferred if not materials[c].deferrable]
    if not_deferrable:
        message = _("These materials cannot be handed in later: %(codes)s") % {
            "codes": ", ".join(not_deferrable)
        }
        raise RuleViolation(message, code="case.not_deferrable", errors={"deferred_materials": [message]})
    if guide.promised_days < 1:
        message = _("An instant item cannot be accepted with materials to hand in later.")
        raise RuleViolation(
            message, code="case.instant_not_deferrable", errors={"deferred_materials": [message]}
        )
    if any(c in missing for c in deferred) and not (commitment or "").strip():
        message = _("Accepting with deferred materials needs the applicant's written commitment.")
        raise InvalidInput(message, code="case.commitment_required", errors={"commitment": [message]})


def _record_acceptance(case: Case, *, actor, role: str, received: list[str]) -> None:
    """The events of an acceptance: accepted (受理) and routed by category (分类转办) to the department."""
    department = department_of(case)
    data = {
        "received": received,
        "authority": case.authority.code,
        "due_date": case.due_date,
    }
    if case.deferred_materials:
        data.update({"deferred": case.deferred_materials, "top_up_deadline": case.top_up_deadline})
    _event(case, action="accept", actor=actor, role=role, data=data)
    _event(
        case,
        action="routed",
        actor=None,
        role="",
        organisation=department,
        comment=_("Routed to %(department)s.") % {"department": department.name if department else "—"},
        data={"department": department.code if department else None},
    )
    _audit(case, action="accept", actor=actor, role=role, detail=data)


# --------------------------------------------------------------------------------------------------
# Actions on an existing case
# --------------------------------------------------------------------------------------------------


def _lock(actor, case) -> Case:
    """The case within the actor's scope (else 404), locked for the rest of the transaction (one query)."""
    number = case.number if isinstance(case, Case) else str(case)
    qs = (
        Case.objects.select_for_update(of=("self",))
        .select_related("region", "subitem", "guide", "authority", "decided_department", "window")
        .with_department()  # the working department, asked once in the same query (see department_of)
    )
    try:
        locked = in_scope(qs, actor).get(number=number)
    except Case.DoesNotExist:
        raise NotFound(_("Not found, or outside your scope."), code="not_found") from None
    organisation = _organisation(actor)
    if organisation is not None and locked.department_id_now == organisation.pk:
        locked.department_now = organisation  # the actor's own department: no read
    return locked


def _begin(actor, case, action: str, version) -> tuple[Case, str, t.Transition]:
    locked = _lock(actor, case)
    role, transition = t.authorize(locked.status, action, r.roles_of(actor))
    # For department staff the scope (CaseQuerySet.visible_to) already limits them to their department's
    # cases; a user who also holds a region-wide role is checked here.
    if role in r.DEPARTMENT_ROLES and r.has_role(actor, r.WINDOW_CLERK, r.ISSUING_CLERK, r.SUPERVISOR):
        department = department_of(locked)
        organisation = _organisation(actor)
        if department is None or organisation is None or organisation.pk != department.pk:
            raise PermissionDenied(
                _("Only the department that works this case may do this."), code="case.other_department"
            )
    if version is None or int(version) != locked.version:
        raise Conflict(
            _("The case changed meanwhile (version %(current)s, you sent %(sent)s); reload it and try again.")
            % {"current": locked.version, "sent": version},
            code="case.stale_version",
        )
    return locked, role, transition


def supplement(*, actor, case, version: int, materials: Iterable[str] | None = None) -> Case:
    """Materials handed in at the window: completes a supplement request (→ accepted, the clock starts),
    or tops up deferred materials of an accepted case (容缺)."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.SUPPLEMENT, version)
        if materials is None:
            _missing_field("materials")
        known = {m.code for m in case.guide.materials.all()}
        handed_in = _clean_codes(materials, "materials", known)
        received = case.materials + [c for c in handed_in if c not in case.materials]
        if case.status == CaseStatus.SUPPLEMENT_REQUESTED:
            case.materials = received
            missing = _missing(case.guide, received)
            if missing:
                case.missing_materials = missing
                return _save(
                    case,
                    action="supplement",
                    actor=actor,
                    role=role,
                    comment=_("Materials still missing: %(codes)s") % {"codes": ", ".join(missing)},
                    data={"handed_in": handed_in, "missing": missing},
                )
            _accept_now(case, actor=actor, role=role)
            case.version += 1
            case.updated_at = clock.now()
            case.save()
            _event(case, action="supplement", actor=actor, role=role, data={"handed_in": handed_in})
            _record_acceptance(case, actor=actor, role=role, received=received)
            return case
        if not case.deferred_materials:
            raise Conflict(_("No materials are outstanding on this case."), code="case.nothing_outstanding")
        case.materials = received
        case.deferred_materials = [c for c in case.deferred_materials if c not in handed_in]
        return _save(
            case,
            action="supplement",
            actor=actor,
            role=role,
            data={"handed_in": handed_in, "still_deferred": case.deferred_materials},
        )


def _close_open_suspension(case: Case, *, actor, outcome: str) -> Suspension | None:
    open_one = case.suspensions.select_for_update().filter(ended_at__isnull=True).first()
    if open_one is not None:
        now = clock.now()
        open_one.ended_at = now
        open_one.ended_on = clock.local_date(now)
        open_one.ended_by = actor
        open_one.outcome = outcome
        open_one.save()
    return open_one


def _end(
    case: Case, *, status: str, closure: str, actor, role: str, action: str, reason: str, data=None
) -> Case:
    if case.status == CaseStatus.SUSPENDED:
        _close_open_suspension(case, actor=actor, outcome=reason or Closure(closure).label)
    case.status = status
    case.closure = closure
    case.ended_at = clock.now()
    return _save(case, action=action, actor=actor, role=role, comment=reason, data=data)


def reject(*, actor, case, version: int, reason: str | None = None) -> Case:
    """不予受理 at the window, with the reason the rejection notice states."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.REJECT, version)
        reason = _required(reason, "reason", _("A reason is required."))
        return _end(
            case,
            status=CaseStatus.REJECTED,
            closure=Closure.REJECTED,
            actor=actor,
            role=role,
            action="reject",
            reason=reason,
        )


def withdraw(*, actor, case, version: int, reason: str | None = "") -> Case:
    """The applicant withdraws the application (recorded at the window); any special procedure ends."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.WITHDRAW, version)
        return _end(
            case,
            status=CaseStatus.WITHDRAWN,
            closure=Closure.WITHDRAWN,
            actor=actor,
            role=role,
            action="withdraw",
            reason=(reason or "").strip(),
        )


def claim(*, actor, case, version: int) -> Case:
    """An approver of the case's department takes it (or takes it over) for review."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.CLAIM, version)
        previous = case.claimed_by.username if case.claimed_by_id else None
        case.claimed_by = actor
        case.status = CaseStatus.IN_REVIEW
        return _save(
            case, action="claim", actor=actor, role=role, data={"previous": previous} if previous else None
        )


def suspend(
    *,
    actor,
    case,
    version: int,
    procedure: str | None = None,
    reason: str | None = None,
    planned_days: int | None = None,
    participants: Iterable[str] | None = (),
) -> Case:
    """Start a special procedure the sub-item allows (art. 45): the clock stops after today."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.SUSPEND, version)
        if procedure not in SpecialProcedure.values:
            message = _("One of: %(codes)s") % {"codes": ", ".join(SpecialProcedure.values)}
            raise InvalidInput(
                _("Unknown special procedure."),
                code="case.unknown_procedure",
                errors={"procedure": [message]},
            )
        reason = _required(reason, "reason", _("A reason is required."))
        if planned_days is not None and not (1 <= int(planned_days) <= 365):
            message = _("Between 1 and 365 working days.")
            raise InvalidInput(message, code="case.planned_days", errors={"planned_days": [message]})
        people = [str(p).strip() for p in (participants or []) if str(p).strip()]
        if procedure not in (case.subitem.special_procedures or []):
            raise RuleViolation(
                _("This sub-item does not provide for the special procedure %(procedure)s.")
                % {"procedure": SpecialProcedure(procedure).label},
                code="case.procedure_not_allowed",
                errors={
                    "procedure": [
                        _("Allowed: %(codes)s")
                        % {"codes": ", ".join(case.subitem.special_procedures or []) or "—"}
                    ]
                },
            )
        now = clock.now()
        suspension = Suspension.objects.create(
            case=case,
            procedure=procedure,
            reason=reason,
            planned_days=planned_days,
            participants=people,
            started_at=now,
            started_on=clock.local_date(now),
            started_by=actor,
        )
        case.status = CaseStatus.SUSPENDED
        case_clock.refresh_due_dates(case)
        return _save(
            case,
            action="suspend",
            actor=actor,
            role=role,
            comment=reason,
            data={
                "suspension": suspension.pk,
                "procedure": procedure,
                "planned_days": planned_days,
                "participants": people,
            },
        )


def resume(*, actor, case, version: int, outcome: str = "") -> Case:
    """End the special procedure with its outcome; the clock runs again."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.RESUME, version)
        suspension = _close_open_suspension(case, actor=actor, outcome=(outcome or "").strip())
        case.status = CaseStatus.IN_REVIEW
        case_clock.refresh_due_dates(case)
        return _save(
            case,
            action="resume",
            actor=actor,
            role=role,
            comment=(outcome or "").strip(),
            data={"suspension": suspension.pk if suspension else None, "due_date": case.due_date},
        )


def extend(*, actor, case, version: int, days: int | None = None, reason: str | None = None) -> Case:
    """The department head grants extra working days (art. 42), within the sub-item's cap in total."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.EXTEND, version)
        try:
            days = int(days)
        except (TypeError, ValueError):
            days = 0
        if days < 1:
            message = _("At least 1 working day.")
            raise InvalidInput(message, code="case.extension_days", errors={"days": [message]})
        reason = _required(reason, "reason", _("A reason is required."))
        granted = sum(e.days for e in case.extensions.all() if e.granted_at >= case.accepted_at)
        cap = case.subitem.extension_cap_days
        if granted + days > cap:
            message = _(
                "Extensions of this sub-item are capped at %(cap)s working days in total; %(granted)s already granted."
            ) % {"cap": cap, "granted": granted}
            raise RuleViolation(message, code="case.extension_cap", errors={"days": [message]})
        Extension.objects.create(
            case=case, days=days, reason=reason, granted_by=actor, granted_at=clock.now()
        )
        case_clock.refresh_due_dates(case)
        return _save(
            case,
            action="extend",
            actor=actor,
            role=role,
            comment=reason,
            data={"days": days, "due_date": case.due_date},
        )


def return_to_window(*, actor, case, version: int, reason: str | None = None) -> Case:
    """The back office sends the case back to the window (→ supplement_requested with the reason).

    The case is back before acceptance: the clock stops, and accepting it again after the supplement
    restarts the count (counting restarts on receipt of the supplementary materials); the authority
    pinned at the first acceptance stays.
    """
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.RETURN, version)
        reason = _required(reason, "reason", _("A reason is required."))
        case.status = CaseStatus.SUPPLEMENT_REQUESTED
        case.supplement_note = reason
        case.missing_materials = _missing(case.guide, case.materials)
        case.accepted_at = None
        case.claimed_by = None
        case.due_date = None
        case.due_provisional = False
        return _save(case, action="return", actor=actor, role=role, comment=reason)


# 行政许可法 art. 38 and 行政复议法 art. 20 / 行政诉讼法 art. 46: what a denial must tell the applicant.
REMEDIES = (
    "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，"
    "或者自收到本决定书之日起六个月内依法向人民法院提起行政诉讼。"
)


def decide(*, actor, case, version: int, decision: str | None = None, reason: str | None = "") -> Case:
    """Grant or deny; a denial states its legal reasons and the applicant's remedies (art. 38)."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.DECIDE, version)
        if decision not in Decision.values:
            message = _("grant or deny")
            raise InvalidInput(
                _("Unknown decision."), code="case.unknown_decision", errors={"decision": [message]}
            )
        reason = (reason or "").strip()
        if decision == Decision.DENY:
            reason = _required(reason, "reason", _("A denial must state its reasons."))
        if decision == Decision.GRANT and case.deferred_materials:
            raise RuleViolation(
                _("Deferred materials are still outstanding: %(codes)s")
                % {"codes": ", ".join(case.deferred_materials)},
                code="case.deferred_outstanding",
            )
        now = clock.now()
        case.decision = decision
        case.decision_reason = reason
        case.decided_at = now
        case.decided_by = actor
        case.decided_department = _organisation(actor)
        case.status = CaseStatus.DECIDED
        case_clock.refresh_due_dates(case)
        data = {"decision": decision, "issue_due_date": case.issue_due_date}
        if decision == Decision.DENY:
            data["remedies"] = REMEDIES
        return _save(case, action="decide", actor=actor, role=role, comment=reason, data=data)


def _result_content(case: Case, *, number: str, code: str, seal, now: dt.datetime, actor) -> dict:
    """The fixed text of the decision or certificate, in Chinese whatever the request's language."""
    from onewindow.core.validators import mask_id_number

    with translation.override("zh-hans"):
        granted = case.decision == Decision.GRANT
        title = (case.subitem.result_name or "准予行政许可决定书") if granted else "不予行政许可决定书"
        staff = _staff(case.decided_by)
        content = {
            "title": title,
            "number": number,
            "verification_code": code,
            "case_number": case.number,
            "subitem": {"code": case.subitem.code, "name": case.subitem.name},
            "applicant": {
                "kind": case.applicant_kind,
                "name": case.applicant_name,
                "id_number": mask_id_number(case.applicant_id_number),
            },
            "decision": case.decision,
            "reason": case.decision_reason,
            "authority": {"code": case.authority.code, "name": case.authority.name},
            "seal": {"id": seal.pk, "name": seal.name, "organisation": seal.organisation.code},
            "accepted_at": case.accepted_at.isoformat() if case.accepted_at else None,
            "decided_at": case.decided_at.isoformat(),
            "decided_by": staff.full_name if staff else "",
            "department": case.decided_department.name if case.decided_department_id else "",
            "produced_at": now.isoformat(),
        }
        if not granted:
            content["remedies"] = REMEDIES
    return content


def produce_result(*, actor, case, version: int) -> Case:
    """Number the result, apply the seal rule 2 chooses, fix content and SM3 hash (→ result_ready).

    No valid seal → 422 and nothing changes. The PDF is rendered on demand from the fixed content.
    """
    from onewindow.handover.seals import select_seal_for_case

    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.PRODUCE_RESULT, version)
        seal = select_seal_for_case(case)  # NoValidSeal (422) rolls everything back
        now = clock.now()
        serial = _next_serial(case.region, "result", f"{clock.today():%Y}")
        number = f"{case.region.code}-{clock.today():%Y}-{serial:06d}"
        code = new_verification_code()
        content = _result_content(case, number=number, code=code, seal=seal, now=now, actor=actor)
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        result = Result.objects.create(
            case=case,
            region=case.region,
            number=number,
            verification_code=code,
            decision=case.decision,
            authority=case.authority,
            seal_id=seal.pk,
            seal_name=seal.name,
            seal_organisation=seal.organisation,
            content=content,
            content_hash=audit.sm3_hex(canonical.encode("utf-8")),
            produced_at=now,
            produced_by=actor,
        )
        case.status = CaseStatus.RESULT_READY
        return _save(
            case,
            action="produce_result",
            actor=actor,
            role=role,
            data={
                "result": result.number,
                "seal": seal.pk,
                "seal_name": seal.name,
                "hash": result.content_hash,
            },
        )


def issue(*, actor, case, version: int, method: str | None = None, recipient: str | None = None) -> Case:
    """The unified issuing window hands the result out (pickup or mail); the case ends (rule 5)."""
    with transaction.atomic():
        case, role, _tr = _begin(actor, case, t.ISSUE, version)
        if method not in IssueMethod.values:
            message = _("pickup or mail")
            raise InvalidInput(message, code="case.issue_method", errors={"method": [message]})
        now = clock.now()
        case.issued_at = now
        case.issued_by = actor
        case.issue_method = method
        case.issue_recipient = (recipient or "").strip()[:200] or case.applicant_name
        case.status = CaseStatus.ISSUED
        case.ended_at = now
        Result.objects.filter(case=case).update(issued_at=now)
        return _save(case, action="issue", actor=actor, role=role, data={"method": method})


def _missing_field(name: str):
    message = _("This field is required.")
    raise InvalidInput(message, code="case.missing_field", errors={name: [message]})


HANDLERS = {
    t.SUPPLEMENT: (supplement, ("materials",)),
    t.REJECT: (reject, ("reason",)),
    t.WITHDRAW: (withdraw, ("reason",)),
    t.CLAIM: (claim, ()),
    t.SUSPEND: (suspend, ("procedure", "reason", "planned_days", "participants")),
    t.RESUME: (resume, ("outcome",)),
    t.EXTEND: (extend, ("days", "reason")),
    t.RETURN: (return_to_window, ("reason",)),
    t.DECIDE: (decide, ("decision", "reason")),
    t.PRODUCE_RESULT: (produce_result, ()),
    t.ISSUE: (issue, ("method", "recipient")),
}


def perform(*, actor, case, action: str, version: int, **params) -> Case:
    """One entry for every action of CONTRACT.md (`POST /cases/{number}/actions`); other params ignored.

    Body fields are validated after scope, role, state and version (404, 403, 409 first).
    """
    if action not in HANDLERS:
        with transaction.atomic():
            _lock(actor, case)  # an unknown case is 404 before an unknown action is 400
        t.authorize("", action, ())
    handler, names = HANDLERS[action]
    return handler(actor=actor, case=case, version=version, **{n: params[n] for n in names if n in params})


# --------------------------------------------------------------------------------------------------
# Reminders, result revocation, periodic work
# --------------------------------------------------------------------------------------------------


def remind(*, actor, case, message: str) -> Reminder:
    """The supervisor urges the case's department (催办). Does not bump the version: a reminder must
    not make the approver's next action stale."""
    message = _required(message, "message", _("A message is required."))
    with transaction.atomic():
        locked = _lock(actor, case)
        if not r.has_role(actor, r.SUPERVISOR):
            raise PermissionDenied(_("Only the supervisor sends reminders."), code="case.role_forbidden")
        if locked.status not in OPEN_STATUSES:
            raise Conflict(_("The case is closed."), code="case.closed")
        department = department_of(locked)
        reminder = Reminder.objects.create(
            case=locked, message=message, by=actor, at=clock.now(), department=department
        )
        if department is not None:
            Notification.objects.create(
                recipient=department,
                kind="cases.reminder",
                title=_("Reminder on case %(number)s") % {"number": locked.number},
                body=message,
                link=f"/cases/{locked.number}/",
                object_type="cases.case",
                object_id=locked.number,
                created_at=reminder.at,
            )
        _event(
            locked,
            action="remind",
            actor=actor,
            role=r.SUPERVISOR,
            comment=message,
            data={"department": department.code if department else None},
        )
        _audit(locked, action="remind", actor=actor, role=r.SUPERVISOR, detail={"reminder": reminder.pk})
    return reminder


def revoke_result(*, actor, case, reason: str) -> Result:
    """Revoke an issued or ready result (撤销): verification then answers genuine false.

    The head of the department that decided the case, or the supervisor.
    """
    reason = _required(reason, "reason", _("A reason is required."))
    with transaction.atomic():
        locked = _lock(actor, case)
        if not r.has_role(actor, r.DEPARTMENT_HEAD, r.SUPERVISOR):
            raise PermissionDenied(
                _("Only a department head or the supervisor revokes results."), code="case.role_forbidden"
            )
        result = Result.objects.select_for_update().filter(case=locked).first()
        if result is None:
            raise Conflict(_("The case has no result."), code="case.no_result")
        if result.revoked:
            raise Conflict(_("The result is already revoked."), code="case.result_revoked")
        result.revoked = True
        result.revoked_at = clock.now()
        result.revoked_reason = reason[:300]
        result.save()
        role = r.SUPERVISOR if r.has_role(actor, r.SUPERVISOR) else r.DEPARTMENT_HEAD
        _save(
            locked,
            action="revoke_result",
            actor=actor,
            role=role,
            comment=reason,
            data={"result": result.number},
        )
    return result


def end_expired_deferrals(*, today: dt.date | None = None) -> list[str]:
    """`onewindow tick`: end (退件) accepted cases whose deferred materials missed the top-up deadline.

    Idempotent: an ended case is no longer open. Returns the numbers ended now.
    """
    today = today or clock.today()
    ended = []
    candidates = Case.objects.filter(status__in=CLOCK_STATUSES, top_up_deadline__lt=today).values_list(
        "pk", flat=True
    )
    for pk in candidates:
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
            if (
                case.status not in CLOCK_STATUSES
                or not case.deferred_materials
                or case.top_up_deadline >= today
            ):
                continue
            message = _("Deferred materials not handed in by %(date)s: %(codes)s") % {
                "date": case.top_up_deadline.isoformat(),
                "codes": ", ".join(case.deferred_materials),
            }
            _end(
                case,
                status=CaseStatus.WITHDRAWN,
                closure=Closure.DEFERRAL_EXPIRED,
                actor=None,
                role="",
                action="deferral_expired",
                reason=message,
                data={"deferred": case.deferred_materials},
            )
            ended.append(case.number)
    return ended


def refresh_open_due_dates(*, region=None, **_ignored) -> int:
    """Recompute the stored due dates of open cases (after a calendar change, and by tick for cases
    whose open suspension moves their due date daily). Derived data: the version is not bumped.

    Runs inside the caller's transaction when there is one (a calendar load is all-or-nothing).
    """
    qs = Case.objects.filter(status__in=OPEN_STATUSES, accepted_at__isnull=False).select_related(
        "region", "guide"
    )
    if region is not None:
        qs = qs.filter(region=region)
    changed = 0
    for case in qs.prefetch_related("suspensions", "extensions").iterator(chunk_size=500):
        try:
            moved = case_clock.refresh_due_dates(case)
        except CalendarMissing:
            # An open procedure ran into a year without a schedule: keep the last known date, never guess.
            logger.warning("case %s: due date not recomputed, calendar missing", case.number)
            continue
        if moved:
            Case.objects.filter(pk=case.pk).update(
                due_date=case.due_date,
                due_provisional=case.due_provisional,
                issue_due_date=case.issue_due_date,
            )
            changed += 1
    return changed
