"""At the window: acceptance against the published guide (受理), the one complete list of missing
materials (一次性告知), supplements and deferred materials (容缺), rejection (不予受理) and withdrawal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import ApplicantKind, Case, CaseStatus, Closure, applicant_id_digest
from onewindow.cases.selectors import department_of
from onewindow.cases.services._base import (
    _audit,
    _audit_entry,
    _begin,
    _clean_codes,
    _end,
    _event,
    _missing,
    _missing_field,
    _new_event,
    _next_serial,
    _optional,
    _required,
    _save,
    _staff,
    _write_events,
    case_number,
)
from onewindow.catalogue.models import SubItem
from onewindow.catalogue.selectors import cached_current_guide, cached_implementer, cached_subitem
from onewindow.core import clock, stamps
from onewindow.core.errors import DomainError, InvalidInput, InvalidValue, PermissionDenied, RuleViolation
from onewindow.core.prepared import Insert, Prepared
from onewindow.core.validators import (
    is_well_formed_id_number,
    validate_credit_code,
    validate_name,
    validate_phone,
    validate_resident_id,
)
from onewindow.org import roles as r
from onewindow.org.models import Window, WindowKind
from onewindow.workdays import arithmetic

# Default working days to hand in deferred materials (容缺), never beyond the promised limit.
DEFAULT_TOP_UP_DAYS = 5


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
    else:
        try:
            validate_name(name)
        except ValidationError as exc:
            errors["applicant.name"] = list(exc.messages)
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
        # A well-formed number whose check character is wrong is 422 (the schema states the format only).
        only_check = set(errors) == {"applicant.id_number"} and is_well_formed_id_number(id_number)
        raise (InvalidValue if only_check else InvalidInput)(
            _("The applicant's details are not valid."), code="case.invalid_applicant", errors=errors
        )
    return {"kind": kind, "name": name, "id_number": id_number, "phone": phone}


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
            raise InvalidValue(message, code="case.unknown_window", errors={"window": [message]})
        window = found
    if window.kind != WindowKind.ACCEPTANCE:
        raise RuleViolation(
            _("Applications are accepted at comprehensive acceptance windows."), code="case.window_kind"
        )
    return window


def _accept_now(case: Case, *, actor, role: str, status: str, top_up_days: int | None = None) -> None:
    """Mark `case` accepted now: pin the authority (first acceptance only), start the clock, route it."""
    now = clock.now()
    if case.authority_id is None:
        case.authority = cached_implementer(case.subitem_id, now)  # rule 2: pinned at acceptance
        case.department_now = case.authority  # rule 3: today's implementer works it (asked once)
    case.accepted_at = now
    case.accepted_by = actor
    case.status = status
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
    if not r.has_role(actor, *t.ACCEPTANCE.roles):
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
    # A retry of an application this clerk's key already created returns that case: found when this
    # attempt fails — on the key's unique constraint, or on a rule that changed since (no read before).
    try:
        person = _validate_applicant(applicant or {})
        stamps.fresh()  # the reference data below comes from the process caches (free in an API request)
        found = subitem if isinstance(subitem, SubItem) else cached_subitem(subitem_code)
        if found is None:
            message = _("Unknown sub-item %(code)s.") % {"code": subitem_code}
            raise InvalidValue(message, code="case.unknown_subitem", errors={"subitem": [message]})
        subitem = found
        window = _acceptance_window(actor, window)
        guide = cached_current_guide(subitem.pk)
        known = {m.code for m in guide.materials.all()}
        received = _clean_codes(materials, "materials", known)
        deferred = _clean_codes(deferred_materials, "deferred_materials", known)
        missing = _missing(guide, received)
        if deferred:
            commitment = _optional(commitment, "commitment")
            _check_deferral(guide, deferred, missing, commitment)
        still_missing = [c for c in missing if c not in deferred]

        with transaction.atomic():
            now = clock.now()
            case = Case(
                region=subitem.region,
                status=t.ACCEPTANCE.status_if_still_short,
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
                applicant_id_digest=applicant_id_digest(person["id_number"]),
                materials=received,
                missing_materials=still_missing,
                deferred_materials=[] if still_missing else [c for c in missing if c in deferred],
                commitment=(commitment or "").strip() if not still_missing and deferred else "",
                updated_at=now,
            )
            if not still_missing:
                _accept_now(
                    case,
                    actor=actor,
                    role=r.WINDOW_CLERK,
                    status=t.ACCEPTANCE.status_after,
                    top_up_days=top_up_days,
                )
            # The day's counter of the region is locked only now, just before the insert: acceptances of
            # the region queue on it for the insert, events and audit entry, not for the reads above.
            day = clock.today()
            case.number = case_number(
                subitem.region, day, _next_serial(subitem.region, "case", f"{day:%Y%m%d}")
            )
            _INSERT_CASE(case)
            case.__dict__["_inserted_now"] = True  # for the case-event listeners (hooks.inserted_now)
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
        return case, True
    except (DomainError, IntegrityError):
        existing = _existing_for_key(actor, key, fingerprint) if key else None
        if existing is None:
            raise
        return existing, False


# The new case's INSERT, its SQL built once (core.prepared.Insert): compiling it anew for the case's sixty
# columns was about half of the insert's time under cProfile.
_INSERT_CASE = Insert(Case)

# Compiled once per process (core.prepared): asked when an acceptance with a key fails (a retry?).
_BY_KEY = Prepared(
    lambda user_id, key: Case.objects.filter(created_by_id=user_id, idempotency_key=key).order_by("pk")[:1],
    user_id=int,
    key=str,
)


def _existing_for_key(actor, key: str, fingerprint: str) -> Case | None:
    existing = _BY_KEY.first(user_id=actor.pk, key=key)
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
        raise InvalidValue(message, code="case.commitment_required", errors={"commitment": [message]})


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
    accepted = _new_event(case, action="accept", actor=actor, role=role, data=data)
    routed = _new_event(
        case,
        action="routed",
        actor=None,
        role="",
        organisation=department,
        comment=_("Routed to %(department)s.") % {"department": department.name if department else "—"},
        data={"department": department.code if department else None},
    )
    entry = _audit_entry(case, action="accept", actor=actor, role=role, detail=data)
    _write_events(case, [accepted, routed], audited=entry)  # one statement on PostgreSQL


def supplement(*, actor, case, version: int, materials: Iterable[str] | None = None) -> Case:
    """Materials handed in at the window: completes a supplement request (→ accepted, the clock starts),
    or tops up deferred materials of an accepted case (容缺)."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.SUPPLEMENT, version)
        if materials is None:
            _missing_field("materials")
        known = {m.code for m in case.guide.materials.all()}
        handed_in = _clean_codes(materials, "materials", known)
        outstanding = case.missing_materials or case.deferred_materials
        if outstanding and not [c for c in handed_in if c not in case.materials]:
            # Materials are outstanding and none was handed in: no event, no "materials registered".
            # (A case returned by the department with nothing missing is re-accepted on its corrected papers.)
            message = _("Tick the materials handed in now; none was.")
            raise RuleViolation(message, code="case.nothing_handed_in", errors={"materials": [message]})
        received = case.materials + [c for c in handed_in if c not in case.materials]
        if case.status == CaseStatus.SUPPLEMENT_REQUESTED:
            case.materials = received
            missing = _missing(case.guide, received)
            if missing:
                case.status = transition.status_if_still_short
                case.missing_materials = missing
                return _save(
                    case,
                    action="supplement",
                    actor=actor,
                    role=role,
                    comment=_("Materials still missing: %(codes)s") % {"codes": ", ".join(missing)},
                    data={"handed_in": handed_in, "missing": missing},
                )
            _accept_now(case, actor=actor, role=role, status=transition.status_after)
            case.version += 1
            case.updated_at = clock.now()
            case.save()
            _event(case, action="supplement", actor=actor, role=role, data={"handed_in": handed_in})
            _record_acceptance(case, actor=actor, role=role, received=received)
            return case
        # Deferred materials topped up (cases.transitions.check refused a case with nothing outstanding).
        case.status = transition.status_after
        case.materials = received
        case.deferred_materials = [c for c in case.deferred_materials if c not in handed_in]
        return _save(
            case,
            action="supplement",
            actor=actor,
            role=role,
            data={"handed_in": handed_in, "still_deferred": case.deferred_materials},
        )


def reject(*, actor, case, version: int, reason: str | None = None) -> Case:
    """不予受理 at the window, with the reason the rejection notice states."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.REJECT, version)
        reason = _required(reason, "reason", _("A reason is required."))
        return _end(
            case,
            status=transition.status_after,
            closure=Closure.REJECTED,
            actor=actor,
            role=role,
            action="reject",
            reason=reason,
        )


def withdraw(*, actor, case, version: int, reason: str | None = "") -> Case:
    """The applicant withdraws the application (recorded at the window); any special procedure ends."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.WITHDRAW, version)
        return _end(
            case,
            status=transition.status_after,
            closure=Closure.WITHDRAWN,
            actor=actor,
            role=role,
            action="withdraw",
            reason=_optional(reason, "reason"),
        )
