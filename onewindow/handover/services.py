"""Writes of the handover context: agreements (draft, edit, sign, supersede, withdraw), seals, settings.

Each write is one transaction with its permission check and audit entry. Signing by both parties moves
the Assignments *at* the agreement's effective time (rule 1): the new range simply starts then, so no
scheduler is needed — `catalogue.selectors.implementer(subitem, t)` answers the bureau before and the
receiving department from `effective_at` on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalogue.models import Assignment, PowerItem, SubItem
from onewindow.catalogue.services import cancel_assignment, start_assignment
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, InvalidValue, PermissionDenied, RuleViolation
from onewindow.core.validators import SHORT_TEXT_MAX, clean_text
from onewindow.handover import selectors
from onewindow.handover.models import (
    TERMS_FIELDS,
    TERMS_LIMITS,
    AgreementSignature,
    AgreementStatus,
    HandoverAgreement,
    HandoverSettings,
    Seal,
    SignatureSide,
)
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Region
from onewindow.org.selectors import audit_context

LIVE_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.SIGNED)

# Checks run inside the signing transaction before a signature is written: each gets the agreement and
# raises a DomainError to refuse. The staffing context registers the no-gap guard (rule 8) here in its
# AppConfig.ready; this context never imports staffing (a lower layer reads no upper one).
signing_checks: list[Callable[[HandoverAgreement], None]] = []


# -- assignments (the catalogue owns the ranges; these read them) -----------------------------------


def _open_assignment(subitem: SubItem) -> Assignment | None:
    return Assignment.objects.open().filter(subitem=subitem).select_related("organisation").first()


# -- helpers ---------------------------------------------------------------------------------------


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def _staff(actor):
    return getattr(actor, "staff", None)


def _require_bureau_supervisor(actor) -> Organisation:
    if not selectors.can_draft_agreements(actor):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor drafts and edits handover agreements."),
            code="handover.forbidden",
        )
    return _staff(actor).organisation


def _next_number(region, now: dt.datetime) -> str:
    """The next JJXY-YYYY-NNN; the region row is locked so two concurrent drafts never take the same one."""
    Region.objects.select_for_update().filter(pk=region.pk).first()
    year = clock.local_date(now).year
    prefix = f"JJXY-{year}-"
    taken = HandoverAgreement.objects.filter(number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix) :]) for n in taken if n[len(prefix) :].isdigit()), default=0)
    return f"{prefix}{last + 1:03d}"


def _resolve(
    *,
    bureau: Organisation,
    department,
    subitem_codes,
    item_codes,
    effective_at,
    supersedes: HandoverAgreement | None,
    exclude: HandoverAgreement | None = None,
) -> tuple[Organisation, list[SubItem]]:
    """Check the parties, the sub-items (whole items expand to theirs) and the effective time."""
    errors: dict[str, list[str]] = {}
    if isinstance(department, Organisation):
        dept = department
    else:
        dept = Organisation.objects.filter(code=str(department or "")).first()
        if dept is None:
            errors["receiving_department"] = [_("Unknown department %(code)s.") % {"code": department}]
    if dept is not None and (
        dept.kind not in selectors.RECEIVING_KINDS or dept.region_id != bureau.region_id
    ):
        errors["receiving_department"] = [_("Choose one of the receiving departments.")]
        dept = None
    subitem_codes = [str(c).strip() for c in (subitem_codes or []) if str(c).strip()]
    item_codes = [str(c).strip() for c in (item_codes or []) if str(c).strip()]
    found = {s.code: s for s in SubItem.objects.filter(code__in=subitem_codes, region=bureau.region)}
    unknown = [c for c in subitem_codes if c not in found]
    if unknown:
        errors["subitems"] = [_("Unknown sub-items: %(codes)s") % {"codes": ", ".join(unknown)}]
    items = {i.code: i for i in PowerItem.objects.filter(code__in=item_codes, region=bureau.region)}
    unknown_items = [c for c in item_codes if c not in items]
    if unknown_items:
        errors["items"] = [_("Unknown items: %(codes)s") % {"codes": ", ".join(unknown_items)}]
    for sub in SubItem.objects.filter(item__in=items.values()):
        found[sub.code] = sub
    if not found and "subitems" not in errors:
        errors["subitems"] = [_("Choose at least one sub-item or item.")]
    if effective_at is None:
        errors["effective_at"] = [_("An effective time is required.")]
    elif timezone.is_naive(effective_at):
        errors["effective_at"] = [_("Give the effective time with its offset, e.g. +08:00.")]
    if errors:
        raise InvalidValue(_("The agreement was not saved."), code="handover.invalid", errors=errors)

    subitems = sorted(found.values(), key=lambda s: s.code)
    problems = []
    busy = (
        HandoverAgreement.objects.filter(status__in=LIVE_STATUSES, subitems__in=subitems)
        .exclude(pk=getattr(exclude, "pk", None))
        .exclude(pk=getattr(supersedes, "pk", None))
        .values_list("number", "subitems__code")
    )
    busy_codes = {}
    for number, code in busy:
        if code in found:
            busy_codes.setdefault(code, number)
    for sub in subitems:
        if sub.code in busy_codes:
            problems.append(
                _("%(code)s is already in agreement %(number)s.")
                % {"code": sub.code, "number": busy_codes[sub.code]}
            )
            continue
        current = _open_assignment(sub)
        kept = (
            supersedes is not None
            and current is not None
            and current.organisation_id == dept.pk
            and current.agreement_id == supersedes.pk
        )
        if current is None:
            problems.append(_("%(code)s has no implementing organisation.") % {"code": sub.code})
        elif current.organisation_id != bureau.pk and not kept:
            problems.append(
                _("%(code)s is implemented by %(org)s, not the Data Bureau.")
                % {"code": sub.code, "org": current.organisation.name}
            )
        elif not kept and effective_at <= current.valid_from:
            problems.append(
                _(
                    "%(code)s: the effective time must be later than the start of its current assignment (%(start)s)."
                )
                % {"code": sub.code, "start": _local(current.valid_from)}
            )
    if supersedes is not None:
        in_force = (
            Assignment.objects.open()
            .filter(agreement_id=supersedes.pk)
            .valid_at(clock.now())
            .values_list("subitem__code", flat=True)
        )
        missing = sorted(set(in_force) - set(found))
        if missing:
            problems.append(
                _(
                    "Already in effect under %(number)s and must stay in the new agreement "
                    "(handing back needs an agreement of its own): %(codes)s"
                )
                % {"number": supersedes.number, "codes": ", ".join(missing)}
            )
    if problems:
        raise RuleViolation(
            " ".join(problems), code="handover.subitems_unavailable", errors={"subitems": problems}
        )
    return dept, subitems


def _terms(fields: dict) -> dict:
    """The agreement's terms as typed; a phone without the name of its person is refused, never dropped."""
    values = {
        key: clean_text(
            fields.get(key),
            field=key,
            max_length=TERMS_LIMITS[key],
            multiline=key in ("rights_duties", "liaison"),
            prefix="handover.",
        )
        for key in TERMS_FIELDS
    }
    errors = {}
    for side in ("bureau", "department"):
        if values[f"{side}_contact_phone"] and not values[f"{side}_contact_name"]:
            errors[f"{side}_contact_name"] = [_("Name the responsible person whose phone number this is.")]
    if errors:
        raise InvalidValue(
            _("A phone number was typed without the name of its responsible person."),
            code="handover.contact_without_name",
            errors=errors,
        )
    return values


