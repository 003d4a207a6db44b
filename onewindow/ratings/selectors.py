"""Reads of 好差评: the lists in each caller's scope, and the counts per department, staff member, window,
sub-item or month that the statistics and the assessment read (one grouped query each)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from onewindow.core import clock
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.ratings.models import Grade, Rating, Rectification, RectificationStatus

# Who a rating counts for, per staff role (谁办理谁负责).
STAFF_FIELDS = {"clerk": "clerk_id", "approver": "approver_id", "issuer": "issuer_id"}
BY = ("department", "subitem", "window", "month", "clerk", "approver", "issuer")


def day_start(day: dt.date) -> dt.datetime:
    """The hall's local midnight starting `day`, as an aware time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def ratings_in(*, region=None, date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet:
    """Ratings given on the hall's local days [date_from, date_to] (both inclusive; either open)."""
    qs = Rating.objects.all()
    if region is not None:
        qs = qs.filter(region=region)
    if date_from is not None:
        qs = qs.filter(rated_at__gte=day_start(date_from))
    if date_to is not None:
        qs = qs.filter(rated_at__lt=day_start(date_to + dt.timedelta(days=1)))
    return qs


def of_staff(qs: QuerySet, user_id: int, roles=tuple(STAFF_FIELDS)) -> QuerySet:
    """Ratings of the cases a person served in any of `roles` (clerk, approver, issuer)."""
    condition = Q(pk__in=[])
    for role in roles:
        condition |= Q(**{STAFF_FIELDS[role]: user_id})
    return qs.filter(condition)


def _aggregates() -> dict:
    return {
        "total": Count("pk"),
        "good": Count("pk", filter=Q(grade=Grade.GOOD)),
        "neutral": Count("pk", filter=Q(grade=Grade.NEUTRAL)),
        "bad": Count("pk", filter=Q(grade=Grade.BAD)),
        **{f"level_{n}": Count("pk", filter=Q(level=n)) for n in range(1, 6)},
        "average": Avg("level"),
    }


def _finish(row: dict) -> dict:
    total = row["total"]
    row["levels"] = {n: row.pop(f"level_{n}") for n in range(1, 6)}
    row["average"] = round(float(row["average"]), 2) if row.get("average") is not None else None
    row["good_rate"] = round(row["good"] / total, 4) if total else None
    return row


def summary(qs: QuerySet) -> dict:
    """{total, good, neutral, bad, levels:{1..5}, average, good_rate} of a set of ratings."""
    return _finish(dict(qs.aggregate(**_aggregates())))


def counts(qs: QuerySet, *, by: str) -> list[dict]:
    """The summary per `by` (department, subitem, window, month, clerk, approver, issuer): [{key, …}]."""
    if by not in BY:
        raise ValueError(f"unknown grouping {by!r}")
    if by == "month":
        qs = qs.annotate(key=TruncMonth("rated_at", tzinfo=timezone.get_current_timezone()))
    else:
        qs = qs.annotate(key=_key_field(by))
    rows = qs.order_by().values("key").annotate(**_aggregates()).order_by("key")
    out = []
    for row in rows:
        row = _finish(dict(row))
        if by == "month" and row["key"] is not None:
            row["key"] = (
                timezone.localtime(row["key"]).strftime("%Y-%m")
                if isinstance(row["key"], dt.datetime)
                else row["key"].strftime("%Y-%m")
            )
        out.append(row)
    return out


def _key_field(by: str):
    from django.db.models import F

    return F(
        {"department": "department_id", "subitem": "subitem_id", "window": "window_id"}.get(by)
        or STAFF_FIELDS[by]
    )


def rectifications_in(*, region=None, date_from=None, date_to=None) -> QuerySet:
    """Rectifications opened on the hall's local days [date_from, date_to]."""
    qs = Rectification.objects.all()
    if region is not None:
        qs = qs.filter(region=region)
    if date_from is not None:
        qs = qs.filter(opened_at__gte=day_start(date_from))
    if date_to is not None:
        qs = qs.filter(opened_at__lt=day_start(date_to + dt.timedelta(days=1)))
    return qs


