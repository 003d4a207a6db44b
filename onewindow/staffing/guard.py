"""Rule 8 (不缺位): on a day, which live sub-items have a qualified approver of their implementing
department in the hall's back office. The one place the rule is computed; selectors and services ask it.

A sub-item is *live* on a day when an Assignment (rule 1) holds some instant of that day; every
organisation implementing it during the day must cover it. A staff member covers a sub-item on a day
when they are an active approver of the department, in the back office that day (stationed and not
on leave, or on the day's duty roster, or substituting), and hold a certificate valid that day that
names the sub-item.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.core import clock
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Staff, Stationing
from onewindow.staffing.models import Certificate, RosterEntry, RosterKind
from onewindow.workdays import arithmetic


@dataclass(frozen=True)
class Gap:
    subitem: SubItem
    department: Organisation
    date: dt.date


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the hall's local day."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def coming_workdays(days: int, *, start: dt.date | None = None, region=None) -> list[dt.date]:
    """`start` (default today) when it is a working day, and the next `days` working days after it."""
    start = start or clock.today()
    found = [start] if arithmetic.is_workday(start, region=region) else []
    found += [arithmetic.add_workdays(start, n, region=region) for n in range(1, days + 1)]
    return found


def responsible(days: list[dt.date], *, region=None, departments=None, subitems=None) -> dict:
    """{day: {subitem_id: {organisation_id}}}: who implements each live sub-item during each day."""
    if not days:
        return {}
    first, _ = day_bounds(min(days))
    _, last = day_bounds(max(days))
    qs = Assignment.objects.filter(valid_from__lt=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=first)
    )
    if region is not None:
        qs = qs.filter(region=region)
    if departments is not None:
        qs = qs.filter(organisation__in=departments)
    if subitems is not None:
        qs = qs.filter(subitem__in=subitems)
    rows = list(qs.values_list("subitem_id", "organisation_id", "valid_from", "valid_to"))
    out: dict = {}
    for day in days:
        start, end = day_bounds(day)
        found = out.setdefault(day, defaultdict(set))
        for subitem_id, organisation_id, valid_from, valid_to in rows:
            if valid_from < end and (valid_to is None or valid_to > start):
                found[subitem_id].add(organisation_id)
    return out


def present_approvers(
    days: list[dt.date], *, departments=None, exclude_stationings=(), extra: dict | None = None
) -> dict:
    """{(department_id, day): {staff_id}}: active approvers of the department in the back office that day.

    `exclude_stationings` are treated as ended (what-if of the guard); `extra` {(department_id, day):
    {staff_id}} adds people (a successor named in the same change)."""
    if not days:
        return {}
    lo, hi = min(days), max(days)
    approvers = set(
        Staff.objects.filter(user__groups__name=r.APPROVER, user__is_active=True).values_list("pk", flat=True)
    )
    postings = Stationing.objects.filter(valid_from__lte=hi).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=lo)
    )
    roster = RosterEntry.objects.filter(day__gte=lo, day__lte=hi)
    if departments is not None:
        postings = postings.filter(department__in=departments)
        roster = roster.filter(department__in=departments)
    excluded = set(exclude_stationings)
    postings = [
        p
        for p in postings.values_list("pk", "department_id", "staff_id", "valid_from", "valid_to")
        if p[0] not in excluded
    ]
    by_day = defaultdict(list)
    for entry in roster.values_list("department_id", "staff_id", "day", "kind"):
        by_day[entry[2]].append(entry)
    out: dict = {}
    for day in days:
        stationed = defaultdict(set)
        for _pk, department_id, staff_id, valid_from, valid_to in postings:
            if valid_from <= day and (valid_to is None or valid_to > day):
                stationed[department_id].add(staff_id)
        on_duty, leave, substitutes = defaultdict(set), defaultdict(set), defaultdict(set)
        for department_id, staff_id, _day, kind in by_day.get(day, ()):
            {RosterKind.DUTY: on_duty, RosterKind.LEAVE: leave, RosterKind.SUBSTITUTE: substitutes}[kind][
                department_id
            ].add(staff_id)
        for department_id in set(stationed) | set(substitutes) | set(on_duty):
            base = (
                stationed[department_id] & on_duty[department_id]
                if on_duty[department_id]
                else stationed[department_id]
            )
            present = (base - leave[department_id]) | substitutes[department_id]
            out[(department_id, day)] = present & approvers
        if extra:
            for key, staff_ids in extra.items():
                if key[1] == day:
                    out.setdefault(key, set()).update(set(staff_ids) & approvers)
    return out


def qualifications(staff_ids, days: list[dt.date]) -> dict:
    """{(staff_id, day): {subitem_id}}: what each person's certificates valid that day qualify them for."""
    if not days or not staff_ids:
        return {}
    lo, hi = min(days), max(days)
    rows = Certificate.objects.filter(
        staff_id__in=staff_ids, valid_from__lte=hi, valid_to__gte=lo
    ).values_list("staff_id", "valid_from", "valid_to", "subitems")
    out: dict = defaultdict(set)
    for staff_id, valid_from, valid_to, subitem_id in rows:
        if subitem_id is None:
            continue
        for day in days:
            if valid_from <= day <= valid_to:
                out[(staff_id, day)].add(subitem_id)
    return out


def find_gaps(
    days: list[dt.date],
    *,
    region=None,
    departments=None,
    subitems=None,
    exclude_stationings=(),
    extra: dict | None = None,
    responsible_override: dict | None = None,
) -> list[tuple[int, int, dt.date]]:
    """(subitem_id, department_id, day) for every live sub-item and day without a qualified approver of
    the implementing department in the back office. `responsible_override` replaces who implements what
    ({day: {subitem_id: {organisation_id}}}), for checking an agreement before it is signed."""
    who = (
        responsible_override
        if responsible_override is not None
        else responsible(days, region=region, departments=departments, subitems=subitems)
    )
    present = present_approvers(
        days, departments=departments, exclude_stationings=exclude_stationings, extra=extra
    )
    staff_ids = set().union(*present.values()) if present else set()
    qualified = qualifications(staff_ids, days)
    wanted = None if departments is None else {getattr(d, "pk", d) for d in departments}
    gaps = []
    for day in days:
        for subitem_id, organisations in who.get(day, {}).items():
            for organisation_id in organisations:
                if wanted is not None and organisation_id not in wanted:
                    continue
                if not any(
                    subitem_id in qualified.get((staff_id, day), ())
                    for staff_id in present.get((organisation_id, day), ())
                ):
                    gaps.append((subitem_id, organisation_id, day))
    return gaps


def as_gaps(rows) -> list[Gap]:
    """The (subitem_id, department_id, day) rows as Gap records, sorted by day, department and code."""
    subitems = SubItem.objects.in_bulk({row[0] for row in rows})
    departments = Organisation.objects.in_bulk({row[1] for row in rows})
    gaps = [Gap(subitems[s], departments[d], day) for s, d, day in rows]
    return sorted(gaps, key=lambda g: (g.date, g.department.sort_order, g.department.code, g.subitem.code))
