"""Periodic work of `onewindow tick` and the calendar hook: deferrals that ran out, stored due dates."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import OPEN_STATUSES, Case, Closure
from onewindow.cases.services._base import _end
from onewindow.core import clock
from onewindow.workdays.errors import CalendarMissing

logger = logging.getLogger(__name__)


def end_expired_deferrals(*, today: dt.date | None = None) -> list[str]:
    """`onewindow tick`: end (退件) accepted cases whose deferred materials missed the top-up deadline.

    Idempotent: an ended case is no longer open. Returns the numbers ended now.
    """
    today = today or clock.today()
    ended = []
    statuses = [status for status, action in t.SYSTEM_TABLE if action == t.DEFERRAL_EXPIRED]
    candidates = Case.objects.filter(status__in=statuses, top_up_deadline__lt=today).values_list(
        "pk", flat=True
    )
    for pk in candidates:
        with transaction.atomic():
            case = Case.objects.select_for_update(of=("self",)).select_related("region").get(pk=pk)
            transition = t.SYSTEM_TABLE.get((case.status, t.DEFERRAL_EXPIRED))
            if transition is None or not case.deferred_materials or case.top_up_deadline >= today:
                continue
            message = _("Deferred materials not handed in by %(date)s: %(codes)s") % {
                "date": case.top_up_deadline.isoformat(),
                "codes": ", ".join(case.deferred_materials),
            }
            _end(
                case,
                status=transition.status_after,
                closure=Closure.DEFERRAL_EXPIRED,
                actor=None,
                role="",
                action=t.DEFERRAL_EXPIRED,
                reason=message,
                data={"deferred": case.deferred_materials},
            )
            ended.append(case.number)
    return ended


def refresh_open_due_dates(*, region=None, **_ignored) -> int:
    """Recompute the stored due dates of open cases (after a calendar change, and by tick for cases
    whose open suspension moves their due date daily). Derived data: the version is not bumped.

    Runs inside the caller's transaction when there is one (a calendar load is all-or-nothing).
    """
    qs = Case.objects.filter(status__in=OPEN_STATUSES, accepted_at__isnull=False).select_related(
        "region", "guide"
    )
    if region is not None:
        qs = qs.filter(region=region)
    changed = 0
    for case in qs.prefetch_related("suspensions", "extensions").iterator(chunk_size=500):
        try:
            moved = case_clock.refresh_due_dates(case)
        except CalendarMissing:
            # An open procedure ran into a year without a schedule: keep the last known date, never guess.
            logger.warning("case %s: due date not recomputed, calendar missing", case.number)
            continue
        if moved:
            Case.objects.filter(pk=case.pk).update(
                due_date=case.due_date,
                due_provisional=case.due_provisional,
                issue_due_date=case.issue_due_date,
            )
            changed += 1
    return changed
