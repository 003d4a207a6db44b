"""The level filter (SQL over the stored due dates) and the clock of each case (Python) agree on every case
of a seeded random history: varied acceptance days, special procedures, extensions, decisions late at
night and early in the morning, withdrawals, returns and rejections."""

from __future__ import annotations

import contextlib
import datetime as dt
import random

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors, services
from onewindow.cases.models import Case
from onewindow.core import clock
from tests.cases.conftest import PERSON, at, user

# The days we look at (the New Year holiday among them); before each, new cases with their history in
# the 12 days before it: we look at the present, as the stored due dates describe it.
LOOK_AT = [dt.date(2024, 11, 25) + dt.timedelta(days=n) for n in range(0, 43, 6)]
# 07:30 and 23:30 in the hall are on another UTC date: the SQL reads dates in the hall's time zone too.
HOURS = [(7, 30), (10, 0), (15, 0), (23, 30)]


class _Now(Exception):
    """The history of a case has reached the day we look at: it stays as it is."""


def _later(rng: random.Random, moment: dt.datetime, today: dt.date) -> dt.datetime:
    day = moment.date() + dt.timedelta(days=rng.randint(0, 2))
    hour, minute = rng.choice(HOURS)
    later = max(at(day.year, day.month, day.day, hour, minute), moment + dt.timedelta(minutes=1))
    if later.date() >= today:
        raise _Now
    return later


def _history(rng: random.Random, frozen_clock, people, today: dt.date) -> None:
    with contextlib.suppress(_Now):
        _steps(rng, frozen_clock, people, today)


def _steps(rng: random.Random, frozen_clock, people, today: dt.date) -> None:
    clerk, issuer = people["clerk"], people["issuer"]
    subitem = rng.choice(["XK09901001", "XK09901003"])
    approver, head = people[subitem]
    day = today - dt.timedelta(days=rng.randint(1, 12))
    hour, minute = rng.choice(HOURS)
    moment = at(day.year, day.month, day.day, hour, minute)
    frozen_clock(moment)
    complete = rng.random() > 0.15
    materials = ["M01", "M02", "M03"] if complete else ["M01", "M02"]
    case, _created = services.accept(actor=clerk, subitem=subitem, applicant=PERSON, materials=materials)

    def step(actor, action, **params):
        nonlocal case, moment
        moment = _later(rng, moment, today)
        frozen_clock(moment)
        case = services.perform(actor=actor, case=case, action=action, version=case.version, **params)

    if not complete:
        if rng.random() < 0.3:
            step(clerk, "reject", reason="不符合受理条件")
            return
        if rng.random() < 0.5:
            return  # still waiting for the supplement
        step(clerk, "supplement", materials=["M03"])
    path = rng.choice(["accepted", "withdrawn", "review", "suspended", "returned", "decided", "issued"])
    if path == "accepted":
        return
    if path == "withdrawn":
        step(clerk, "withdraw", reason="申请人撤回")
        return
    if rng.random() < 0.4:
        step(head, "extend", days=rng.randint(1, 5), reason="情况复杂")
    step(approver, "claim")
    if path == "returned":
        step(approver, "return", reason="申请表签字缺失")
        return
    if subitem == "XK09901001" and rng.random() < 0.6:
        step(approver, "suspend", procedure="field_inspection", reason="现场核查")
        if path == "suspended":
            return
        step(approver, "resume", outcome="核查通过")
    if path in ("review", "suspended"):
        return
    step(approver, "decide", decision=rng.choice(["grant", "grant", "deny"]), reason="依法审查")
    if path == "issued":
        step(approver, "produce_result")
        step(issuer, "issue", method="pickup")


def test_the_level_filter_and_the_clock_agree_on_every_case(world, frozen_clock):
    people = {
        "clerk": user("clerk1"),
        "issuer": user("issuer1"),
        "XK09901001": (user("construction-approver"), user("construction-head")),
        "XK09901003": (user("health-approver"), user("health-head")),
    }
    rng = random.Random(20241218)
    seen = set()
    for today in LOOK_AT:
        for _ in range(12):
            _history(rng, frozen_clock, people, today)
        frozen_clock(at(today.year, today.month, today.day, 9, 0))
        services.refresh_open_due_dates()  # what `onewindow tick` does every day
        cases = list(
            Case.objects.select_related("region", "subitem", "guide").prefetch_related(
                "suspensions", "extensions"
            )
        )
        python = {c.number: case_clock.case_clock(c, today=clock.today()).level for c in cases}
        for level in case_clock.LEVELS:
            sql = set(
                selectors.filter_level(Case.objects.all(), level, today=today).values_list(
                    "number", flat=True
                )
            )
            assert sql == {n for n, shown in python.items() if shown == level}, (today, level)
        seen |= set(python.values())
    assert seen == set(case_clock.LEVELS)  # the history reaches every level
