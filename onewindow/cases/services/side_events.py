"""Steps on a case that leave its status and version as they are (a reminder, a supervision order),
offered to the apps above `cases`: they lock the case in the actor's scope, check the side action of
cases.transitions, and write the case's event and audit entry inside their own transaction."""

from __future__ import annotations

from django.db import transaction

from onewindow.cases import transitions as t
from onewindow.cases.models import Case, CaseEvent
from onewindow.cases.services._base import _audit, _event, _lock

# The side actions the apps above take (cases.transitions.SIDE_ACTIONS says who may, and when).
REMIND = t.REMIND
SUPERVISE = t.SUPERVISE


def begin_side_action(*, actor, case, action: str) -> tuple[Case, str]:
    """The case locked for the caller's transaction and the role `actor` takes `action` in.

    404 outside the actor's scope, 403 for a role the side action does not allow, 409 in a status
    it does not allow (cases.transitions.SIDE_ACTIONS). Call inside `transaction.atomic()`.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("begin_side_action needs the caller's transaction")
    locked = _lock(actor, case)
    return locked, t.check_side_action(locked, action, actor)


def record_side_event(
    *, case: Case, action: str, actor, role: str, comment: str = "", data=None, audit_detail=None
) -> CaseEvent:
    """The case's event (its timeline, the case-event hooks) and the audit entry of a side action.
    Does not bump the version: such a step must not make the department's next action stale."""
    event = _event(case, action=action, actor=actor, role=role, comment=comment, data=data)
    _audit(case, action=action, actor=actor, role=role, detail=audit_detail)
    return event
