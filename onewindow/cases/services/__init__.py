"""Every write on a case: one transaction each, with the row lock, the version check, the CaseEvent and
the audit entry; what is allowed when, and for whom, and the status after, come from cases.transitions.

Refusals follow CONTRACT.md's order: 404 (outside the caller's scope), 403 (role), 409 (state or
stale version), 422 (business rule); a refused action changes nothing.

One module per desk: `acceptance` (the window), `back_office` (the department), `results` (the result
and the issuing window), `periodic` (`onewindow tick`), `side_events` (steps the apps above take on a
case: reminders, supervision orders). The public names are all importable from here.
"""

from __future__ import annotations

from django.db import transaction

from onewindow.cases import transitions as t
from onewindow.cases.codes import new_verification_code
from onewindow.cases.models import Case
from onewindow.cases.services._base import _lock, case_number
from onewindow.cases.services.acceptance import DEFAULT_TOP_UP_DAYS, accept, reject, supplement, withdraw
from onewindow.cases.services.back_office import (
    claim,
    decide,
    extend,
    resume,
    return_to_window,
    suspend,
)
from onewindow.cases.services.periodic import end_expired_deferrals, refresh_open_due_dates
from onewindow.cases.services.results import REMEDIES, issue, produce_result, revoke_result
from onewindow.cases.services.side_events import REMIND, SUPERVISE, begin_side_action, record_side_event

__all__ = [
    "DEFAULT_TOP_UP_DAYS",
    "HANDLERS",
    "REMIND",
    "REMEDIES",
    "SUPERVISE",
    "accept",
    "begin_side_action",
    "case_number",
    "claim",
    "decide",
    "end_expired_deferrals",
    "extend",
    "issue",
    "new_verification_code",
    "perform",
    "produce_result",
    "record_side_event",
    "refresh_open_due_dates",
    "reject",
    "resume",
    "return_to_window",
    "revoke_result",
    "supplement",
    "suspend",
    "withdraw",
]


HANDLERS = {
    t.SUPPLEMENT: (supplement, ("materials",)),
    t.REJECT: (reject, ("reason",)),
    t.WITHDRAW: (withdraw, ("reason",)),
    t.CLAIM: (claim, ()),
    t.SUSPEND: (suspend, ("procedure", "reason", "planned_days", "participants")),
    t.RESUME: (resume, ("outcome",)),
    t.EXTEND: (extend, ("days", "reason")),
    t.RETURN: (return_to_window, ("reason",)),
    t.DECIDE: (decide, ("decision", "reason", "particulars")),
    t.PRODUCE_RESULT: (produce_result, ()),
    t.ISSUE: (
        issue,
        (
            "method",
            "recipient",
            "recipient_kind",
            "recipient_id_number",
            "address",
            "carrier",
            "tracking_number",
        ),
    ),
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
