"""Reads of the staffing context: who may do what, stationings with their qualifications, gaps (rule 8),
change frequency, certificates near expiry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from onewindow.core import clock
from onewindow.core.errors import DomainError
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


def certificates(user, *, department: str = "", staff: str = "") -> QuerySet[Certificate]:
    """Certificates in the caller's scope, each with its sub-items."""
    qs = in_scope(Certificate.objects.select_related("staff__user", "staff__organisation"), user)
    if department:
        qs = qs.filter(staff__organisation__code=department)
    if staff:
        qs = qs.filter(staff__user__username=staff)
    return qs.prefetch_related("subitems").order_by(
        "staff__organisation__sort_order", "staff__full_name", "valid_to"
    )


def department_staff(department: Organisation, *, role: str | None = None) -> QuerySet:
    from onewindow.org.models import Staff

    qs = Staff.objects.select_related("user").filter(organisation=department, user__is_active=True)
    if role:
        qs = qs.filter(user__groups__name=role)
    return qs.order_by("full_name", "user__username")


# -- the roster (schedules) -------------------------------------------------------------------------


def roster_entries(user, *, department: str = "", start: dt.date, end: dt.date) -> QuerySet:
    from onewindow.staffing.models import RosterEntry

    qs = RosterEntry.objects.select_related("department", "staff__user", "substitute_for__user").filter(
        day__gte=start, day__lte=end, department__in=scoped_departments(user)
    )
    if department:
        qs = qs.filter(department__code=department)
    return qs.order_by("day", "department__sort_order", "staff__full_name")


def roster_grid(*, departments, start: dt.date, end: dt.date, region=None) -> dict:
    """Per department: its people (stationed in the span, or on the roster) × the days of [start, end],
    each cell what the back office has that day: duty, leave, substitute, stationed (no roster entry),
    or nothing; and whether the day is a working day."""
    from onewindow.staffing.models import RosterEntry
    from onewindow.workdays import arithmetic

    days = []
    day = start
    while day <= end:
        try:
            working = arithmetic.is_workday(day, region=region)
        except DomainError:  # a year without a calendar: shown as unknown, never guessed
            working = None
        days.append({"date": day, "working": working})
        day += dt.timedelta(days=1)
    departments = list(departments)
    postings = list(
        Stationing.objects.select_related("staff")
        .filter(department__in=departments, valid_from__lte=end)
        .exclude(valid_to__lte=start)
    )
    entries = list(
        RosterEntry.objects.select_related("staff", "substitute_for").filter(
            department__in=departments, day__gte=start, day__lte=end
        )
    )
    by_key = {(e.staff_id, e.day): e for e in entries}
    duty_days = {(e.department_id, e.day) for e in entries if e.kind == "duty"}
    grids = []
    for department in departments:
        people = {p.staff_id: p.staff for p in postings if p.department_id == department.pk}
        people.update({e.staff_id: e.staff for e in entries if e.department_id == department.pk})
        rows = []
        for staff in sorted(people.values(), key=lambda s: s.full_name):
            cells = []
            for d in days:
                entry = by_key.get((staff.pk, d["date"]))
                stationed = any(
                    p.staff_id == staff.pk
                    and p.department_id == department.pk
                    and p.valid_from <= d["date"]
                    and (p.valid_to is None or p.valid_to > d["date"])
                    for p in postings
                )
                if entry is not None:
                    state = entry.kind
                elif stationed and d["working"] and (department.pk, d["date"]) not in duty_days:
                    state = "stationed"
                elif stationed and d["working"]:
                    state = "off"
                else:
                    state = ""
                cells.append({"date": d["date"], "state": state, "entry": entry})
            rows.append({"staff": staff, "cells": cells})
        if rows:
            grids.append({"department": department, "rows": rows})
    return {"days": days, "departments": grids}


# -- training ---------------------------------------------------------------------------------------


