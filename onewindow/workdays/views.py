"""The supervisor's working-day calendar pages (thin: services and selectors in, templates out)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core import clock, refusals
from onewindow.core.errors import DomainError
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.workdays import selectors, services
from onewindow.workdays.forms import ProvisionalYearForm, ScheduleUploadForm
from onewindow.workdays.models import OFFICIAL

MAX_UPLOAD_BYTES = 1024 * 1024


def _where(key: str) -> str:
    """An error's key (`file`, `year`, `row 7`) as the page shows it."""
    if key.startswith("row ") and key[4:].isdigit():
        return _("row %(number)s") % {"number": key[4:]}
    return {"file": _("File"), "year": _("Year"), "": ""}.get(key, key)


def _years_page(request, *, provisional=None, upload=None, errors=None, status=200):
    context = {
        "years": selectors.years_overview(region=selectors.region_of(request.user)),
        "provisional_form": provisional or ProvisionalYearForm(initial={"year": clock.today().year + 1}),
        "upload_form": upload or ScheduleUploadForm(),
        "errors": [(_where(key), messages) for key, messages in (errors or {}).items()],
    }
    return render(request, "workdays/calendar_years.html", context, status=status)


@role_required(r.SUPERVISOR)
def calendar_years(request):
    return _years_page(request)


@role_required(r.SUPERVISOR)
def calendar_year(request, year: int):
    calendar_year, months = selectors.year_months(year, region=selectors.region_of(request.user))
    return render(
        request,
        "workdays/calendar_year.html",
        {"year": year, "calendar_year": calendar_year, "months": months},
    )


@require_POST
@role_required(r.SUPERVISOR)
def calendar_provisional(request):
    form = ProvisionalYearForm(request.POST)
    if not form.is_valid():
        return _years_page(request, provisional=form, status=400)
    year = form.cleaned_data["year"]
    try:
        made, created = services.create_provisional_year(
            year=year, actor=request.user, region=selectors.region_of(request.user)
        )
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        return _years_page(
            request, provisional=form, errors=exc.errors or {"": [exc.message]}, status=exc.status
        )
    if created:
        messages.success(request, _("Provisional calendar %(year)s created.") % {"year": year})
    elif made.status == OFFICIAL:
        messages.info(
            request, _("%(year)s already has an official schedule; nothing changed.") % {"year": year}
        )
    else:
        messages.info(
            request, _("%(year)s already has this provisional schedule; nothing changed.") % {"year": year}
        )
    return redirect("workdays:calendar_year", year=year)


@require_POST
@role_required(r.SUPERVISOR)
def calendar_upload(request):
    form = ScheduleUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _years_page(request, upload=form, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        form.add_error("file", _("The file is larger than 1 MB."))
        return _years_page(request, upload=form, status=400)
    try:
        report = services.load_schedule(
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            region=selectors.region_of(request.user),
        )
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        return _years_page(request, upload=form, errors=exc.errors or {"": [exc.message]}, status=exc.status)
    if report.changed:
        messages.success(
            request,
            _(
                "Official schedule %(year)s loaded: %(off)s weekdays off, %(work)s make-up working days; "
                "the due dates of open cases were recomputed."
            )
            % {"year": report.year, "off": report.days_off, "work": report.make_up_days},
        )
    else:
        messages.info(
            request, _("This official schedule of %(year)s is already loaded.") % {"year": report.year}
        )
    return redirect("workdays:calendar_year", year=report.year)