# -- agreements ------------------------------------------------------------------------------------


def draft_agreement(
    *,
    actor,
    department,
    subitems=(),
    items=(),
    effective_at: dt.datetime | None,
    supersedes: HandoverAgreement | None = None,
    **terms,
) -> HandoverAgreement:
    """The supervisor drafts an agreement with a receiving department (by code or object)."""
    bureau = _require_bureau_supervisor(actor)
    values = _terms(terms)
    with transaction.atomic():
        if supersedes is not None:
            supersedes = HandoverAgreement.objects.select_for_update().get(pk=supersedes.pk)
            if supersedes.status != AgreementStatus.SIGNED:
                raise Conflict(_("Only a signed agreement can be superseded."), code="handover.not_signed")
            department = supersedes.department
        dept, chosen = _resolve(
            bureau=bureau,
            department=department,
            subitem_codes=subitems,
            item_codes=items,
            effective_at=effective_at,
            supersedes=supersedes,
        )
        staff = _staff(actor)
        values["bureau_contact_name"] = values["bureau_contact_name"] or staff.full_name
        values["bureau_contact_phone"] = values["bureau_contact_phone"] or staff.phone
        if not values["department_contact_name"]:
            head = selectors.department_head(dept)
            if head is not None:
                values["department_contact_name"], values["department_contact_phone"] = (
                    head.full_name,
                    head.phone,
                )
        now = clock.now()
        agreement = HandoverAgreement.objects.create(
            region=bureau.region,
            number=_next_number(bureau.region, now),
            bureau=bureau,
            department=dept,
            effective_at=effective_at,
            supersedes=supersedes,
            created_by=actor,
            created_at=now,
            **values,
        )
        agreement.subitems.set(chosen)
        audit.record(
            action="handover.agreement.draft",
            actor=actor,
            **audit_context(actor),
            role=r.SUPERVISOR,
            obj=agreement,
            detail={
                "number": agreement.number,
                "department": dept.code,
                "subitems": [s.code for s in chosen],
                "effective_at": effective_at.isoformat(),
                "supersedes": supersedes.number if supersedes else None,
            },
        )
    return agreement


