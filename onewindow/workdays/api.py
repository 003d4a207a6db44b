"""The working-day calendar's JSON endpoint (thin: the arithmetic in, the answer out)."""

import datetime as dt
from typing import Annotated

from ninja import Field, Router, Schema

from onewindow.workdays import arithmetic, selectors

router = Router(tags=["calendar"])
Days = Annotated[int, Field(ge=0, le=100_000, description="working days (0 gives the start day)")]


class AddWorkdaysOut(Schema):
    start: dt.date
    days: int
    due_date: dt.date
    provisional: bool


@router.get(
    "/calendar/add-workdays",
    response=AddWorkdaysOut,
    summary="The working day N working days after a date (the start day does not count)",
)
def calendar_add_workdays(request, start: dt.date, days: Days):
    """400 for a malformed date or negative days; 422 `calendar.missing` when the count runs into a year
    with no schedule, official or provisional. Any logged-in user."""
    result = arithmetic.add_workdays_info(start, days, region=selectors.region_of(request.auth))
    return {"start": start, "days": days, "due_date": result.date, "provisional": result.provisional}
