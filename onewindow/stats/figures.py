"""The figures of the statistics, defined once (docs/rules.md rule 15), as Python over one case.

`facts(case)` reads what a case contributes; `contributions(facts)` says on which day, under which staff
member, it adds what to which counter. `services.rebuild` states the very same in set-based SQL, and
tests/stats/test_figures_property.py checks the three (listener, rebuild, a brute-force count) agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from onewindow.cases import clock as case_clock
from onewindow.cases.models import Case, CaseEvent, Closure, Extension, Suspension
from onewindow.core import clock

# The events that ask the applicant for a supplement: the window's one complete list (一次性告知) and the
# department returning the case to the window for correction.
SUPPLEMENT_ACTIONS = ("request_supplement", "return")
# A case ended without a decision counts under one of these, on the day it ended.
CLOSURE_COUNTERS = {
    Closure.REJECTED: "rejections",
    Closure.WITHDRAWN: "withdrawals",
    Closure.DEFERRAL_EXPIRED: "deferral_expired",
}


@dataclass(frozen=True)
class Facts:
    """The columns of models.CaseFigures."""

    region_id: int
    department_id: int
    subitem_id: int
    window_id: int
    received_by: int
    accepted_by: int
    decided_by: int
    issued_by: int
    received_on: dt.date
    accepted_on: dt.date | None
    decided_on: dt.date | None
    issued_on: dt.date | None
    ended_on: dt.date | None
    closure: str
    on_time: bool
    working_days: int
    supplemented: bool
    suspended: bool
    extended: bool

    def as_dict(self) -> dict:
        return asdict(self)


def _date(moment):
    return clock.local_date(moment) if moment is not None else None


def department_id(case: Case) -> int:
    """The department a case counts under: the deciding one once decided (whoever approves is
    responsible), else the authority pinned at acceptance while the case is accepted (rule 2); 0 for a
    case at the window (never accepted, or returned to the window): no department has it."""
    if case.decided_department_id:
        return case.decided_department_id
    if case.accepted_at is not None and case.authority_id:
        return case.authority_id
    return 0


def on_time(*, due: dt.date | None, decided_on: dt.date | None) -> bool:
    """A decided case is on time unless its clock shows it decided after its due date: cases.clock.level
    of the stopped clock (the due date holds the granted extensions and the suspended days)."""
    if decided_on is None:
        return False
    level = case_clock.level(due=due, today=decided_on, stopped_on=decided_on, live=False, region=None)
    return level != case_clock.OVERDUE


# The columns of cases.Case that facts() reads (directly or through the case's clock): when an action left
# them, the suspensions and extensions as they were, and asked for no supplement, the figures stand.
# tests/stats/test_listener.py checks facts() reads no other column.
CASE_COLUMNS = (
    "region",
    "subitem",
    "guide",
    "window",
    "authority",
    "decided_department",
    "created_by",
    "accepted_by",
    "decided_by",
    "issued_by",
    "received_at",
    "accepted_at",
    "decided_at",
    "issued_at",
    "ended_at",
    "closure",
    "due_date",
)


def facts(case: Case, *, supplemented: bool | None = None, suspensions=None, extensions=None) -> Facts:
    """What `case` contributes now. `supplemented`, `suspensions` and `extensions` when the caller already
    knows them (else a query each)."""
    accepted_at = case.accepted_at
    if not accepted_at:
        suspensions, extensions = [], []
    if suspensions is None:
        suspensions = list(Suspension.objects.filter(case_id=case.pk))
    if extensions is None:
        extensions = list(Extension.objects.filter(case_id=case.pk))
    since = [s for s in suspensions if s.started_at >= accepted_at] if accepted_at else []
    granted = [e for e in extensions if e.granted_at >= accepted_at] if accepted_at else []
    decided_on = _date(case.decided_at)
    working_days = 0
    if decided_on is not None:
        working_days = case_clock.used_days(case, today=decided_on, suspensions=suspensions)
    if supplemented is None:
        supplemented = CaseEvent.objects.filter(case_id=case.pk, action__in=SUPPLEMENT_ACTIONS).exists()
    return Facts(
        region_id=case.region_id,
        department_id=department_id(case),
        subitem_id=case.subitem_id,
        window_id=case.window_id or 0,
        received_by=case.created_by_id or 0,
        accepted_by=case.accepted_by_id or 0,
        decided_by=case.decided_by_id or 0,
        issued_by=case.issued_by_id or 0,
        received_on=_date(case.received_at),
        accepted_on=_date(accepted_at),
        decided_on=decided_on,
        issued_on=_date(case.issued_at),
        ended_on=_date(case.ended_at) if case.closure else None,
        closure=case.closure or "",
        on_time=on_time(due=case.due_date, decided_on=decided_on),
        working_days=working_days,
        supplemented=bool(supplemented),
        suspended=bool(since),
        extended=bool(granted),
    )


def contributions(f: Facts) -> list[tuple[dt.date, int, dict[str, int]]]:
    """(day, staff id, {counter: amount}) of one case — rule 15 as a table:

    - accepted: on the acceptance day, under the clerk who accepted it;
    - completed (decided, grant or deny), on_time/overdue, working days, suspensions and extensions of
      the completed case: on the decision day, under the approver who decided it;
    - issued (出件): on the day the result was handed out, under the issuing clerk;
    - rejections (不予受理), withdrawals, deferral_expired (退件): on the day the case ended, under the
      clerk who received it;
    - supplements: on the day the application was received, under the clerk who received it.
    """
    found = []
    if f.accepted_on is not None:
        found.append((f.accepted_on, f.accepted_by, {"accepted": 1}))
    if f.decided_on is not None:
        found.append(
            (
                f.decided_on,
                f.decided_by,
                {
                    "completed": 1,
                    "on_time": int(f.on_time),
                    "overdue": int(not f.on_time),
                    "working_days": f.working_days,
                    "suspensions": int(f.suspended),
                    "extensions": int(f.extended),
                },
            )
        )
    if f.issued_on is not None:
        found.append((f.issued_on, f.issued_by, {"issued": 1}))
    counter = CLOSURE_COUNTERS.get(f.closure)
    if counter is not None and f.ended_on is not None:
        found.append((f.ended_on, f.received_by, {counter: 1}))
    if f.supplemented:
        found.append((f.received_on, f.received_by, {"supplements": 1}))
    return found