def supersede_agreement(*, actor, agreement: HandoverAgreement, **fields) -> HandoverAgreement:
    """A draft that replaces a signed agreement once both parties sign it (same parties)."""
    return draft_agreement(actor=actor, department=agreement.department, supersedes=agreement, **fields)


def update_draft(
    *, actor, agreement: HandoverAgreement, subitems=(), items=(), effective_at=None, **terms
) -> HandoverAgreement:
    """Edit a draft. A signed agreement is never edited (409); a signature already given is withdrawn,
    because it was given to the text as it stood."""
    _require_bureau_supervisor(actor)
    with transaction.atomic():
        agreement = HandoverAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != AgreementStatus.DRAFT:
            raise Conflict(
                _("A signed agreement cannot be edited; draft a new one that supersedes it."),
                code="handover.not_draft",
            )
        _dept, chosen = _resolve(
            bureau=agreement.bureau,
            department=agreement.department,
            subitem_codes=subitems,
            item_codes=items,
            effective_at=effective_at,
            supersedes=agreement.supersedes,
            exclude=agreement,
        )
        values = _terms(terms)
        for key, value in values.items():
            setattr(agreement, key, value)
        agreement.effective_at = effective_at
        agreement.save()
        agreement.subitems.set(chosen)
        withdrawn = list(agreement.signatures.values_list("side", "full_name"))
        agreement.signatures.all().delete()
        audit.record(
            action="handover.agreement.edit",
            actor=actor,
            **audit_context(actor),
            role=r.SUPERVISOR,
            obj=agreement,
            detail={
                "number": agreement.number,
                "subitems": [s.code for s in chosen],
                "effective_at": effective_at.isoformat(),
                "signatures_withdrawn": withdrawn,
                **values,
            },
        )
    return agreement


def withdraw_draft(*, actor, agreement: HandoverAgreement, reason: str) -> HandoverAgreement:
    """Abandon a draft (kept for the record, never signed)."""
    _require_bureau_supervisor(actor)
    with transaction.atomic():
        agreement = HandoverAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.status != AgreementStatus.DRAFT:
            raise Conflict(_("Only a draft can be withdrawn."), code="handover.not_draft")
        reason = clean_text(
            reason,
            field="reason",
            max_length=SHORT_TEXT_MAX,
            required=True,
            required_message=_("A reason is required."),
            prefix="handover.",
        )
        agreement.status = AgreementStatus.WITHDRAWN
        agreement.save(update_fields=["status"])
        audit.record(
            action="handover.agreement.withdraw",
            actor=actor,
            **audit_context(actor),
            role=r.SUPERVISOR,
            obj=agreement,
            detail={"number": agreement.number, "reason": reason},
        )
    return agreement


def sign_agreement(*, actor, agreement: HandoverAgreement) -> HandoverAgreement:
    """One party signs. When both have, the agreement is signed and the Assignments move at effective_at."""
    with transaction.atomic():
        agreement = (
            HandoverAgreement.objects.select_for_update()
            .select_related("bureau", "department")
            .get(pk=agreement.pk)
        )
        side = selectors.signing_side(actor, agreement)
        if side is None:
            raise PermissionDenied(
                _("Only the Data Bureau's supervisor and the head of %(department)s sign this agreement.")
                % {"department": agreement.department.name},
                code="handover.sign_forbidden",
            )
        if agreement.status != AgreementStatus.DRAFT:
            raise Conflict(
                _("This agreement is %(status)s; it can no longer be signed.")
                % {"status": agreement.get_status_display()},
                code="handover.not_draft",
            )
        if agreement.signatures.filter(side=side).exists():
            raise Conflict(_("Your side has already signed this agreement."), code="handover.already_signed")
        for check in signing_checks:
            check(agreement)
        now = clock.now()
        role = r.SUPERVISOR if side == SignatureSide.BUREAU else r.DEPARTMENT_HEAD
        staff = _staff(actor)
        signature = AgreementSignature.objects.create(
            agreement=agreement,
            side=side,
            user=actor,
            full_name=staff.full_name,
            role=role,
            organisation=staff.organisation,
            signed_at=now,
        )
        audit.record(
            action="handover.agreement.sign",
            actor=actor,
            **audit_context(actor),
            role=role,
            obj=agreement,
            detail={"number": agreement.number, "side": side, "signature": signature.pk},
        )
        if agreement.signatures.count() == 2:
            _put_into_force(agreement=agreement, actor=actor, role=role, now=now)
    return agreement


