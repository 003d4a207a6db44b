"""Hypothesis walks of the case state machine (issue 13, item 5): random actions by random roles, with
plausible and implausible parameters and sometimes a stale version, keep every invariant of
docs/rules.md after every step. Each example starts from a fresh case inside a savepoint that is
rolled back, so the examples of one test share the database world but never each other's cases."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from onewindow.cases import clock as case_clock
from onewindow.cases import services
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, CaseEvent, CaseStatus, Result
from onewindow.catalogue.results import sample_particulars
from onewindow.core import audit, clock
from onewindow.core.errors import DomainError
from onewindow.core.models import AuditEntry
from onewindow.org import roles as r
from tests.cases.conftest import PERSON, drive, user

pytestmark = pytest.mark.django_db

USERS = (
    "clerk1",
    "construction-approver",
    "construction-head",
    "issuer1",
    "supervisor1",
    "health-approver",
)
FINAL = frozenset({CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.ISSUED})

_reason = st.sampled_from([None, "", "  ", "申请人要求", "材料不符合法定形式"])
_PARAMS = {
    t.SUPPLEMENT: st.fixed_dictionaries(
        {"materials": st.lists(st.sampled_from(["M01", "M02", "M03", "M04", "X99"]), max_size=4)}
    ),
    t.REJECT: st.fixed_dictionaries({"reason": _reason}),
    t.WITHDRAW: st.fixed_dictionaries({"reason": _reason}),
    t.CLAIM: st.just({}),
    t.SUSPEND: st.fixed_dictionaries(
        {
            # the sub-item provides expert_review and field_inspection; hearing and nonsense it does not
            "procedure": st.sampled_from(["expert_review", "field_inspection", "hearing", "bogus", ""]),
            "reason": _reason,
            "planned_days": st.sampled_from([None, 0, 1, 5, 30]),
        }
    ),
    t.RESUME: st.fixed_dictionaries({"outcome": st.sampled_from(["", "专家评审通过"])}),
    t.EXTEND: st.fixed_dictionaries(
        {"days": st.sampled_from([None, -1, 0, 1, 5, 10, 11]), "reason": _reason}
    ),
    t.RETURN: st.fixed_dictionaries({"reason": _reason}),
    t.DECIDE: st.fixed_dictionaries(
        {
            "decision": st.sampled_from(["grant", "deny", "maybe"]),
            "reason": _reason,
            "particulars": st.sampled_from(["sample", "none", "empty"]),
        }
    ),
    t.PRODUCE_RESULT: st.just({}),
    t.ISSUE: st.one_of(
        st.just({"method": "pickup"}),
        st.just({"method": "mail", "address": "铁东区一号", "tracking_number": "SF123"}),
        st.just({"method": "mail", "address": "铁东区一号"}),
        st.just({"method": "pickup", "recipient_kind": "agent"}),
    ),
}

# Parameters an honest user would send (so that walks get far), next to the random ones above.
_GOOD = {
    t.SUPPLEMENT: st.just({"materials": ["M01", "M02", "M03"]}),
    t.REJECT: st.just({"reason": "不属于本机关职权范围"}),
    t.WITHDRAW: st.just({"reason": "申请人撤回"}),
    t.CLAIM: st.just({}),
    t.SUSPEND: st.just({"procedure": "expert_review", "reason": "组织专家评审", "planned_days": 5}),
    t.RESUME: st.just({"outcome": "专家评审通过"}),
    t.EXTEND: st.just({"days": 3, "reason": "情况复杂"}),
    t.RETURN: st.just({"reason": "材料需补正"}),
    t.DECIDE: st.sampled_from(
        [
            {"decision": "grant", "reason": "符合条件", "particulars": "sample"},
            {"decision": "deny", "reason": "不符合法定条件", "particulars": "none"},
        ]
    ),
    t.PRODUCE_RESULT: st.just({}),
    t.ISSUE: st.just({"method": "pickup"}),
}


def _draw_step(data, case: Case, users: dict) -> tuple[str, str, dict, int]:
    """Mostly an action the table lists for the case's status by a user of the working department who
    holds one of its roles, with good parameters and the current version; otherwise anything at all."""
    status = case.status
    listed = [a for a in t.ACTIONS if (status, a) in t.TABLE]
    if status != CaseStatus.SUPPLEMENT_REQUESTED and not case.deferred_materials:
        listed = [a for a in listed if a != t.SUPPLEMENT]  # nothing outstanding: always refused
    # the ending actions are listed in nearly every status: weight the others so that walks get far
    listed = [a for a in listed for _ in range(1 if a in (t.WITHDRAW, t.REJECT) else 4)]
    if listed and data.draw(st.sampled_from([True, True, True, False]), label="plausible"):
        action = data.draw(st.sampled_from(listed), label="action")
        roles = t.TABLE[(status, action)].roles
        holders = [n for n, u in users.items() if n != "health-approver" and roles & set(r.roles_of(u))]
        username = data.draw(st.sampled_from(holders), label="user")
        drawn = data.draw(st.one_of(_GOOD[action], _GOOD[action], _PARAMS[action]), label="params")
        offset = data.draw(st.sampled_from([0, 0, 0, 0, 0, -1, 1]), label="version offset")
        return action, username, drawn, offset
    action = data.draw(st.sampled_from(t.ACTIONS), label="action")
    username = data.draw(st.sampled_from(USERS), label="user")
    drawn = data.draw(_PARAMS[action], label="params")
    offset = data.draw(st.sampled_from([0, 0, 0, -1, 1]), label="version offset")
    return action, username, drawn, offset


# Where a walk starts: a fresh case in each status before a final one (drive's shortest paths).
_start = st.sampled_from(
    ["accepted", "deferred", "supplement_requested", "in_review", "suspended", "decided", "result_ready"]
)


def _snapshot(case: Case) -> tuple:
    row = Case.objects.get(pk=case.pk)
    return (
        row.status,
        row.version,
        CaseEvent.objects.filter(case=row).count(),
        AuditEntry.objects.count(),
        Result.objects.filter(case=row).count(),
    )


def _check_case(case: Case) -> None:
    """What must hold of the stored case in any status."""
    row = Case.objects.select_related("guide", "subitem", "region", "authority").get(pk=case.pk)
    results = list(Result.objects.select_related("seal").filter(case=row))
    if row.status in t.RESULT_STATUSES:
        assert len(results) == 1, (row.status, results)
        result = results[0]
        assert result.seal.organisation_id == row.authority_id
        assert not result.seal.void
        assert result.authority_id == row.authority_id
    else:
        assert results == [], row.status
    # rule 4: the stored due date is the one the clock computes (for a case whose clock counts)
    if row.status in (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED):
        assert row.due_date == case_clock.case_clock(row, strict=True).due_date


def _params(case: Case, action: str, drawn: dict) -> dict:
    params = dict(drawn)
    if action == t.DECIDE:
        choice = params.pop("particulars")
        if choice == "sample":
            params["particulars"] = sample_particulars(case.guide.result_fields or [], on=clock.today())
        elif choice == "empty":
            params["particulars"] = {}
    return {k: v for k, v in params.items() if v is not None}


class _Rollback(Exception):
    pass


def _start_case(start: str) -> Case:
    if start == "deferred":
        return drive("accepted", deferred=True)
    if start == "supplement_requested":
        return services.accept(
            actor=user("clerk1"), subitem="XK09901001", applicant=PERSON, materials=["M01"]
        )[0]
    return drive(start)


@settings(
    max_examples=30,
    stateful_step_count=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=_start, n_steps=st.integers(min_value=3, max_value=12), data=st.data())
def test_random_walks_keep_the_rules(world, start, n_steps, data):
    users = {name: user(name) for name in USERS}
    try:
        with transaction.atomic():
            case = _start_case(start)
            _check_case(case)
            for _ in range(n_steps):
                case = Case.objects.get(pk=case.pk)
                action, username, drawn, version_offset = _draw_step(data, case, users)
                actor = users[username]
                before = _snapshot(case)
                status = case.status
                try:
                    after_case = services.perform(
                        actor=actor,
                        case=case,
                        action=action,
                        version=case.version + version_offset,
                        **_params(case, action, drawn),
                    )
                except DomainError as refused:
                    event(f"refused {action} {refused.code}")
                    # a refused step changes nothing
                    assert _snapshot(case) == before, (action, username, drawn)
                else:
                    after = _snapshot(case)
                    transition = t.TABLE.get((status, action))
                    assert status not in FINAL, (status, action)
                    assert transition is not None, (status, action)
                    assert transition.roles & set(r.roles_of(actor)), (status, action, username)
                    assert version_offset == 0, "a stale version was accepted"
                    assert after[1] == before[1] + 1
                    assert after[2] >= before[2] + 1
                    assert after[3] >= before[3] + 1
                    assert after[0] in transition.to, (status, action, after[0])
                    assert after_case.status == after[0] and after_case.version == after[1]
                    event(f"ok {status}->{after[0]}")
                _check_case(case)
            # a case in a final status takes no action at all
            case = Case.objects.get(pk=case.pk)
            if case.status in FINAL:
                for action in t.ACTIONS:
                    assert t.TABLE.get((case.status, action)) is None
                    for actor in users.values():
                        before = _snapshot(case)
                        with pytest.raises(DomainError):
                            services.perform(actor=actor, case=case, action=action, version=case.version)
                        assert _snapshot(case) == before
            event(f"end {case.status}")
            verified = audit.verify()
            assert verified.ok, verified
            raise _Rollback
    except _Rollback:
        pass
