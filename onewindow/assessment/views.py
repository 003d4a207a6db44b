"""HTML pages of the assessment: results and runs, one result with its breakdown and the flow, the
schemes (a new version from the current one), the ranking, the sheet and a person's file."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.assessment import documents, indicators, scoring, selectors, services
from onewindow.assessment.models import (
    IndicatorKind,
    Part,
    Rule,
    Status,
    SubjectKind,
)
from onewindow.assessment.periods import PATTERN
from onewindow.core import clock
from onewindow.core.errors import DomainError, NotFound
from onewindow.org import roles as r
from onewindow.org.access import role_required

BUSINESS = tuple(sorted(r.BUSINESS_ROLES))
# Who may take each step on the page (the service checks again).
STEP_ROLES = {action: roles for action, (_starts, _after, roles) in services.FLOW.items()}
STEP_LABELS = {
    "review": gettext_lazy("Mark reviewed"),
    "confirm": gettext_lazy("Confirm"),
    "reopen": gettext_lazy("Back to draft"),
    "file": gettext_lazy("File with the 督考办"),
    "acknowledge": gettext_lazy("Acknowledge the filing"),
    "return": gettext_lazy("Return to the unit"),
    "record": gettext_lazy("Record in the personal file"),
}


@role_required(*BUSINESS)
def result_list(request):
    period = request.GET.get("period", "").strip()
    period = period if PATTERN.match(period) else ""
    kind = request.GET.get("subject_kind") if request.GET.get("subject_kind") in SubjectKind.values else ""
    status = request.GET.get("status") if request.GET.get("status") in Status.values else ""
    qs = selectors.results_for(
        request.user, period=period or None, subject_kind=kind or None, status=status or None
    )
    today = clock.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return render(
        request,
        "assessment/result_list.html",
        {
            "results": qs[:500],
            "count": qs.count(),
            "period": period,
            "subject_kind": kind,
            "status": status,
            "kinds": SubjectKind.choices,
            "statuses": Status.choices,
            "can_run": r.has_role(request.user, r.SUPERVISOR),
            # The assessed (clerks, approvers) reach their own file from here; the bureau's roles do not need it.
            "own_file": not r.has_role(request.user, r.SUPERVISOR, r.ASSESSMENT_OFFICE),
            "suggested_period": period or last_month,
            "grades": documents.GRADE_LABELS,
        },
    )


@role_required(r.SUPERVISOR)
@require_POST
def run(request):
    period = request.POST.get("period", "").strip()
    try:
        summary = services.run(actor=request.user, period=period)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("assessment:list")
    messages.success(
        request,
        _("Period %(period)s computed: %(created)d new drafts, %(updated)d drafts updated, %(kept)d kept.")
        % {
            "period": summary.period,
            "created": summary.created,
            "updated": summary.updated,
            "kept": summary.kept,
        },
    )
    return redirect(f"{reverse('assessment:list')}?period={summary.period}")


def _detail_context(request, pk) -> dict:
    try:
        result = selectors.get_result(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    detail = selectors.result_detail(result)
    steps = []
    for action, (starts, _after, roles) in services.FLOW.items():
        if result.status in starts and r.has_role(request.user, *roles):
            if action == "acknowledge" and result.acknowledged_at:
                continue
            if action == "return" and not result.acknowledged_at:
                continue
            steps.append((action, STEP_LABELS[action]))
    supervisor = r.has_role(request.user, r.SUPERVISOR)
    chart = selectors.monthly_scores(
        selectors.subject_results(request.user, result), year=int(result.period[:4])
    )
    return {
        "result": result,
        "d": detail,
        "chart": chart,
        "grade": documents.GRADE_LABELS[scoring.grade_of(result.total)],
        "steps": steps,
        "can_enter": supervisor and result.status == Status.DRAFT,
        "can_correct": supervisor and result.is_filed and not hasattr(result, "correction"),
    }


@role_required(*BUSINESS)
def result_detail(request, pk):
    return render(request, "assessment/result_detail.html", _detail_context(request, pk))


@role_required(*BUSINESS)
@require_POST
def score(request, pk):
    try:
        services.enter_score(
            actor=request.user,
            result=pk,
            indicator=request.POST.get("indicator", ""),
            points=request.POST.get("points", ""),
            note=request.POST.get("note", ""),
            version=_int(request.POST.get("version")),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _failed(request, pk, exc)
    messages.success(request, _("Saved."))
    return redirect("assessment:result", pk=pk)


def _int(value):
    return int(value) if value and str(value).isdigit() else None


def _failed(request, pk, exc: DomainError):
    context = _detail_context(request, pk)
    context.update(error=exc.message, errors=exc.errors, values=request.POST)
    return render(request, "assessment/result_detail.html", context, status=exc.status)


@role_required(*BUSINESS)
@require_POST
def step(request, pk, action):
    try:
        if action == "correct":
            new = services.correct(actor=request.user, result=pk, reason=request.POST.get("reason", ""))
            messages.success(request, _("Correction drafted; the filed result stays on record."))
            return redirect("assessment:result", pk=new.pk)
        if action not in services.FLOW:
            raise Http404
        services.act(actor=request.user, result=pk, action=action, version=_int(request.POST.get("version")))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _failed(request, pk, exc)
    messages.success(request, _("Saved."))
    return redirect("assessment:result", pk=pk)


@role_required(*BUSINESS)
def sheet(request, pk):
    try:
        result = selectors.get_result(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return documents.sheet_response(result)


@role_required(*BUSINESS)
def ranking(request):
    period = request.GET.get("period", "").strip()
    kind = request.GET.get("subject_kind", SubjectKind.WINDOW_STAFF)
    if not PATTERN.match(period) or kind not in SubjectKind.values:
        raise Http404
    return documents.ranking_response(request.user, period=period, subject_kind=kind)


@role_required(r.SUPERVISOR, r.ASSESSMENT_OFFICE)
def scheme_list(request):
    schemes = list(selectors.schemes(request.user))
    return render(
        request,
        "assessment/scheme_list.html",
        {
            "schemes": schemes,
            "kinds": SubjectKind.choices,
            "can_edit": r.has_role(request.user, r.SUPERVISOR),
            "sources": indicators.REGISTRY.values(),
            "pending": indicators.PENDING.items(),
        },
    )


FIELDS = ("code", "name", "kind", "part", "source", "rule", "weight", "parameter", "minimum", "maximum")


@role_required(r.SUPERVISOR)
def scheme_edit(request, kind):
    """A new version of a kind's scheme, starting from the current one (nothing is edited in place)."""
    if kind not in SubjectKind.values:
        raise Http404
    current = selectors.schemes(request.user).filter(subject_kind=kind).first()
    context = {
        "kind": kind,
        "kind_label": SubjectKind(kind).label,
        "current": current,
        "sources": [s for s in indicators.REGISTRY.values() if kind in s.kinds],
        "kinds": IndicatorKind.choices,
        "parts": Part.choices,
        "rules": Rule.choices,
    }
    status = 200
    if request.method == "POST":
        rows = _rows(request.POST)
        try:
            scheme = services.create_scheme_version(
                actor=request.user,
                subject_kind=kind,
                name=request.POST.get("name", ""),
                effective_from=_date(request.POST.get("effective_from", "")),
                monthly_share=request.POST.get("monthly_share", ""),
                indicators=rows,
                note=request.POST.get("note", ""),
            )
        except DomainError as exc:
            context.update(error=exc.message, errors=exc.errors, rows=rows + [{}] * 2, values=request.POST)
            status = exc.status
        else:
            messages.success(request, _("Version %(v)d saved.") % {"v": scheme.version})
            return redirect("assessment:schemes")
    else:
        rows = []
        if current is not None:
            rows = [
                {f: getattr(i, f) if getattr(i, f) is not None else "" for f in FIELDS}
                for i in current.indicators.all()
            ]
        context.update(
            rows=rows + [{}] * 3,
            values={
                "name": current.name if current else "",
                "monthly_share": current.monthly_share if current else "0.70",
                "effective_from": clock.today().replace(day=1).isoformat(),
            },
        )
    return render(request, "assessment/scheme_edit.html", context, status=status)


