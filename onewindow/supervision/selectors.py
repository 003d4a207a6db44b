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
