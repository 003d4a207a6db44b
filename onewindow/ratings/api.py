"""JSON API of 好差评: the applicant's rating (no login), the counter's, the lists and the rectification."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from onewindow.core import throttle
from onewindow.core.api import DbInt, Id, In, Page, Rendered, code, line, text
from onewindow.ratings import selectors, services

router = Router(tags=["ratings"])

GradeCode = Literal["good", "neutral", "bad"]
ChannelCode = Literal["online", "counter"]
RectificationStatusCode = Literal["open", "replied", "followed_up", "closed"]


Level = Annotated[
    int, Field(ge=1, le=5, description="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
]
Comment = text(500, blank=True, description="the applicant's comment (optional)")
Version = Annotated[DbInt | None, Field(None, description="the version the caller saw (409 when stale)")]


class RatingCodeName(Schema):
    code: str
    name: str


class RatingCaseRef(Schema):
    number: str


class PublicRatingIn(In):
    check: line(20, blank=True, description="last 4 digits of the applicant's phone")
    level: Level
    comment: Comment = ""


class CounterRatingIn(In):
    level: Level
    comment: Comment = ""


class PublicRatingOut(Schema):
    case: RatingCaseRef
    level: int
    level_label: str
    grade: GradeCode = Field(..., description="good (4–5) | neutral (3) | bad (1–2)")
    rated_at: dt.datetime


class RatingOut(Schema):
    id: int
    case: RatingCaseRef
    level: int = Field(..., ge=1, le=5)
    level_label: str
    grade: GradeCode
    comment: str
    channel: ChannelCode
    rated_at: dt.datetime
    department: RatingCodeName | None
    subitem: RatingCodeName
    window: str | None
    clerk: str | None = Field(None, description="who accepted the case")
    approver: str | None = Field(None, description="who decided it")
    issuer: str | None = Field(None, description="who handed the result out")


class RectificationOut(Schema):
    id: int
    version: int
    status: RectificationStatusCode
    status_label: str
    case: RatingCaseRef
    level: int
    comment: str
    department: RatingCodeName
    opened_at: dt.datetime
    deadline: dt.date = Field(..., description="the rating's day + 15 working days")
    overdue: bool = Field(..., description="still unanswered after the deadline")
    reply: str
    measures: str
    replied_at: dt.datetime | None
    replied_late: bool
    follow_up: str
    applicant_satisfied: bool | None
    followed_up_at: dt.datetime | None
    closing_note: str
    closed_at: dt.datetime | None


class ReplyIn(In):
    reply: text(2000, description="the department's answer to the applicant")
    measures: text(2000, description="what was rectified (整改措施)")
    version: Version = None


class FollowUpIn(In):
    result: text(2000, description="what the applicant said at the follow-up (回访)")
    satisfied: bool
    version: Version = None


class CloseIn(In):
    note: text(2000, blank=True) = ""
    version: Version = None


def _public(rating) -> dict:
    return {
        "case": {"number": rating.case.number},
        "level": rating.level,
        "level_label": str(rating.get_level_display()),
        "grade": rating.grade,
        "rated_at": rating.rated_at,
    }


@router.post(
    "/public/cases/{number}/rating",
    auth=None,
    response={201: PublicRatingOut},
    summary="The applicant rates an issued case (好差评; no login, once per case)",
)
def public_rating(request, number: str, payload: PublicRatingIn):
    """201; a second rating 409; before issuance 409; a wrong check (or unknown number) 404;
    rate-limited per address and per case number like the progress query (429)."""
    with throttle.guarded(request, "rating", number):
        rating = services.rate_online(
            number=number, check=payload.check, level=payload.level, comment=payload.comment
        )
    return Status(201, _public(rating))


@router.post(
    "/cases/{number}/rating",
    response={201: RatingOut},
    summary="Record the rating the applicant gave at the counter (hall clerks)",
)
def counter_rating(request, number: str, payload: CounterRatingIn):
    rating = services.record_at_counter(
        actor=request.auth, case=number, level=payload.level, comment=payload.comment
    )
    return Status(201, selectors.rating_summary(rating))


@router.get("/ratings", response=list[RatingOut], summary="Ratings in the caller's scope")
@paginate(Page)
def list_ratings(
    request,
    department: code(description="department code") | None = None,
    grade: GradeCode | None = None,
    date_from: dt.date | None = Query(None, alias="from", description="YYYY-MM-DD, the hall's day"),  # noqa: B008
    date_to: dt.date | None = Query(None, alias="to", description="YYYY-MM-DD, included"),  # noqa: B008
):
    qs = selectors.visible_ratings(
        request.auth, department=department, grade=grade, date_from=date_from, date_to=date_to
    )
    return Rendered(qs, selectors.rating_summary)


@router.get(
    "/rectifications", response=list[RectificationOut], summary="Rectifications of bad ratings in scope"
)
@paginate(Page)
def list_rectifications(
    request,
    status: RectificationStatusCode | None = None,
    department: code(description="department code") | None = None,
):
    qs = selectors.visible_rectifications(request.auth, status=status, department=department)
    return Rendered(qs, selectors.rectification_summary_of)


@router.get("/rectifications/{rectification_id}", response=RectificationOut, summary="One rectification")
def get_rectification(request, rectification_id: Id):
    return selectors.rectification_summary_of(selectors.get_rectification(request.auth, rectification_id))


@router.post(
    "/rectifications/{rectification_id}/reply",
    response=RectificationOut,
    summary="The department replies and says what it rectified",
)
def reply_rectification(request, rectification_id: Id, payload: ReplyIn):
    item = services.reply(
        actor=request.auth,
        rectification=rectification_id,
        reply=payload.reply,
        measures=payload.measures,
        version=payload.version,
    )
    return selectors.rectification_summary_of(item)


@router.post(
    "/rectifications/{rectification_id}/follow-up",
    response=RectificationOut,
    summary="Record the applicant's follow-up (supervisor)",
)
def follow_up_rectification(request, rectification_id: Id, payload: FollowUpIn):
    item = services.follow_up(
        actor=request.auth,
        rectification=rectification_id,
        result=payload.result,
        satisfied=payload.satisfied,
        version=payload.version,
    )
    return selectors.rectification_summary_of(item)


@router.post(
    "/rectifications/{rectification_id}/close", response=RectificationOut, summary="Close (supervisor)"
)
def close_rectification(request, rectification_id: Id, payload: CloseIn):
    item = services.close(
        actor=request.auth, rectification=rectification_id, note=payload.note, version=payload.version
    )
    return selectors.rectification_summary_of(item)