def _date(text: str):
    from onewindow.core.errors import InvalidInput

    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        message = _("A date as YYYY-MM-DD.")
        raise InvalidInput(message, code="assessment.date", errors={"effective_from": [message]}) from None


def _rows(post) -> list[dict]:
    columns = {f: post.getlist(f) for f in FIELDS}
    count = max((len(v) for v in columns.values()), default=0)
    rows = []
    for n in range(min(count, 40)):
        row = {f: (columns[f][n] if n < len(columns[f]) else "").strip() for f in FIELDS}
        if any(row[f] for f in ("code", "name", "weight")):
            rows.append(row)
    return rows


@role_required(*BUSINESS)
def year(request):
    """Each subject's monthly scores over a year, one line per subject (a department's head: their
    department and its people; the supervisor and the 督考办 any department), with the table beside it."""
    text = request.GET.get("year", "").strip()
    year = int(text) if text.isdigit() and 2000 <= int(text) <= 2100 else clock.today().year
    kind = request.GET.get("subject_kind")
    kind = kind if kind in SubjectKind.values else SubjectKind.DEPARTMENT
    wide = r.has_role(request.user, r.SUPERVISOR, r.ASSESSMENT_OFFICE)
    units = selectors.assessed_units(request.user) if wide else []
    unit = request.GET.get("unit", "").strip()
    unit = unit if any(u.code == unit for u in units) else ""
    results = selectors.year_results(request.user, year=year, subject_kind=kind, unit=unit or None)
    return render(
        request,
        "assessment/year.html",
        {
            "year": year,
            "subject_kind": kind,
            "kind_label": SubjectKind(kind).label,
            "kinds": SubjectKind.choices,
            "units": units,
            "unit": unit,
            "chart": selectors.monthly_scores(results, year=year),
        },
    )


@role_required(*BUSINESS)
def person(request, username):
    try:
        staff, results = selectors.personal_file(request.user, username)
    except NotFound as exc:
        raise Http404 from exc
    return render(
        request,
        "assessment/person.html",
        {
            "staff": staff,
            "results": results,
            "chart": selectors.monthly_chart(results),
            "grades": {x.pk: documents.GRADE_LABELS[scoring.grade_of(x.total)] for x in results},
        },
    )
