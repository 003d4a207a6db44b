"""The state machine of a case as ONE table: (status, action) → (roles allowed, status after).

Services consult only this table; tests walk every (status, action, role) against it. Where an
action can lead to more than one status (a supplement that still leaves materials missing), the
table lists every possible status and the service picks one of them.

Refusal order (CONTRACT.md): a role that may never take the action is 403 before anything else; an
action not allowed in the case's status is 409; a role not allowed in this status is 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases.models import CaseStatus as S
from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.org import roles as r

# Creation is not a transition of an existing case: POST /cases by a window clerk.
ACCEPT = "accept"
ACCEPT_ROLES = frozenset({r.WINDOW_CLERK})
ACCEPT_STATUSES = (S.ACCEPTED, S.SUPPLEMENT_REQUESTED)

SUPPLEMENT = "supplement"
REJECT = "reject"
WITHDRAW = "withdraw"
CLAIM = "claim"
SUSPEND = "suspend"
RESUME = "resume"
EXTEND = "extend"
RETURN = "return"
DECIDE = "decide"
PRODUCE_RESULT = "produce_result"
ISSUE = "issue"

ACTIONS = (
    SUPPLEMENT,
    REJECT,
    WITHDRAW,
    CLAIM,
    SUSPEND,
    RESUME,
    EXTEND,
    RETURN,
    DECIDE,
    PRODUCE_RESULT,
    ISSUE,
)

# What each action is called, on buttons and in refusals.
ACTION_LABELS = {
    SUPPLEMENT: gettext_lazy("Hand in materials"),
    REJECT: gettext_lazy("Reject (not accepted)"),
    WITHDRAW: gettext_lazy("Withdraw"),
    CLAIM: gettext_lazy("Claim for review"),
    SUSPEND: gettext_lazy("Start a special procedure"),
    RESUME: gettext_lazy("End the special procedure"),
    EXTEND: gettext_lazy("Extend the time limit"),
    RETURN: gettext_lazy("Return to the window"),
    DECIDE: gettext_lazy("Decide"),
    PRODUCE_RESULT: gettext_lazy("Produce the result"),
    ISSUE: gettext_lazy("Issue the result"),
}

_CLERK = frozenset({r.WINDOW_CLERK})
_APPROVER = frozenset({r.APPROVER})
_HEAD = frozenset({r.DEPARTMENT_HEAD})
_ISSUER = frozenset({r.ISSUING_CLERK})


@dataclass(frozen=True)
class Transition:
    roles: frozenset[str]
    to: tuple[str, ...]


def _t(roles, *to) -> Transition:
    return Transition(frozenset(roles), tuple(to))


TABLE: dict[tuple[str, str], Transition] = {
    # At the window, before acceptance (补正 is not counted: the clock has not started).
    (S.SUPPLEMENT_REQUESTED, SUPPLEMENT): _t(_CLERK, S.ACCEPTED, S.SUPPLEMENT_REQUESTED),
    (S.SUPPLEMENT_REQUESTED, REJECT): _t(_CLERK, S.REJECTED),
    (S.SUPPLEMENT_REQUESTED, WITHDRAW): _t(_CLERK, S.WITHDRAWN),
    # Accepted and routed to the department's queue.
    (S.ACCEPTED, SUPPLEMENT): _t(_CLERK, S.ACCEPTED),  # deferred materials handed in (容缺 top-up)
    (S.ACCEPTED, WITHDRAW): _t(_CLERK, S.WITHDRAWN),
    (S.ACCEPTED, CLAIM): _t(_APPROVER, S.IN_REVIEW),
    (S.ACCEPTED, EXTEND): _t(_HEAD, S.ACCEPTED),
    (S.ACCEPTED, RETURN): _t(_APPROVER, S.SUPPLEMENT_REQUESTED),
    # In the back office.
    (S.IN_REVIEW, SUPPLEMENT): _t(_CLERK, S.IN_REVIEW),
    (S.IN_REVIEW, WITHDRAW): _t(_CLERK, S.WITHDRAWN),
    (S.IN_REVIEW, CLAIM): _t(_APPROVER, S.IN_REVIEW),  # another approver of the department takes over
    (S.IN_REVIEW, SUSPEND): _t(_APPROVER, S.SUSPENDED),
    (S.IN_REVIEW, EXTEND): _t(_HEAD, S.IN_REVIEW),
    (S.IN_REVIEW, RETURN): _t(_APPROVER, S.SUPPLEMENT_REQUESTED),
    (S.IN_REVIEW, DECIDE): _t(_APPROVER, S.DECIDED),
    # Special procedure under way: the clock is stopped.
    (S.SUSPENDED, SUPPLEMENT): _t(_CLERK, S.SUSPENDED),
    (S.SUSPENDED, WITHDRAW): _t(_CLERK, S.WITHDRAWN),
    (S.SUSPENDED, RESUME): _t(_APPROVER, S.IN_REVIEW),
    (S.SUSPENDED, EXTEND): _t(_HEAD, S.SUSPENDED),
    # Decided: the result is produced by the department, then handed out by the issuing window only.
    (S.DECIDED, PRODUCE_RESULT): _t(_APPROVER, S.RESULT_READY),
    (S.RESULT_READY, ISSUE): _t(_ISSUER, S.ISSUED),
}

# Every role that may take each action in some status (for the 403-before-409 rule).
ACTION_ROLES: dict[str, frozenset[str]] = {
    action: frozenset().union(*(t.roles for (_s, a), t in TABLE.items() if a == action)) for action in ACTIONS
}


def allowed_actions(status: str, user_roles) -> list[str]:
    """The actions a holder of `user_roles` may take on a case in `status` (for UI buttons)."""
    user_roles = set(user_roles)
    return [a for a in ACTIONS if (t := TABLE.get((status, a))) is not None and t.roles & user_roles]


def authorize(status: str, action: str, user_roles) -> tuple[str, Transition]:
    """The role the user acts in and the transition; PermissionDenied (403) or Conflict (409) otherwise."""
    user_roles = set(user_roles)
    if action not in ACTION_ROLES:
        from onewindow.core.errors import InvalidInput

        raise InvalidInput(
            _("Unknown action %(action)s.") % {"action": action},
            code="case.unknown_action",
            errors={"action": [_("One of: %(actions)s") % {"actions": ", ".join(ACTIONS)}]},
        )
    if not ACTION_ROLES[action] & user_roles:
        raise PermissionDenied(
            _("Your role may not take the action %(action)s on a case.") % {"action": _label(action)},
            code="case.role_forbidden",
        )
    transition = TABLE.get((status, action))
    if transition is None:
        raise Conflict(
            _("The action %(action)s is not possible while the case is %(status)s.")
            % {"status": S(status).label, "action": _label(action)},
            code="case.wrong_state",
        )
    acting = sorted(transition.roles & user_roles)
    if not acting:
        raise PermissionDenied(
            _("Your role may not take the action %(action)s while the case is %(status)s.")
            % {"action": _label(action), "status": S(status).label},
            code="case.role_forbidden",
        )
    return acting[0], transition


def _label(action: str) -> str:
    """The action's name in quotes, as a refusal message shows it (“出件”)."""
    return f"“{ACTION_LABELS[action]}”"
