"""Random case histories driven through the real services, and the statistics counted by brute force
over the cases they leave (independently of onewindow.stats.figures: from the case rows, their events and
the clock of each case)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import defaultdict

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors as case_selectors
from onewindow.cases import services
from onewindow.cases.models import OPEN_STATUSES, Case
from onewindow.core import clock
from tests.cases.conftest import COMPANY, PERSON, at, user

HOURS = [(7, 30), (10, 0), (15, 0), (23, 30)]
FIRST_DAY = dt.date(2024, 10, 8)
TODAY = dt.date(2025, 3, 20)  # the day the statistics are read


class _Stop(Exception):
    """The history reached today: the case stays as it is."""


def people():
    return {
        "clerks": [user("clerk1"), user("clerk2")],
        "issuer": user("issuer1"),
        "XK09901001": (user("construction-approver"), user("construction-head")),
        "XK09901003": (user("health-approver"), user("health-head")),
    }


def one_case(rng: random.Random, who: dict) -> None:
    """One case through a random path of the state machine, each step a few days after the last."""
    subitem = rng.choice(["XK09901001", "XK09901003"])
    approver, head = who[subitem]
    clerk = rng.choice(who["clerks"])
    day = FIRST_DAY + dt.timedelta(days=rng.randint(0, 120))
    moment = at(day.year, day.month, day.day, *rng.choice(HOURS))
    clock.set_now(moment)
    complete = rng.random() > 0.3
    materials = ["M01", "M02", "M03"] if complete else ["M01", "M02"]
    applicant = rng.choice([PERSON, COMPANY])
    case, _ = services.accept(actor=clerk, subitem=subitem, applicant=applicant, materials=materials)

    def step(actor, action, **params):
        nonlocal case, moment
        later = moment.date() + dt.timedelta(days=rng.choice([0, 0, 1, 2, 3, 5, 8]))
        moment = max(
            at(later.year, later.month, later.day, *rng.choice(HOURS)), moment + dt.timedelta(minutes=1)
        )
        if moment.date() >= TODAY:
            raise _Stop
        clock.set_now(moment)
        case = services.perform(actor=actor, case=case, action=action, version=case.version, **params)

    with contextlib.suppress(_Stop):
        for _ in range(12):
            status = case.status
            roll = rng.random()
            if status == "supplement_requested":
                if roll < 0.15:
                    return
                if roll < 0.3:
                    return step(clerk, "reject", reason="不属于受理范围")
                if roll < 0.4:
                    return step(clerk, "withdraw", reason="申请人撤回")
                step(rng.choice(who["clerks"]), "supplement", materials=["M03"])
            elif status == "accepted":
                if roll < 0.1:
                    return
                if roll < 0.18:
                    return step(clerk, "withdraw", reason="申请人撤回")
                if roll < 0.26:
                    step(approver, "return", reason="材料需更正")
                elif roll < 0.34:
                    step(head, "extend", days=rng.randint(1, 5), reason="情况复杂")
                else:
                    step(approver, "claim")
            elif status == "in_review":
                if roll < 0.08:
                    return
                if roll < 0.2 and subitem == "XK09901001":
                    step(approver, "suspend", procedure="expert_review", reason="专家评审", planned_days=3)
                elif roll < 0.3:
                    step(head, "extend", days=rng.randint(1, 5), reason="情况复杂")
                elif roll < 0.36:
                    step(approver, "return", reason="材料需更正")
                else:
                    decision = "grant" if rng.random() < 0.8 else "deny"
                    step(approver, "decide", decision=decision, reason="依法审查")
            elif status == "suspended":
                if roll < 0.15:
                    return
                step(approver, "resume", outcome="评审通过")
            elif status == "decided":
                if roll < 0.3 or case.decision != "grant":
                    return
                step(approver, "produce_result")
            elif status == "result_ready":
                if roll < 0.3:
                    return
                return step(who["issuer"], "issue", method="pickup")
            else:
                return


def build(seeds: list[int]) -> None:
    who = people()
    for seed in seeds:
        one_case(random.Random(seed), who)
    clock.set_now(at(TODAY.year, TODAY.month, TODAY.day, 9, 0))
    # This morning's `tick`: open special procedures moved their cases' stored due dates day by day.
    services.refresh_open_due_dates()


COUNTERS = (
    "accepted",
    "completed",
    "issued",
    "on_time",
    "overdue",
    "supplements",
    "rejections",
    "withdrawals",
    "deferral_expired",
    "suspensions",
    "extensions",
    "working_days",
)


def _local(moment):
    return clock.local_date(moment) if moment else None


def brute_force(date_from: dt.date, date_to: dt.date, by: str) -> dict:
    """{key: {counter: n}} counted case by case, as docs/rules.md rule 15 states each figure."""
    rows: dict = defaultdict(lambda: dict.fromkeys(COUNTERS + ("open_overdue",), 0))
    today = clock.today()
    for case in Case.objects.select_related("region", "guide", "subitem").prefetch_related(
        "suspensions", "extensions", "events"
    ):
        if case.decided_department_id:
            department = case.decided_department_id
        elif case.accepted_at is not None:
            department = case.authority_id
        else:
            department = 0  # at the window

        def key(day, staff, case=case, department=department):
            return {
                "department": department or 0,
                "subitem": case.subitem_id,
                "window": case.window_id or 0,
                "staff": staff or 0,
                "month": day.replace(day=1) if day else None,
            }[by]

        def inside(day):
            return day is not None and date_from <= day <= date_to

        accepted_on = _local(case.accepted_at)
        if inside(accepted_on):
            rows[key(accepted_on, case.accepted_by_id)]["accepted"] += 1
        decided_on = _local(case.decided_at)
        if inside(decided_on):
            row = rows[key(decided_on, case.decided_by_id)]
            computed = case_clock.case_clock(case, today=today)
            row["completed"] += 1
            late = computed.level == case_clock.OVERDUE
            row["overdue" if late else "on_time"] += 1
            row["working_days"] += computed.used_days
            if any(s.started_at >= case.accepted_at for s in case.suspensions.all()):
                row["suspensions"] += 1
            if any(e.granted_at >= case.accepted_at for e in case.extensions.all()):
                row["extensions"] += 1
        issued_on = _local(case.issued_at)
        if inside(issued_on):
            rows[key(issued_on, case.issued_by_id)]["issued"] += 1
        ended_on = _local(case.ended_at)
        closure = {
            "rejected": "rejections",
            "withdrawn": "withdrawals",
            "deferral_expired": "deferral_expired",
        }
        if case.closure in closure and inside(ended_on):
            rows[key(ended_on, case.created_by_id)][closure[case.closure]] += 1
        received_on = _local(case.received_at)
        if inside(received_on) and any(
            e.action in ("request_supplement", "return") for e in case.events.all()
        ):
            rows[key(received_on, case.created_by_id)]["supplements"] += 1
        live = by != "month" and case.status in OPEN_STATUSES
        if live and case_clock.case_clock(case, today=today).level == case_clock.OVERDUE:
            live_key = {
                "department": getattr(case_selectors.department_of(case), "pk", 0),
                "subitem": case.subitem_id,
                "window": case.window_id or 0,
                "staff": case.claimed_by_id or 0,
            }[by]
            rows[live_key]["open_overdue"] += 1
    return {k: v for k, v in rows.items() if any(v.values())}