def _put_into_force(*, agreement: HandoverAgreement, actor, role: str, now: dt.datetime) -> None:
    """Both signed: replace the superseded agreement's ranges that have not begun, start the new ones."""
    old = agreement.supersedes
    withdrawn = []
    if old is not None:
        old = HandoverAgreement.objects.select_for_update().get(pk=old.pk)
        if old.status != AgreementStatus.SIGNED:
            raise Conflict(
                _("Agreement %(number)s was already superseded.") % {"number": old.number},
                code="handover.already_superseded",
            )
        for assignment in Assignment.objects.filter(agreement_id=old.pk, valid_from__gt=now).select_related(
            "subitem"
        ):
            withdrawn.append(assignment.subitem.code)
            cancel_assignment(subitem=assignment.subitem, agreement_id=old.pk, actor=actor)
    started, kept = [], []
    for subitem in agreement.subitems.select_related("region").order_by("code"):
        current = _open_assignment(subitem)
        if (
            old is not None
            and current is not None
            and current.organisation_id == agreement.department_id
            and current.agreement_id == old.pk
        ):
            kept.append(subitem.code)  # already in effect under the old agreement: nothing to move
            continue
        if current is None or current.organisation_id != agreement.bureau_id:
            raise RuleViolation(
                _("%(code)s is no longer implemented by the Data Bureau; nothing was signed.")
                % {"code": subitem.code},
                code="handover.subitems_unavailable",
            )
        if agreement.effective_at <= current.valid_from:
            raise RuleViolation(
                _(
                    "%(code)s: the effective time must be later than the start of its current assignment "
                    "(%(start)s); nothing was signed."
                )
                % {"code": subitem.code, "start": _local(current.valid_from)},
                code="handover.effective_before_current_assignment",
            )
        start_assignment(
            subitem=subitem,
            organisation=agreement.department,
            at=agreement.effective_at,
            agreement_id=agreement.pk,
            actor=actor,
        )
        started.append(subitem.code)
    agreement.status = AgreementStatus.SIGNED
    agreement.signed_at = now
    agreement.save(update_fields=["status", "signed_at"])
    if old is not None:
        old.status = AgreementStatus.SUPERSEDED
        old.save(update_fields=["status"])
    audit.record(
        action="handover.agreement.in_force",
        actor=actor,
        **audit_context(actor),
        role=role,
        obj=agreement,
        detail={
            "number": agreement.number,
            "department": agreement.department.code,
            "effective_at": agreement.effective_at.isoformat(),
            "started": started,
            "kept": kept,
            "superseded": old.number if old else None,
            "withdrawn_future_ranges": withdrawn,
        },
    )


# -- seals and settings ----------------------------------------------------------------------------


def void_seal(*, actor, seal: Seal, reason: str) -> Seal:
    """Void a seal for good (the supervisor); it is never applied again. Voiding a void seal is 409."""
    if not selectors.can_void_seals(actor):
        raise PermissionDenied(_("Only the Data Bureau's supervisor voids seals."), code="seal.forbidden")
    with transaction.atomic():
        seal = Seal.objects.select_for_update().get(pk=seal.pk)
        if seal.void:
            raise Conflict(_("This seal is already void."), code="seal.already_void")
        reason = clean_text(
            reason,
            field="reason",
            max_length=SHORT_TEXT_MAX,
            required=True,
            required_message=_("A reason is required."),
            prefix="seal.",
        )
        seal.void = True
        seal.void_reason = reason
        seal.voided_by = actor
        seal.voided_at = clock.now()
        seal.save(update_fields=["void", "void_reason", "voided_by", "voided_at"])
        audit.record(
            action="seal.void",
            actor=actor,
            **audit_context(actor, region=seal.region.code),
            role=r.SUPERVISOR,
            obj=seal,
            detail={"name": seal.name, "organisation": seal.organisation.code, "reason": seal.void_reason},
        )
    return seal


def set_deadline(*, actor, deadline: dt.date) -> HandoverSettings:
    """The supervisor sets the date before which every handover should be in effect."""
    bureau = _require_bureau_supervisor(actor)
    if not isinstance(deadline, dt.date):
        raise InvalidInput(
            _("Give a date."), code="handover.invalid", errors={"deadline": [_("Give a date.")]}
        )
    with transaction.atomic():
        settings_row, _created = HandoverSettings.objects.select_for_update().get_or_create(
            region=bureau.region, defaults={"deadline": deadline}
        )
        previous = settings_row.deadline
        settings_row.deadline = deadline
        settings_row.save(update_fields=["deadline"])
        audit.record(
            action="handover.deadline.set",
            actor=actor,
            **audit_context(actor),
            role=r.SUPERVISOR,
            obj=settings_row,
            detail={"deadline": deadline.isoformat(), "previous": previous.isoformat()},
        )
    return settings_row
