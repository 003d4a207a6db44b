"""HTML pages of the staffing context: the overview (gaps, expiring certificates, change frequency,
training gaps), stationings, the schedule (printable), qualifications, training, daily evaluation (thin)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core import clock
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.scoping import get_in_scope
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.org.models import Organisation, Staff, Stationing
from onewindow.staffing import selectors, services
from onewindow.staffing.models import (
    Attendance,
    CertificateKind,
    Conduct,
    Discipline,
    Feedback,
    RosterKind,
)

READERS = (r.SUPERVISOR, r.DEPARTMENT_HEAD, r.APPROVER)
MANAGERS = (r.SUPERVISOR, r.DEPARTMENT_HEAD)


def _date(value, default=None):
    """A YYYY-MM-DD of the page's query or form, within 2000–2100 (else `default`: no date arithmetic
    at the edges of the calendar ever overflows)."""
    try:
        day = dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return default
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else default


def _refused(request, exc: DomainError) -> None:
    detail = "; ".join(f"{' '.join(str(m) for m in msgs)}" for msgs in exc.errors.values())
    messages.error(
        request, f"{exc.message}" + (f"（{detail}）" if detail and detail not in str(exc.message) else "")
    )


def _departments(request):
    """The departments the page shows: the supervisor's region, or the caller's own."""
    return (
        selectors.scoped_departments(request.user)
        .filter(kind__in=["bureau", "internal", "resident"])
        .order_by("sort_order", "code")
    )


def _staff_named(username, department=None):
    qs = Staff.objects.select_related("user", "organisation__region").filter(
        user__username=(username or "").strip()
    )
    if department is not None:
        qs = qs.filter(organisation=department)
    return qs.first()


@role_required(*READERS)
def overview(request):
    """Rule 8 at a glance: gaps of the coming working days, certificates near expiry, this quarter's
    stationing changes, sub-items without (current) training of window clerks."""
    user = request.user
    days = settings.ONEWINDOW_STAFFING_GUARD_DAYS
    try:
        gaps = selectors.gaps_for(user, days=days)
        gaps_error = ""
    except DomainError as exc:
        gaps, gaps_error = [], str(exc.message)
    scope = selectors.scoped_departments(user)
    quarter = selectors.quarter_of(clock.today())
    context = {
        "days": days,
        "gaps": gaps,
        "gaps_error": gaps_error,
        "expiring": selectors.expiring_certificates(
            within_days=settings.ONEWINDOW_CERTIFICATE_WARNING_DAYS
        ).filter(staff__organisation__in=scope),
        "warning_days": settings.ONEWINDOW_CERTIFICATE_WARNING_DAYS,
        "quarter": quarter,
        "frequency": selectors.change_frequency(quarter=quarter, departments=scope),
        "limit": settings.ONEWINDOW_STAFFING_CHANGES_PER_QUARTER,
        "training": selectors.training_gaps(user),
        "is_supervisor": selectors.is_supervisor(user),
    }
    return render(request, "staffing/overview.html", context)


@role_required(*READERS)
def stationing_list(request):
    department = request.GET.get("department", "")
    rows = list(selectors.stationings(request.user, department=department, active=True))
    for row in rows:
        row.qualified = selectors.qualified_codes(row)
        row.can_manage = selectors.can_manage(request.user, row.department)
    departments = list(_departments(request))
    managed = [d for d in departments if selectors.can_manage(request.user, d)]
    candidates = (
        Staff.objects.select_related("user")
        .filter(organisation__in=managed, user__is_active=True)
        .order_by("organisation__sort_order", "full_name")
    )
    return render(
        request,
        "staffing/stationings.html",
        {
            "rows": rows,
            "departments": departments,
            "department": department,
            "candidates": candidates,
            "today": clock.today(),
            "can_start": bool(managed),
        },
    )


@role_required(*MANAGERS)
@require_POST
def stationing_end(request, pk):
    try:
        stationing = get_in_scope(Stationing.objects.select_related("department"), request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    successor = None
    if request.POST.get("successor"):
        successor = _staff_named(request.POST["successor"], stationing.department)
    try:
        services.end_stationing(
            actor=request.user,
            stationing=stationing,
            on=_date(request.POST.get("on")),
            reason=request.POST.get("reason", ""),
            successor=successor,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The stationing ends on the day given."))
    return redirect("staffing:stationings")


@role_required(*MANAGERS)
@require_POST
def stationing_start(request):
    staff = _staff_named(request.POST.get("staff"))
    if staff is None:
        messages.error(request, _("Unknown staff member."))
        return redirect("staffing:stationings")
    try:
        services.start_stationing(
            actor=request.user,
            department=staff.organisation,
            staff=staff,
            valid_from=_date(request.POST.get("valid_from"), clock.today()),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Stationed."))
    return redirect("staffing:stationings")


@role_required(*READERS)
def change_list(request):
    quarter = request.GET.get("quarter", "")
    if not (len(quarter) == 6 and quarter[:4].isdigit() and quarter[4] == "Q" and quarter[5] in "1234"):
        quarter = selectors.quarter_of(clock.today())
    scope = selectors.scoped_departments(request.user)
    return render(
        request,
        "staffing/changes.html",
        {
            "changes": selectors.changes(request.user)[:500],
            "quarter": quarter,
            "frequency": selectors.change_frequency(quarter=quarter, departments=scope),
            "limit": settings.ONEWINDOW_STAFFING_CHANGES_PER_QUARTER,
        },
    )


@role_required(*READERS)
def schedule(request):
    """A department's (or, for the supervisor, the whole hall's) week or month; printable."""
    span = request.GET.get("span", "week")
    start = _date(request.GET.get("start"), clock.today())
    if span == "month":
        start = start.replace(day=1)
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    else:
        span = "week"
        start = start - dt.timedelta(days=start.weekday())
        end = start + dt.timedelta(days=6)
    departments = list(_departments(request))
    code = request.GET.get("department", "")
    shown = [d for d in departments if d.code == code] if code else departments
    region = request.user.staff.organisation.region
    grid = selectors.roster_grid(departments=shown, start=start, end=end, region=region)
    managed = [d for d in departments if selectors.can_manage(request.user, d)]
    previous = start - (dt.timedelta(days=7) if span == "week" else dt.timedelta(days=1))
    following = end + dt.timedelta(days=1)
    return render(
        request,
        "staffing/schedule.html",
        {
            "grid": grid,
            "span": span,
            "start": start,
            "end": end,
            "previous": previous.replace(day=1) if span == "month" else previous,
            "following": following,
            "departments": departments,
            "department": code,
            "kinds": RosterKind.choices,
            "managed": managed,
            "candidates": Staff.objects.select_related("user")
            .filter(organisation__in=managed, user__is_active=True)
            .order_by("organisation__sort_order", "full_name"),
        },
    )


def _back_to_schedule(request):
    query = request.POST.get("back", "")
    return redirect(f"/staffing/schedule/{query}" if query.startswith("?") else "/staffing/schedule/")


@role_required(*MANAGERS)
@require_POST
def schedule_set(request):
    staff = _staff_named(request.POST.get("staff"))
    if staff is None:
        messages.error(request, _("Unknown staff member."))
        return _back_to_schedule(request)
    substitute_for = (
        _staff_named(request.POST.get("substitute_for"), staff.organisation)
        if request.POST.get("substitute_for")
        else None
    )
    try:
        services.set_roster_day(
            actor=request.user,
            department=staff.organisation,
            staff=staff,
            day=_date(request.POST.get("date")),
            kind=request.POST.get("kind", ""),
            substitute_for=substitute_for,
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The schedule was updated."))
    return _back_to_schedule(request)


@role_required(*MANAGERS)
@require_POST
def rotation(request):
    department = Organisation.objects.filter(code=request.POST.get("department", "")).first()
    if department is None:
        messages.error(request, _("Choose a department."))
        return _back_to_schedule(request)
    staff = [s for s in (_staff_named(u, department) for u in request.POST.getlist("staff")) if s is not None]
    try:
        per_day = int(request.POST.get("per_day") or 1)
    except ValueError:
        per_day = 0
    try:
        written = services.plan_rotation(
            actor=request.user,
            department=department,
            staff=staff,
            start=_date(request.POST.get("from")),
            end=_date(request.POST.get("to")),
            per_day=per_day,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Rotation planned: %(n)s duty days.") % {"n": written})
    return _back_to_schedule(request)


@role_required(*READERS)
def qualification_list(request):
    departments = list(_departments(request))
    managed = [d for d in departments if selectors.can_manage(request.user, d)]
    return render(
        request,
        "staffing/qualifications.html",
        {
            "certificates": selectors.certificates(
                request.user, department=request.GET.get("department", "")
            ),
            "today": clock.today(),
            "soon": clock.today() + dt.timedelta(days=settings.ONEWINDOW_CERTIFICATE_WARNING_DAYS),
            "kinds": CertificateKind.choices,
            "candidates": Staff.objects.select_related("user")
            .filter(organisation__in=managed, user__is_active=True, user__groups__name=r.APPROVER)
            .order_by("organisation__sort_order", "full_name"),
            "departments": departments,
        },
    )


@role_required(*MANAGERS)
@require_POST
def qualification_add(request):
    staff = _staff_named(request.POST.get("staff"))
    if staff is None:
        messages.error(request, _("Unknown staff member."))
        return redirect("staffing:qualifications")
    codes = [c for c in request.POST.get("subitems", "").replace("，", ",").replace(" ", ",").split(",") if c]
    try:
        services.add_certificate(
            actor=request.user,
            staff=staff,
            kind=request.POST.get("kind", ""),
            number=request.POST.get("number", ""),
            issuing_body=request.POST.get("issuing_body", ""),
            valid_from=_date(request.POST.get("valid_from")),
            valid_to=_date(request.POST.get("valid_to")),
            subitems=codes,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The certificate was recorded."))
    return redirect("staffing:qualifications")


@role_required(*READERS)
def training_list(request):
    departments = list(_departments(request))
    managed = [d for d in departments if selectors.can_manage(request.user, d)]
    return render(
        request,
        "staffing/training.html",
        {
            "sessions": selectors.trainings(request.user)[:200],
            "gaps": selectors.training_gaps(request.user),
            "managed": managed,
            "clerks": Staff.objects.select_related("user")
            .filter(user__groups__name=r.WINDOW_CLERK, user__is_active=True)
            .order_by("full_name"),
            "today": clock.today(),
        },
    )


@role_required(*MANAGERS)
@require_POST
def training_add(request):
    department = Organisation.objects.filter(code=request.POST.get("department", "")).first()
    if department is None:
        messages.error(request, _("Choose a department."))
        return redirect("staffing:training")
    codes = [c for c in request.POST.get("subitems", "").replace("，", ",").replace(" ", ",").split(",") if c]
    attendees = [s for s in (_staff_named(u) for u in request.POST.getlist("attendees")) if s is not None]
    try:
        services.record_training(
            actor=request.user,
            department=department,
            day=_date(request.POST.get("date")),
            trainer=request.POST.get("trainer", ""),
            topic=request.POST.get("topic", ""),
            subitems=codes,
            attendees=attendees,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The training was recorded."))
    return redirect("staffing:training")


EVALUATION_CHOICES = {
    "attendance": Attendance.choices,
    "discipline": Discipline.choices,
    "conduct": Conduct.choices,
    "feedback": Feedback.choices,
}


@role_required(r.SUPERVISOR)
def evaluation_day(request):
    """Quick entry: the whole day's roster (window clerks and everyone stationed) in one form."""
    day = _date(request.POST.get("date") or request.GET.get("date"), clock.today())
    region = request.user.staff.organisation.region
    if request.method == "POST":
        entries = []
        for username in request.POST.getlist("staff"):
            entry = {"staff": username}
            for field in ("attendance", "discipline", "conduct", "feedback"):
                entry[field] = request.POST.get(f"{field}-{username}", "")
                entry[f"{field}_note"] = request.POST.get(f"{field}_note-{username}", "")
            entries.append(entry)
        try:
            saved = services.record_day_evaluations(actor=request.user, day=day, entries=entries)
        except DomainError as exc:
            _refused(request, exc)
        else:
            messages.success(request, _("Saved the day's evaluations of %(n)s people.") % {"n": saved})
            return redirect(f"/staffing/evaluations/?date={day.isoformat()}")
    people = selectors.evaluation_roster(region=region, day=day)
    return render(
        request,
        "staffing/evaluation_day.html",
        {
            "day": day,
            "people": people,
            "choices": EVALUATION_CHOICES,
            "previous": day - dt.timedelta(days=1),
            "following": day + dt.timedelta(days=1),
            "month": day.strftime("%Y-%m"),
        },
    )


