"""Reads of supervision: reminders and orders in the caller's scope, the supervisor's board (aggregated in
the database), and the figures the assessment reads (reminders received, acknowledgment delays, orders
per department and period)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.supervision import hours
from onewindow.supervision.models import OrderStatus, Reminder, SupervisionOrder


def primary_key(value) -> int:
    """An id from a URL as a database key; anything else (or beyond a 64-bit integer) is 404."""
    from onewindow.core.scoping import not_found

    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise not_found() from None
    if not 0 < pk < 2**63:
        raise not_found()
    return pk


def _flag(value, field: str) -> bool | None:
    """`true`/`false` of a query parameter (None when absent); anything else is 400."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return True
    if text in ("false", "0", "no"):
        return False
    message = _("One of: %(values)s") % {"values": "true, false"}
    raise InvalidInput(_("Invalid input"), code="supervision.invalid_flag", errors={field: [message]})


# --------------------------------------------------------------------------------------------------
# Reminders
# --------------------------------------------------------------------------------------------------


def reminders_for(
    user, *, acknowledged=None, escalated=None, department: str | None = None
) -> QuerySet[Reminder]:
    """The caller's reminders (the supervisor: the region's; a department: its own), newest first."""
    qs = in_scope(Reminder.objects.all(), user).select_related("case", "department", "by", "acknowledged_by")
    acknowledged = _flag(acknowledged, "acknowledged")
    if acknowledged is not None:
        qs = qs.filter(acknowledged_at__isnull=not acknowledged)
    escalated = _flag(escalated, "escalated")
    if escalated is not None:
        qs = qs.filter(escalated_at__isnull=not escalated)
    if department:
        qs = qs.filter(department__code=department)
    return qs.order_by("-at", "-pk")


def get_reminder(user, reminder_id) -> Reminder:
    return get_in_scope(
        Reminder.objects.select_related("case", "department", "by", "acknowledged_by"),
        user,
        pk=primary_key(reminder_id),
    )


def _person(user) -> str:
    """Who did it, as people read it: the staff member's full name, else the username."""
    staff = getattr(user, "staff", None)
    return (staff.full_name if staff is not None else "") or user.username


def reminder_summary(reminder: Reminder) -> dict:
    """A reminder as the API shows it (CONTRACT.md's fields first)."""
    department = reminder.department
    return {
        "id": reminder.pk,
        "case": {"number": reminder.case.number} if reminder.case_id else None,
        "department": {"code": department.code, "name": department.name} if department else None,
        "message": reminder.message,
        "sent_at": reminder.at,
        "acknowledged_at": reminder.acknowledged_at,
        "reply": reminder.reply or None,
        "promised_by": reminder.promised_by,
        "by": reminder.by.username,
        "acknowledged_by": reminder.acknowledged_by.username if reminder.acknowledged_by_id else None,
        "delay_hours": hours.hours(reminder.delay_minutes),
        "escalated_at": reminder.escalated_at,
        "late_cases": list(reminder.late_cases or []),
        "acknowledged_by_name": _person(reminder.acknowledged_by) if reminder.acknowledged_by_id else None,
    }


# --------------------------------------------------------------------------------------------------
# Supervision orders
# --------------------------------------------------------------------------------------------------


def orders_for(
    user, *, status: str | None = None, department: str | None = None
) -> QuerySet[SupervisionOrder]:
    qs = in_scope(SupervisionOrder.objects.all(), user).select_related(
        "case", "department", "issued_by", "explained_by", "reviewed_by", "region"
    )
    if status:
        if status not in OrderStatus.values:
            message = _("One of: %(values)s") % {"values": ", ".join(OrderStatus.values)}
            raise InvalidInput(
                _("Invalid input"), code="supervision.unknown_status", errors={"status": [message]}
            )
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department__code=department)
    return qs.order_by("-issued_at", "-pk")


def get_order(user, order_id) -> SupervisionOrder:
    return get_in_scope(
        SupervisionOrder.objects.select_related(
            "case", "case__subitem", "department", "issued_by", "explained_by", "reviewed_by", "region"
        ),
        user,
        pk=primary_key(order_id),
    )


def order_summary(order: SupervisionOrder) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "case": {"number": order.case.number},
        "department": {"code": order.department.code, "name": order.department.name},
        "reason": order.reason,
        "issued_by": order.issued_by.username,
        "issued_at": order.issued_at,
        "case_due_date": order.case_due_date,
        "explanation_due": order.explanation_due,
        "explanation": order.explanation or None,
        "explained_by": order.explained_by.username if order.explained_by_id else None,
        "explained_at": order.explained_at,
        "review_note": order.review_note or None,
        "closed_at": order.closed_at,
        "returned_count": order.returned_count,
    }


