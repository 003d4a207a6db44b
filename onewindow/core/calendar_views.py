"""The supervisor's working-day calendar pages (thin: the calendar module in, templates out)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.core import calendar, clock
from onewindow.core.errors import DomainError
from onewindow.core.views import role_required
from onewindow.org import roles as r

MAX_UPLOAD_BYTES = 1024 * 1024


class ProvisionalYearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        min_value=calendar.PROVISIONAL_FIRST_YEAR,
        max_value=calendar.PROVISIONAL_LAST_YEAR,
    )


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Official schedule (.csv or .xlsx)"),
        help_text=gettext_lazy(
            "Columns: date (YYYY-MM-DD), kind (off or work), name (optional); one year per file."
        ),
    )


def _where(key: str) -> str:
    """An error's key (`file`, `year`, `row 7`) as the page shows it."""
    if key.startswith("row ") and key[4:].isdigit():
        return _("row %(number)s") % {"number": key[4:]}
    return {"file": _("File"), "year": _("Year"), "": ""}.get(key, key)


def _years_page(request, *, provisional=None, upload=None, errors=None, status=200):
    context = {
        "years": calendar.years_overview(region=calendar.region_of(request.user)),
        "provisional_form": provisional or ProvisionalYearForm(initial={"year": clock.today().year + 1}),
        "upload_form": upload or ScheduleUploadForm(),
        "errors": [(_where(key), messages) for key, messages in (errors or {}).items()],
    }
    return render(request, "core/calendar_years.html", context, status=status)


@role_required(r.SUPERVISOR)
def calendar_years(request):
    return _years_page(request)


@role_required(r.SUPERVISOR)
def calendar_year(request, year: int):
    calendar_year, months = calendar.year_months(year, region=calendar.region_of(request.user))
    return render(
        request, "core/calendar_year.html", {"year": year, "calendar_year": calendar_year, "months": months}
    )


@require_POST
@role_required(r.SUPERVISOR)
def calendar_provisional(request):
    form = ProvisionalYearForm(request.POST)
    if not form.is_valid():
        return _years_page(request, provisional=form, status=400)
    year = form.cleaned_data["year"]
    try:
        made, created = calendar.create_provisional_year(
            year=year, actor=request.user, region=calendar.region_of(request.user)
        )
    except DomainError as exc:
        return _years_page(
            request, provisional=form, errors=exc.errors or {"": [exc.message]}, status=exc.status
        )
    if created:
        messages.success(request, _("Provisional calendar %(year)s created.") % {"year": year})
    elif made.status == calendar.OFFICIAL:
        messages.info(
            request, _("%(year)s already has an official schedule; nothing changed.") % {"year": year}
        )
    else:
        messages.info(
            request, _("%(year)s already has this provisional schedule; nothing changed.") % {"year": year}
        )
    return redirect("core:calendar_year", year=year)


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
        report = calendar.load_schedule(
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            region=calendar.region_of(request.user),
        )
    except DomainError as exc:
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
    return redirect("core:calendar_year", year=report.year)