@role_required(r.SUPERVISOR, r.ASSESSMENT_OFFICE, r.DEPARTMENT_HEAD)
def evaluation_person(request, username):
    """One person's month, read back day by day with the month's counts."""
    month = request.GET.get("month", "") or clock.today().strftime("%Y-%m")
    try:
        start, _end = selectors.month_bounds(month)
        if not 2000 <= start.year <= 2100:
            raise ValueError(month)
    except ValueError:
        start = clock.today().replace(day=1)
        month = start.strftime("%Y-%m")
    staff = Staff.objects.select_related("user", "organisation").filter(user__username=username).first()
    entries = list(selectors.evaluations(request.user, staff=username, month=month))
    visible = staff is not None and (
        r.has_role(request.user, r.SUPERVISOR, r.ASSESSMENT_OFFICE)
        or staff.organisation_id == request.user.staff.organisation_id
    )
    if not visible:
        raise Http404
    summary = selectors.monthly_evaluation_summary(period=month, staff=staff)
    previous = (start - dt.timedelta(days=1)).strftime("%Y-%m")
    following = (start + dt.timedelta(days=32)).strftime("%Y-%m")
    return render(
        request,
        "staffing/evaluation_person.html",
        {
            "person": staff,
            "month": month,
            "entries": entries,
            "summary": summary[0] if summary else None,
            "previous": previous,
            "following": following,
            "labels": {field: dict(choices) for field, choices in EVALUATION_CHOICES.items()},
        },
    )