# --------------------------------------------------------------------------------------------------
# For the assessment (考核): counted per department and period, in the database
# --------------------------------------------------------------------------------------------------


def _period(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] as hall-local days → an aware [from, to) range."""
    zone = timezone.get_current_timezone()
    low = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    high = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return low, high


def reminders_received(*, start: dt.date, end: dt.date, region=None) -> dict[str, dict]:
    """Per department code: reminders received in [start, end] (hall days, by sending time), how many
    were acknowledged, escalated, and still open. {code: {received, acknowledged, escalated, open}}."""
    low, high = _period(start, end)
    qs = Reminder.objects.filter(at__gte=low, at__lt=high, department__isnull=False)
    if region is not None:
        qs = qs.filter(region=region)
    rows = qs.values("department__code").annotate(
        received=Count("pk"),
        acknowledged=Count("pk", filter=Q(acknowledged_at__isnull=False)),
        escalated=Count("pk", filter=Q(escalated_at__isnull=False)),
        open=Count("pk", filter=Q(acknowledged_at__isnull=True)),
    )
    return {
        row["department__code"]: {k: row[k] for k in ("received", "acknowledged", "escalated", "open")}
        for row in rows
    }


def acknowledgment_delays(*, start: dt.date, end: dt.date, region=None) -> dict[str, dict]:
    """Per department code: acknowledgments made in [start, end] and their delay in working hours.
    {code: {count, average_hours, max_hours, total_hours}} (delays as stored at acknowledgment)."""
    low, high = _period(start, end)
    qs = Reminder.objects.filter(acknowledged_at__gte=low, acknowledged_at__lt=high, department__isnull=False)
    if region is not None:
        qs = qs.filter(region=region)
    rows = qs.values("department__code").annotate(
        count=Count("pk"), avg=Avg("delay_minutes"), max=Max("delay_minutes"), total=Sum("delay_minutes")
    )
    return {
        row["department__code"]: {
            "count": row["count"],
            "average_hours": round((row["avg"] or 0) / 60, 1),
            "max_hours": hours.hours(row["max"] or 0),
            "total_hours": hours.hours(row["total"] or 0),
        }
        for row in rows
    }


def orders_per_department(*, start: dt.date, end: dt.date, region=None) -> dict[str, dict]:
    """Per department code: supervision orders issued in [start, end], how many were explained after
    their deadline, sent back at least once, and still open. {code: {issued, explained_late, returned,
    open}}."""
    from django.db.models.functions import TruncDate

    low, high = _period(start, end)
    qs = SupervisionOrder.objects.filter(issued_at__gte=low, issued_at__lt=high)
    if region is not None:
        qs = qs.filter(region=region)
    zone = timezone.get_current_timezone()
    rows = qs.values("department__code").annotate(
        issued=Count("pk"),
        explained_late=Count(
            "pk",
            filter=Q(explained_at__isnull=False)
            & Q(explanation_due__lt=TruncDate("explained_at", tzinfo=zone)),
        ),
        returned=Count("pk", filter=Q(returned_count__gt=0)),
        open=Count("pk", filter=~Q(status=OrderStatus.CLOSED)),
    )
    return {
        row["department__code"]: {k: row[k] for k in ("issued", "explained_late", "returned", "open")}
        for row in rows
    }


# --------------------------------------------------------------------------------------------------
# The supervisor's board: per department, aggregated in the database (a fixed number of queries)
# --------------------------------------------------------------------------------------------------

BOARD_COLUMNS = (
    "department",
    "open",
    "normal",
    "warning",
    "overdue",
    "least_remaining_days",
    "oldest_accepted_at",
    "unacknowledged",
    "escalated",
    "open_orders",
)


def board(
    user, *, today: dt.date | None = None, sort: str = "overdue", descending: bool = True
) -> list[dict]:
    """One row per receiving department of the supervisor's region: open cases by level (the one clock's
    `level_condition`), the least remaining working days among its running clocks, its oldest open case,
    reminders not acknowledged (and of those, escalated), open supervision orders. Sorted by `sort`."""
    from django.db.models import Min

    from onewindow.cases import clock as case_clock
    from onewindow.cases import selectors as case_selectors
    from onewindow.cases.models import CLOCK_STATUSES
    from onewindow.catalogue.models import Assignment
    from onewindow.core import clock
    from onewindow.org import roles as r
    from onewindow.org.models import Organisation, OrganisationKind
    from onewindow.workdays import arithmetic
    from onewindow.workdays.errors import CalendarMissing

    staff = getattr(user, "staff", None)
    if staff is None or not r.has_role(user, r.SUPERVISOR):
        return []
    today = today or clock.today()
    region = staff.organisation.region
    departments = list(
        Organisation.objects.filter(
            region=region, kind__in=[OrganisationKind.INTERNAL, OrganisationKind.RESIDENT]
        ).order_by("code")
    )
    level = {name: case_selectors.level_condition(name, today=today) for name in case_clock.LEVELS}
    running = Q(status__in=CLOCK_STATUSES, due_date__isnull=False)
    # Counted per (deciding department, sub-item), then put under the department working the case now
    # (rule 3: the decider once decided, else the sub-item's implementer now, read once per sub-item):
    # the same department as `with_department`, without its subquery for each open case.
    groups = list(
        case_selectors.open_cases_by_index(region=region)
        .values("decided_department_id", "subitem_id")
        .annotate(
            open=Count("pk"),
            normal=Count("pk", filter=level[case_clock.NORMAL]),
            warning=Count("pk", filter=level[case_clock.WARNING]),
            overdue=Count("pk", filter=level[case_clock.OVERDUE]),
            earliest_due=Min("due_date", filter=running),
            oldest=Min("accepted_at"),
        )
        .order_by()
    )
    now = clock.now()
    implementer_now = dict(
        Assignment.objects.filter(
            subitem_id__in={g["subitem_id"] for g in groups if g["decided_department_id"] is None}
        )
        .valid_at(now)
        .values_list("subitem_id", "organisation_id")
    )
    cases: dict = {}
    for g in groups:
        department_id = g["decided_department_id"] or implementer_now.get(g["subitem_id"])
        row = cases.setdefault(department_id, {"open": 0, "normal": 0, "warning": 0, "overdue": 0})
        for name in ("open", "normal", "warning", "overdue"):
            row[name] += g[name]
        for name in ("earliest_due", "oldest"):
            values = [v for v in (row.get(name), g[name]) if v is not None]
            row[name] = min(values) if values else None
    oldest_times = [row["oldest"] for row in cases.values() if row["oldest"] is not None]
    oldest_numbers = {}
    for department_id, number, accepted_at in (
        case_selectors.open_cases(region=region)
        .filter(accepted_at__in=oldest_times)
        .order_by("accepted_at", "number")
        .values_list("department_id_now", "number", "accepted_at")
    ):
        if cases.get(department_id, {}).get("oldest") == accepted_at:
            oldest_numbers.setdefault(department_id, number)
    reminders = {
        row["department_id"]: row
        for row in Reminder.objects.filter(region=region, acknowledged_at__isnull=True)
        .values("department_id")
        .annotate(unacknowledged=Count("pk"), escalated=Count("pk", filter=Q(escalated_at__isnull=False)))
        .order_by()
    }
    orders = dict(
        SupervisionOrder.objects.filter(region=region)
        .exclude(status=OrderStatus.CLOSED)
        .values("department_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("department_id", "n")
    )

    def remaining(due):
        if due is None:
            return None
        try:
            if due >= today:
                return arithmetic.count_workdays(today, due, region=region)
            return -arithmetic.count_workdays(due, today, region=region)
        except CalendarMissing:
            return None

    rows = []
    for department in departments:
        c = cases.get(department.pk, {})
        rem = reminders.get(department.pk, {})
        rows.append(
            {
                "department": {"code": department.code, "name": department.name},
                "open": c.get("open", 0),
                "normal": c.get("normal", 0),
                "warning": c.get("warning", 0),
                "overdue": c.get("overdue", 0),
                "least_remaining_days": remaining(c.get("earliest_due")),
                "oldest_case": {"number": oldest_numbers[department.pk], "accepted_at": c["oldest"]}
                if department.pk in oldest_numbers
                else None,
                "unacknowledged": rem.get("unacknowledged", 0),
                "escalated": rem.get("escalated", 0),
                "open_orders": orders.get(department.pk, 0),
            }
        )
    return sort_board(rows, sort, descending)


def sort_board(rows: list[dict], sort: str, descending: bool) -> list[dict]:
    """Rows sorted by one column (unknown columns: by overdue); empty values last either way."""
    if sort not in BOARD_COLUMNS:
        sort = "overdue"

    def key(row):
        if sort == "department":
            return (0, row["department"]["code"])
        if sort == "oldest_accepted_at":
            value = row["oldest_case"]["accepted_at"] if row["oldest_case"] else None
        else:
            value = row[sort]
        return (0, value) if value is not None else (1, 0)

    present = [row for row in rows if key(row)[0] == 0]
    missing = [row for row in rows if key(row)[0] == 1]
    present.sort(key=lambda row: key(row)[1], reverse=descending)
    return present + missing
