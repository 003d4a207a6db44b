"""Properties of the clock over random acceptance days, special procedures and extensions (2024–2025)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.cases import clock as case_clock
from onewindow.cases.models import Extension, Suspension
from onewindow.workdays import arithmetic
from tests.cases.conftest import HALL_TZ

START = dt.date(2024, 1, 2)


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=HALL_TZ)


@st.composite
def clocks(draw):
    accepted_on = START + dt.timedelta(days=draw(st.integers(0, 600)))
    today = accepted_on + dt.timedelta(days=draw(st.integers(0, 80)))
    promised = draw(st.integers(0, 20))
    extensions = [
        Extension(days=d, reason="延期", granted_at=moment(accepted_on, 11))
        for d in draw(st.lists(st.integers(1, 5), max_size=2))
    ]
    # Non-overlapping procedures inside [acceptance day, today]; the last may still be under way.
    cuts = sorted(draw(st.lists(st.integers(0, (today - accepted_on).days), max_size=6, unique=True)))
    suspensions = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        started_on = accepted_on + dt.timedelta(days=start)
        suspensions.append(
            Suspension(
                procedure="expert_review",
                started_at=moment(started_on, 12),
                started_on=started_on,
                ended_on=accepted_on + dt.timedelta(days=end),
            )
        )
    if len(cuts) % 2 and draw(st.booleans()):
        started_on = accepted_on + dt.timedelta(days=cuts[-1])
        suspensions.append(
            Suspension(
                procedure="testing", started_at=moment(started_on, 12), started_on=started_on, ended_on=None
            )
        )
    case = SimpleNamespace(
        region=None,
        status="suspended" if any(s.ended_on is None for s in suspensions) else "in_review",
        guide=SimpleNamespace(promised_days=promised),
        accepted_at=moment(accepted_on),
        decided_at=None,
    )
    return case, today, suspensions, extensions


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(clocks())
def test_the_clock_adds_up(world, drawn):
    case, today, suspensions, extensions = drawn
    c = case_clock.case_clock(case, today=today, suspensions=suspensions, extensions=extensions, strict=True)
    accepted_on = c.accepted_on
    # The due date is exactly allowed + suspended working days after the acceptance day.
    assert arithmetic.count_workdays(accepted_on, c.due_date) == c.allowed_days + c.suspended_days
    # Suspensions and extensions never bring the due date forward.
    assert c.due_date >= arithmetic.add_workdays(accepted_on, case.guide.promised_days)
    # What remains is the working days from today to the due date (negative once past it).
    if today <= c.due_date:
        assert c.remaining_days == arithmetic.count_workdays(today, c.due_date)
    else:
        assert c.remaining_days == -arithmetic.count_workdays(c.due_date, today)
    assert (c.level == "overdue") == (today > c.due_date)
    if c.level != "overdue":
        assert (c.level == "warning") == (c.remaining_days <= case_clock.warning_days())
    assert c.used_days >= 0 and c.suspended_days >= 0
