"""JSON API of the statistics: GET /stats/cases (CONTRACT.md), thin over stats.selectors."""

import datetime as dt
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from onewindow.core import throttle
from onewindow.core.api import Page, code, one_of
from onewindow.core.errors import NotFound
from onewindow.stats import selectors

router = Router(tags=["stats"])

# A day of the hall's records: YYYY-MM-DD from 2000 to 2099 (a later start than end is 422).
Day = Annotated[
    str,
    Field(
        min_length=10,
        max_length=10,
        pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$",
        json_schema_extra={"format": "date"},
    ),
]


class StatsFilters(Schema):
    from_: Day | None = Field(None, alias="from", description="first day, default 1 January of this year")
    to: Day | None = Field(None, description="last day (included), default today")
    by: one_of(selectors.BY) = Field(
        "department", description="department | subitem | window | staff | month"
    )
    department: code(64) | None = Field(None, description="department code")
    subitem: code(32) | None = Field(None, description="sub-item code")


class LobbyFilters(Schema):
    region: code(12) | None = Field(None, description="region code; default the first region")


class StatsRow(Schema):
    key: str | None = Field(..., description="department/sub-item code, window number, username, YYYY-MM")
    name: str
    accepted: int = Field(..., description="cases accepted in the range (on their acceptance day)")
    completed: int = Field(..., description="cases decided in the range (grant or deny)")
    issued: int = Field(..., description="results handed out in the range (出件)")
    on_time: int = Field(..., description="completed on or before their due date")
    overdue: int = Field(..., description="completed after their due date")
    on_time_rate: float | None = Field(..., description="on_time / completed; null when none completed")
    avg_working_days: float | None = Field(..., description="working days used per completed case")
    supplements: int = Field(..., description="received in the range and asked for a supplement")
    rejections: int = Field(..., description="not accepted (不予受理) in the range")
    withdrawals: int = Field(..., description="withdrawn in the range")
    deferral_expired: int = Field(..., description="ended for deferred materials not handed in (退件)")
    suspensions: int = Field(..., description="completed cases whose clock a special procedure stopped")
    extensions: int = Field(..., description="completed cases whose limit was extended")
    working_days: int = Field(..., description="working days used by the completed cases, summed")
    open_overdue: int = Field(..., description="open cases past their due date now (live; 0 by month)")


@router.get("/stats/cases", response=list[StatsRow], summary="Statistics of accepted and completed cases")
@paginate(Page)
def stats_cases(request, filters: Query[StatsFilters]):
    """Figures as docs/rules.md rule 15 defines them; a department head sees their department only."""
    return selectors.case_statistics(
        request.auth,
        date_from=filters.from_,
        date_to=filters.to,
        by=filters.by,
        department=filters.department,
        subitem=filters.subitem,
    )


class LobbyDepartment(Schema):
    name: str
    accepted_today: int
    in_progress: int
    issued_today: int
    on_time_rate_month: float | None


class LobbyOut(Schema):
    date: dt.date
    updated_at: dt.datetime
    accepted_today: int = Field(..., description="cases accepted today")
    in_progress: int = Field(..., description="accepted and not yet issued or ended")
    issued_today: int = Field(..., description="results handed out today")
    on_time_rate_month: float | None = Field(..., description="on time / completed this month")
    departments: list[LobbyDepartment]


@router.get(
    "/public/lobby",
    auth=None,
    url_name="public_lobby",
    response=LobbyOut,
    summary="The lobby screen's figures (no login)",
)
def public_lobby(request, filters: Query[LobbyFilters]):
    """Aggregates only (no case, no person): what the hall's big screen shows; rate-limited per address."""
    throttle.check(request, "lobby")
    found = selectors.lobby_region(filters.region)
    if found is None:
        raise NotFound(_("Unknown region."), code="not_found")
    return selectors.lobby_figures(found)
