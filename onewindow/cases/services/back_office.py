"""The back office of the department that works the case: claim, special procedures (the clock stops),
extensions, return to the window, the decision."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, Decision, Extension, Suspension
from onewindow.cases.services._base import (
    _begin,
    _close_open_suspension,
    _missing,
    _optional,
    _organisation,
    _required,
    _save,
    forget_prefetched,
)
from onewindow.cases.services.results import REMEDIES
from onewindow.catalogue.models import SpecialProcedure
from onewindow.catalogue.results import clean_particulars
from onewindow.core import clock
from onewindow.core.errors import InvalidInput, RuleViolation
from onewindow.core.validators import NAME_MAX


def claim(*, actor, case, version: int) -> Case:
    """An approver of the case's department takes it (or takes it over) for review."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.CLAIM, version)
        previous = case.claimed_by.username if case.claimed_by_id else None
        case.claimed_by = actor
        case.status = transition.status_after
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
        case, role, transition = _begin(actor, case, t.SUSPEND, version)
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
        people = [
            _optional(p, "participants", max_length=NAME_MAX, multiline=False) for p in (participants or [])
        ]
        people = [p for p in people if p]
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
        forget_prefetched(case, "suspensions")
        case.status = transition.status_after
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
        case, role, transition = _begin(actor, case, t.RESUME, version)
        outcome = _optional(outcome, "outcome")
        suspension = _close_open_suspension(case, actor=actor, outcome=outcome)
        case.status = transition.status_after
        case_clock.refresh_due_dates(case)
        return _save(
            case,
            action="resume",
            actor=actor,
            role=role,
            comment=outcome,
            data={"suspension": suspension.pk if suspension else None, "due_date": case.due_date},
        )


def extend(*, actor, case, version: int, days: int | None = None, reason: str | None = None) -> Case:
    """The department head grants extra working days (art. 42), within the sub-item's cap in total."""
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.EXTEND, version)
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
        forget_prefetched(case, "extensions")
        case.status = transition.status_after  # the clock keeps its state
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
        case, role, transition = _begin(actor, case, t.RETURN, version)
        reason = _required(reason, "reason", _("A reason is required."))
        case.status = transition.status_after
        case.supplement_note = reason
        case.missing_materials = _missing(case.guide, case.materials)
        case.accepted_at = None
        case.claimed_by = None
        case.due_date = None
        case.due_provisional = False
        return _save(case, action="return", actor=actor, role=role, comment=reason)


# 行政许可法 art. 38 and 行政复议法 art. 20 / 行政诉讼法 art. 46: what a denial must tell the applicant.


def decide(
    *,
    actor,
    case,
    version: int,
    decision: str | None = None,
    reason: str | None = "",
    particulars: dict | None = None,
) -> Case:
    """Grant or deny; a denial states its legal reasons and the applicant's remedies (art. 38).

    A grant fills in the particulars the case's guide defines for its result (project name, address,
    scale, validity…), checked against the guide: missing, malformed or unknown ones are 422 by field.
    """
    with transaction.atomic():
        case, role, transition = _begin(actor, case, t.DECIDE, version)
        if decision not in Decision.values:
            message = _("grant or deny")
            raise InvalidInput(
                _("Unknown decision."), code="case.unknown_decision", errors={"decision": [message]}
            )
        reason = _optional(reason, "reason")
        if decision == Decision.DENY:
            reason = _required(reason, "reason", _("A denial must state its reasons."))
        if decision == Decision.GRANT and case.deferred_materials:
            raise RuleViolation(
                _("Deferred materials are still outstanding: %(codes)s")
                % {"codes": ", ".join(case.deferred_materials)},
                code="case.deferred_outstanding",
            )
        clean = {}
        if decision == Decision.GRANT:
            clean, errors = clean_particulars(case.guide.result_fields or [], particulars)
            if errors:
                raise RuleViolation(
                    _("The particulars of the result are incomplete or wrong."),
                    code="case.particulars",
                    errors=errors,
                )
        now = clock.now()
        case.decision = decision
        case.decision_reason = reason
        case.decided_at = now
        case.decided_by = actor
        case.decided_department = _organisation(actor)
        case.result_particulars = clean
        case.status = transition.status_after
        case_clock.refresh_due_dates(case)
        data = {"decision": decision, "issue_due_date": case.issue_due_date}
        if clean:
            data["particulars"] = clean
        if decision == Decision.DENY:
            data["remedies"] = REMEDIES
        return _save(case, action="decide", actor=actor, role=role, comment=reason, data=data)
