"""The state machine of a case as ONE table: (status, action) → (roles allowed, status after).

Services read the status after each action from this table only, and the case page shows the
buttons `available_actions` gives, which runs the very check the services run (`check`); tests walk
every (status, action, role) against it. Where an action can lead to more than one status (a
supplement that still leaves materials missing), the table lists every possible status: the first
is where the action leads, the second where it leaves a case still short of materials.

Next to the table: the rules that narrow it (the department that works the case, the supplement
that needs something outstanding) and the actions that leave the status as it is (`remind`,
`supervise`, `revoke_result`).

Refusal order (CONTRACT.md): a role that may never take the action is 403 before anything else; an
action not allowed in the case's status is 409; a role not allowed in this status is 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases.models import CLOCK_STATUSES, OPEN_STATUSES
from onewindow.cases.models import CaseStatus as S
from onewindow.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied, RuleViolation
from onewindow.org import roles as r

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

    @property
    def status_after(self) -> str:
        """Where the action leads."""
        return self.to[0]

    @property
    def status_if_still_short(self) -> str:
        """Where a supplement that still leaves required materials missing leaves the case."""
        return self.to[-1]


def _t(roles, *to) -> Transition:
    return Transition(frozenset(roles), tuple(to))


# Creation is not a transition of an existing case: POST /cases by a window clerk; the application is
# accepted, or waits for the materials on the one complete list.
ACCEPTANCE = _t({r.WINDOW_CLERK}, S.ACCEPTED, S.SUPPLEMENT_REQUESTED)


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

# The statuses of a case that has a result: produce_result leads to result_ready, only issue follows it.
RESULT_STATUSES = frozenset({TABLE[(S.DECIDED, PRODUCE_RESULT)].status_after, S.ISSUED})

# What the system does by itself (`onewindow tick`): an accepted case whose deferred materials (容缺) were
# not handed in by the deadline ends (退件).
DEFERRAL_EXPIRED = "deferral_expired"
SYSTEM_TABLE: dict[tuple[str, str], Transition] = {
    (status, DEFERRAL_EXPIRED): _t((), S.WITHDRAWN) for status in CLOCK_STATUSES
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


def _organisation(user):
    staff = getattr(user, "staff", None)
    return staff.organisation if staff is not None else None


def check(case, action: str, user, *, department_id: int | None) -> tuple[str, Transition]:
    """Whether `user` may take `action` on `case` now (everything but the version): the table, then the
    department rule and the supplement rule. Returns (acting role, transition); raises like `authorize`.

    `department_id` is the organisation that works the case now (cases.selectors.department_of).
    """
    role, transition = authorize(case.status, action, r.roles_of(user))
    # Back-office work belongs to the department that works the case (rule 3). The scope already keeps
    # approvers and heads to their department's cases; this catches one who also holds a region-wide role.
    if role in r.DEPARTMENT_ROLES:
        organisation = _organisation(user)
        if department_id is None or organisation is None or organisation.pk != department_id:
            raise PermissionDenied(
                _("Only the department that works this case may do this."), code="case.other_department"
            )
    # After acceptance only deferred materials (容缺) are handed in: nothing outstanding, nothing to take.
    if action == SUPPLEMENT and case.status != S.SUPPLEMENT_REQUESTED and not case.deferred_materials:
        raise Conflict(_("No materials are outstanding on this case."), code="case.nothing_outstanding")
    # A claim takes the case from another approver; the one who holds it already has it (no second event).
    if action == CLAIM and case.claimed_by_id is not None and case.claimed_by_id == user.pk:
        raise Conflict(_("You already hold this case for review."), code="case.already_claimed")
    # Art. 45 procedures are the sub-item's own: one that provides for none cannot be suspended.
    if action == SUSPEND and not (case.subitem.special_procedures or []):
        raise RuleViolation(
            _("This sub-item provides for no special procedure."), code="case.no_special_procedure"
        )
    return role, transition


def available_actions(case, user, *, department_id: int | None) -> list[str]:
    """The actions `user` may take on `case` now: exactly those `check` lets through (the case page's buttons)."""
    allowed = []
    for action in allowed_actions(case.status, r.roles_of(user)):
        try:
            check(case, action, user, department_id=department_id)
        except DomainError:
            continue
        allowed.append(action)
    return allowed


# --------------------------------------------------------------------------------------------------
# Actions on a case that leave its status as it is
# --------------------------------------------------------------------------------------------------

REMIND = "remind"
SUPERVISE = "supervise"
REVOKE_RESULT = "revoke_result"


@dataclass(frozen=True)
class SideAction:
    roles: tuple[str, ...]  # in order of preference for the role the user acts in
    statuses: frozenset[str]
    role_refusal: str
    state_refusal: str
    state_code: str


SIDE_ACTIONS: dict[str, SideAction] = {
    # The supervisor urges the department (催办) while the case is open.
    REMIND: SideAction(
        roles=(r.SUPERVISOR,),
        statuses=frozenset(OPEN_STATUSES),
        role_refusal=gettext_lazy("Only the supervisor sends reminders."),
        state_refusal=gettext_lazy("The case is closed."),
        state_code="case.closed",
    ),
    # The supervisor escalates an overdue open case to a supervision order (督办).
    SUPERVISE: SideAction(
        roles=(r.SUPERVISOR,),
        statuses=frozenset(OPEN_STATUSES),
        role_refusal=gettext_lazy("Only the supervisor issues supervision orders."),
        state_refusal=gettext_lazy("The case is closed."),
        state_code="case.closed",
    ),
    REVOKE_RESULT: SideAction(
        roles=(r.SUPERVISOR, r.DEPARTMENT_HEAD),
        statuses=RESULT_STATUSES,
        role_refusal=gettext_lazy("Only a department head or the supervisor revokes results."),
        state_refusal=gettext_lazy("The case has no result."),
        state_code="case.no_result",
    ),
}


def check_side_action(case, action: str, user) -> str:
    """The role `user` takes `action` (remind, revoke_result) in; 403 for another role, 409 in another status."""
    rule = SIDE_ACTIONS[action]
    mine = r.roles_of(user)
    acting = [role for role in rule.roles if role in mine]
    if not acting:
        raise PermissionDenied(str(rule.role_refusal), code="case.role_forbidden")
    if case.status not in rule.statuses:
        raise Conflict(str(rule.state_refusal), code=rule.state_code)
    return acting[0]


def may(case, action: str, user) -> bool:
    """Whether `user` may take a side action on `case` now (e.g. whether the page shows the reminder form)."""
    try:
        check_side_action(case, action, user)
    except DomainError:
        return False
    return True


def _label(action: str) -> str:
    """The action's name in quotes, as a refusal message shows it (“出件”)."""
    return f"“{ACTION_LABELS[action]}”"
