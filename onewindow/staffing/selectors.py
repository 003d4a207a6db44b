"""Reads of the staffing context: who may do what, stationings with their qualifications, gaps (rule 8),
change frequency, certificates near expiry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from onewindow.core import clock
from onewindow.core.scoping import in_scope
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Stationing
from onewindow.staffing import guard
from onewindow.staffing.models import Certificate, StationingChange

# -- who may do what ------------------------------------------------------------------------------


def _staff(user):
    return getattr(user, "staff", None)


def is_supervisor(user) -> bool:
    return _staff(user) is not None and r.has_role(user, r.SUPERVISOR)


def can_manage(user, department: Organisation) -> bool:
    """The department's head, or the Data Bureau's supervisor of the region."""
    staff = _staff(user)
    if staff is None or not user.is_active:
        return False
    if r.has_role(user, r.SUPERVISOR):
        return staff.organisation.region_id == department.region_id
    return r.has_role(user, r.DEPARTMENT_HEAD) and staff.organisation_id == department.pk


def can_read_staffing(user) -> bool:
    """The supervisor (all) and a department's approvers and head (their own)."""
    return _staff(user) is not None and r.has_role(user, r.SUPERVISOR, r.APPROVER, r.DEPARTMENT_HEAD)


def scoped_departments(user) -> QuerySet[Organisation] | None:
    """The departments whose staffing `user` reads: None for all of the supervisor's region."""
    staff = _staff(user)
    if r.has_role(user, r.SUPERVISOR):
        return Organisation.objects.filter(region_id=staff.organisation.region_id)
    return Organisation.objects.filter(pk=staff.organisation_id)


# -- stationings ----------------------------------------------------------------------------------


def stationings(user, *, department: str = "", active: bool | None = None) -> QuerySet[Stationing]:
    """Postings in the caller's scope (org's StationingQuerySet.visible_to), each with `qualified_codes`:
    the sub-items its holder's certificates valid today qualify them for."""
    today = clock.today()
    qs = in_scope(Stationing.objects.select_related("staff__user", "department", "hall"), user)
    if department:
        qs = qs.filter(department__code=department)
    if active is True:
        qs = qs.valid_on(today)
    elif active is False:
        qs = qs.exclude(pk__in=Stationing.objects.valid_on(today).values("pk"))
    return qs.prefetch_related(
        Prefetch(
            "staff__certificates",
            queryset=Certificate.objects.valid_on(today).prefetch_related("subitems"),
            to_attr="valid_certificates",
        )
    ).order_by("department__sort_order", "department__code", "staff__full_name", "pk")


def qualified_codes(stationing: Stationing) -> list[str]:
    certificates = getattr(stationing.staff, "valid_certificates", None)
    if certificates is None:
        certificates = Certificate.objects.valid_on(clock.today()).filter(staff=stationing.staff)
    return sorted({s.code for c in certificates for s in c.subitems.all()})


# -- gaps (rule 8) --------------------------------------------------------------------------------


def gaps(*, region=None, days: int | None = None, departments=None) -> list[guard.Gap]:
    """Each working day (today if one, and the next `days`) on which a live sub-item has no qualified
    approver of its implementing department in the back office."""
    days = settings.ONEWINDOW_STAFFING_GUARD_DAYS if days is None else days
    dates = guard.coming_workdays(days, region=region)
    return guard.as_gaps(guard.find_gaps(dates, region=region, departments=departments))


def gaps_for(user, *, days: int | None = None) -> list[guard.Gap]:
    staff = _staff(user)
    return gaps(region=staff.organisation.region, days=days, departments=scoped_departments(user))


# -- change frequency -----------------------------------------------------------------------------


def quarter_of(day: dt.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next quarter) of 'YYYYQn'."""
    year, q = int(quarter[:4]), int(quarter[5])
    start = dt.date(year, 3 * (q - 1) + 1, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end


def change_frequency(*, quarter: str, departments=None) -> list[dict]:
    """Stationing changes per department taking effect in the quarter, with `too_many` above the limit."""
    start, end = quarter_bounds(quarter)
    qs = StationingChange.objects.filter(on__gte=start, on__lt=end)
    if departments is not None:
        qs = qs.filter(department__in=departments)
    counts = dict(qs.values_list("department").annotate(n=Count("pk")).values_list("department", "n"))
    limit = settings.ONEWINDOW_STAFFING_CHANGES_PER_QUARTER
    found = Organisation.objects.filter(pk__in=counts).order_by("sort_order", "code")
    return [
        {
            "department": d,
            "quarter": quarter,
            "changes": counts[d.pk],
            "limit": limit,
            "too_many": counts[d.pk] > limit,
        }
        for d in found
    ]


def changes(user, *, department: str = "") -> QuerySet[StationingChange]:
    """The history of stationing changes in the caller's scope, newest first."""
    qs = StationingChange.objects.select_related("department", "stationing__staff", "actor__staff")
    scope = scoped_departments(user)
    qs = qs.filter(department__in=scope)
    if department:
        qs = qs.filter(department__code=department)
    return qs.order_by("-at", "-pk")


# -- certificates ---------------------------------------------------------------------------------


def expiring_certificates(*, within_days: int, on: dt.date | None = None) -> QuerySet[Certificate]:
    """Certificates still valid on `on` (today) whose last valid day is within `within_days` of it."""
    on = on or clock.today()
    return (
        Certificate.objects.valid_on(on)
        .filter(valid_to__lte=on + dt.timedelta(days=within_days))
        .select_related("staff__organisation", "region")
        .order_by("valid_to", "pk")
    )


def gaps_by_department(gap_list) -> dict:
    out = defaultdict(list)
    for gap in gap_list:
        out[gap.department].append(gap)
    return dict(out)
