"""JSON API of the statistics: GET /stats/cases (CONTRACT.md), thin over stats.selectors."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from onewindow.core import throttle
from onewindow.core.api import Page
from onewindow.core.errors import NotFound
from onewindow.stats import selectors

router = Router(tags=["stats"])


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
def stats_cases(
    request,
    from_: str | None = Query(None, alias="from", max_length=10, description="YYYY-MM-DD, default 1 January"),
    to: str | None = Query(None, max_length=10, description="YYYY-MM-DD inclusive, default today"),
    by: str = Query("department", max_length=12, description="department | subitem | window | staff | month"),
    department: str | None = Query(None, max_length=64, description="department code"),
    subitem: str | None = Query(None, max_length=32, description="sub-item code"),
):
    """Figures as docs/rules.md rule 14 defines them; a department head sees their department only."""
    return selectors.case_statistics(
        request.auth, date_from=from_, date_to=to, by=by, department=department, subitem=subitem
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
def public_lobby(request, region: str | None = Query(None, max_length=12, description="region code")):
    """Aggregates only (no case, no person): what the hall's big screen shows; rate-limited per address."""
    throttle.check(request, "lobby")
    found = selectors.lobby_region(region)
    if found is None:
        raise NotFound(_("Unknown region."), code="not_found")
    return selectors.lobby_figures(found)