def trainings(user, *, department: str = "") -> QuerySet:
    from onewindow.staffing.models import TrainingSession

    qs = TrainingSession.objects.select_related("department").prefetch_related("subitems", "attendees__user")
    if not r.has_role(user, r.SUPERVISOR):
        qs = qs.filter(department__in=scoped_departments(user))
    else:
        qs = qs.filter(region_id=_staff(user).organisation.region_id)
    if department:
        qs = qs.filter(department__code=department)
    return qs.order_by("-day", "-pk")


def is_trained(staff, subitem) -> bool:
    from onewindow.staffing.models import TrainingSession

    return TrainingSession.objects.filter(attendees=staff, subitems=subitem).exists()


def untrained_warning(user, subitem) -> str:
    """The acceptance desk's soft warning: `user`, a window clerk, was never trained on `subitem` (or not
    since its guide last changed). Empty when trained; never blocks the acceptance."""
    from django.utils.translation import gettext as _

    from onewindow.staffing.models import TrainingSession

    staff = _staff(user)
    if staff is None or not r.has_role(user, r.WINDOW_CLERK):
        return ""
    last = (
        TrainingSession.objects.filter(attendees=staff, subitems=subitem)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    if last is None:
        return _(
            "You have not been trained on %(code)s %(name)s. Check the service guide carefully, or ask the "
            "department's stationed staff before accepting."
        ) % {"code": subitem.code, "name": subitem.name}
    published = _last_guide_change(subitem)
    if published is not None and published > last:
        return _(
            "The service guide of %(code)s %(name)s changed on %(date)s, after your last training on it "
            "(%(trained)s). Check the current guide carefully."
        ) % {
            "code": subitem.code,
            "name": subitem.name,
            "date": published.isoformat(),
            "trained": last.isoformat(),
        }
    return ""


def _last_guide_change(subitem) -> dt.date | None:
    from onewindow.catalogue.models import ServiceGuide

    moment = (
        ServiceGuide.objects.filter(subitem=subitem, status="published", version__gt=1)
        .order_by("-published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return clock.local_date(moment) if moment else None


def training_gaps(user) -> dict:
    """For the departments in the caller's scope: sub-items they implement now that no window clerk was
    trained on, and sub-items whose guide changed (a new published version) since their last training."""
    from django.db.models import Max, OuterRef, Subquery

    from onewindow.catalogue.models import Assignment, ServiceGuide, SubItem

    now = clock.now()
    live = Assignment.objects.valid_at(now).filter(organisation__in=scoped_departments(user))
    subitems = (
        SubItem.objects.filter(pk__in=live.values("subitem_id"))
        .select_related("item")
        .annotate(
            implementer_name=Subquery(
                Assignment.objects.filter(subitem=OuterRef("pk"))
                .valid_at(now)
                .values("organisation__name")[:1]
            ),
            last_trained=Max("trainings__day"),
            guide_changed=Subquery(
                ServiceGuide.objects.filter(subitem=OuterRef("pk"), status="published", version__gt=1)
                .order_by("-published_at")
                .values("published_at")[:1]
            ),
        )
        .order_by("code")
    )
    untrained, outdated = [], []
    for s in subitems:
        if s.last_trained is None:
            untrained.append(s)
        elif s.guide_changed is not None and clock.local_date(s.guide_changed) > s.last_trained:
            s.guide_changed_on = clock.local_date(s.guide_changed)
            outdated.append(s)
    return {"untrained": untrained, "outdated": outdated}


# -- daily evaluation (日常考评) -----------------------------------------------------------------------


def evaluation_roster(*, region, day: dt.date) -> list[dict]:
    """Who the supervisor evaluates on `day`: every active window clerk of the region and every staff
    member stationed that day, each with the day's entry when there is one."""
    from onewindow.org.models import Staff
    from onewindow.staffing.models import DailyEvaluation, SubjectKind

    clerks = Staff.objects.select_related("user", "organisation").filter(
        organisation__region=region, user__is_active=True, user__groups__name=r.WINDOW_CLERK
    )
    stationed = (
        Stationing.objects.select_related("staff__user", "department")
        .filter(department__region=region, staff__user__is_active=True)
        .valid_on(day)
    )
    people: dict[int, dict] = {}
    for staff in clerks.order_by("full_name"):
        people[staff.pk] = {
            "staff": staff,
            "subject_kind": SubjectKind.WINDOW_CLERK,
            "department": staff.organisation,
        }
    for posting in stationed.order_by("department__sort_order", "staff__full_name"):
        people.setdefault(
            posting.staff_id,
            {"staff": posting.staff, "subject_kind": SubjectKind.STATIONED, "department": posting.department},
        )
    entries = {e.staff_id: e for e in DailyEvaluation.objects.filter(day=day, staff_id__in=people)}
    for staff_id, person in people.items():
        person["entry"] = entries.get(staff_id)
    return list(people.values())


def can_read_evaluations(user) -> bool:
    return _staff(user) is not None and r.has_role(user, r.SUPERVISOR, r.ASSESSMENT_OFFICE, r.DEPARTMENT_HEAD)


def evaluations(user, *, staff: str = "", month: str = "") -> QuerySet:
    """Daily evaluations in the caller's scope: the supervisor's and the 督考办's all of the region, a
    department head's their own department's staff; `month` is YYYY-MM."""
    from onewindow.staffing.models import DailyEvaluation

    me = _staff(user)
    qs = DailyEvaluation.objects.select_related("staff__user", "staff__organisation").filter(
        region_id=me.organisation.region_id
    )
    if not r.has_role(user, r.SUPERVISOR, r.ASSESSMENT_OFFICE):
        qs = qs.filter(staff__organisation_id=me.organisation_id)
    if staff:
        qs = qs.filter(staff__user__username=staff)
    if month:
        start, end = month_bounds(month)
        qs = qs.filter(day__gte=start, day__lt=end)
    return qs.order_by("day", "staff__full_name")


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next month) of 'YYYY-MM'."""
    year, mon = int(month[:4]), int(month[5:7])
    start = dt.date(year, mon, 1)
    return start, (dt.date(year + 1, 1, 1) if mon == 12 else dt.date(year, mon + 1, 1))


def monthly_evaluation_summary(*, period: str, region=None, staff=None) -> list[dict]:
    """THE read the assessment context builds monthly scores from (日常考评 → 月度考核): per person
    evaluated in the month 'YYYY-MM', the counts of each attendance, discipline, conduct and feedback
    value over the days logged (values never logged left out), and the kind the person was evaluated as
    on the last day. `staff` narrows to one person. Rows sorted by kind and name. Counted in the database
    (one grouped query, whatever the number of days and people), the people read once."""
    from django.db.models import OuterRef, Q, Subquery

    from onewindow.org.models import Staff
    from onewindow.staffing.models import DailyEvaluation

    start, end = month_bounds(period)
    qs = DailyEvaluation.objects.filter(day__gte=start, day__lt=end)
    if region is not None:
        qs = qs.filter(region=region)
    if staff is not None:
        qs = qs.filter(staff=staff)
    fields = {
        name: [value for value, _label in DailyEvaluation._meta.get_field(name).choices]
        for name in ("attendance", "discipline", "conduct", "feedback")
    }
    counts = {
        f"{name}__{value}": Count("pk", filter=Q(**{name: value}))
        for name, values in fields.items()
        for value in values
    }
    last_kind = Subquery(qs.filter(staff_id=OuterRef("staff_id")).order_by("-day").values("subject_kind")[:1])
    rows = list(qs.order_by().values("staff_id").annotate(days=Count("pk"), last_kind=last_kind, **counts))
    people = Staff.objects.select_related("user", "organisation").in_bulk([row["staff_id"] for row in rows])
    out = []
    for row in rows:
        summary = {
            "staff": people[row["staff_id"]],
            "subject_kind": row["last_kind"],
            "period": period,
            "days": row["days"],
        }
        for name, values in fields.items():
            summary[name] = {value: row[f"{name}__{value}"] for value in values if row[f"{name}__{value}"]}
        out.append(summary)
    return sorted(out, key=lambda r_: (r_["subject_kind"], r_["staff"].full_name))