def rectification_summary(qs: QuerySet, *, today: dt.date | None = None) -> dict:
    """{opened, open, replied, closed, overdue, late_replies}: overdue = still unanswered after the
    deadline; late_replies = answered after it."""
    today = today or clock.today()
    result = qs.aggregate(
        opened=Count("pk"),
        open=Count("pk", filter=Q(status=RectificationStatus.OPEN)),
        replied=Count("pk", filter=~Q(status=RectificationStatus.OPEN)),
        closed=Count("pk", filter=Q(status=RectificationStatus.CLOSED)),
        overdue=Count("pk", filter=Q(status=RectificationStatus.OPEN, deadline__lt=today)),
    )
    late = 0
    for replied_at, deadline in qs.filter(replied_at__isnull=False).values_list("replied_at", "deadline"):
        late += clock.local_date(replied_at) > deadline
    result["late_replies"] = late
    return result


# -- the lists of the pages and the API ------------------------------------------------------------


def visible_ratings(
    user, *, department: str | None = None, grade: str | None = None, date_from=None, date_to=None
) -> QuerySet:
    qs = in_scope(ratings_in(date_from=date_from, date_to=date_to), user).select_related(
        "case", "department", "subitem", "window", "clerk__staff", "approver__staff", "issuer__staff"
    )
    if department:
        qs = qs.filter(department__code=department)
    if grade:
        qs = qs.filter(grade=grade)
    return qs


def visible_rectifications(user, *, status: str | None = None, department: str | None = None) -> QuerySet:
    qs = in_scope(Rectification.objects.all(), user).select_related(
        "department", "rating__case", "rating__subitem", "replied_by__staff", "followed_up_by__staff"
    )
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    return qs


def get_rectification(user, pk: int) -> Rectification:
    return get_in_scope(
        Rectification.objects.select_related(
            "department",
            "rating__case",
            "rating__subitem",
            "replied_by__staff",
            "followed_up_by__staff",
            "closed_by__staff",
        ),
        user,
        pk=pk,
    )


def rating_of_case(number: str) -> Rating | None:
    return Rating.objects.filter(case__number=number).first()


def _name(user) -> str | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return (staff.full_name if staff else "") or user.username


def rating_summary(rating: Rating) -> dict:
    """The API's and the pages' shape of a rating."""
    return {
        "id": rating.pk,
        "case": {"number": rating.case.number},
        "level": rating.level,
        "level_label": str(rating.get_level_display()),
        "grade": rating.grade,
        "comment": rating.comment,
        "channel": rating.channel,
        "rated_at": rating.rated_at,
        "department": {"code": rating.department.code, "name": rating.department.name}
        if rating.department
        else None,
        "subitem": {"code": rating.subitem.code, "name": rating.subitem.name},
        "window": rating.window.number if rating.window else None,
        "clerk": _name(rating.clerk),
        "approver": _name(rating.approver),
        "issuer": _name(rating.issuer),
    }


def rectification_summary_of(item: Rectification, *, today: dt.date | None = None) -> dict:
    """The API's shape of one rectification."""
    today = today or clock.today()
    rating = item.rating
    return {
        "id": item.pk,
        "version": item.version,
        "status": item.status,
        "status_label": str(item.get_status_display()),
        "case": {"number": rating.case.number},
        "level": rating.level,
        "comment": rating.comment,
        "department": {"code": item.department.code, "name": item.department.name},
        "opened_at": item.opened_at,
        "deadline": item.deadline,
        "overdue": item.status == RectificationStatus.OPEN and today > item.deadline,
        "reply": item.reply,
        "measures": item.measures,
        "replied_at": item.replied_at,
        "replied_late": item.replied_late,
        "follow_up": item.follow_up,
        "applicant_satisfied": item.applicant_satisfied,
        "followed_up_at": item.followed_up_at,
        "closing_note": item.closing_note,
        "closed_at": item.closed_at,
    }
