"""Reads of the assessment: results in each caller's scope, one result with its breakdown, schemes, the
ranking of a period and a person's file."""

from __future__ import annotations

from django.db.models import QuerySet

from onewindow.assessment import indicators as registry
from onewindow.assessment.models import FILED_STATUSES, Result, Scheme, Score, Status
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.org import roles as r

RELATED = (
    "scheme",
    "subject_staff__user",
    "subject_staff__organisation",
    "subject_department",
    "unit",
    "corrects",
    "correction",
)


def results_for(
    user, *, period: str | None = None, subject_kind: str | None = None, status: str | None = None
) -> QuerySet:
    qs = in_scope(Result.objects.all(), user).select_related(*RELATED)
    if period:
        qs = qs.filter(period=period)
    if subject_kind:
        qs = qs.filter(subject_kind=subject_kind)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-period", "subject_kind", "-total", "pk")


def get_result(user, pk: int) -> Result:
    return get_in_scope(Result.objects.select_related(*RELATED, "region"), user, pk=pk)


def scores_of(result: Result) -> list[Score]:
    return list(
        result.scores.select_related("indicator").order_by("indicator__part", "indicator__sort_order")
    )


def _person(user) -> str | None:
    if user is None:
        return None
    staff = getattr(user, "staff", None)
    return (staff.full_name if staff else "") or user.username


def subject_of(result: Result) -> dict:
    if result.subject_staff_id:
        staff = result.subject_staff
        return {
            "kind": result.subject_kind,
            "username": staff.user.username,
            "name": staff.full_name,
            "department": None,
        }
    d = result.subject_department
    return {"kind": result.subject_kind, "username": None, "name": d.name, "department": d.code}


def result_summary(result: Result) -> dict:
    """The API's shape of a result (without its scores)."""
    return {
        "id": result.pk,
        "period": result.period,
        "period_kind": result.period_kind,
        "subject_kind": result.subject_kind,
        "subject": subject_of(result),
        "unit": {"code": result.unit.code, "name": result.unit.name},
        "status": result.status,
        "status_label": str(result.get_status_display()),
        "version": result.version,
        "total": result.total,
        "monthly_mean": result.monthly_mean,
        "year_end_score": result.year_end_score,
        "scheme": {"id": result.scheme_id, "version": result.scheme.version, "name": result.scheme.name},
        "corrects": result.corrects_id,
        "corrected_by": getattr(getattr(result, "correction", None), "pk", None),
        "correction_reason": result.correction_reason,
        "computed_at": result.computed_at,
        "filed_at": result.filed_at,
        "acknowledged_at": result.acknowledged_at,
        "returned_at": result.returned_at,
        "recorded_at": result.recorded_at,
    }


def score_summary(score: Score) -> dict:
    indicator = score.indicator
    source = registry.REGISTRY.get(indicator.source)
    return {
        "indicator": indicator.code,
        "name": indicator.name,
        "kind": indicator.kind,
        "part": indicator.part,
        "source": indicator.source or None,
        "source_label": str(source.label) if source else None,
        "rule": indicator.rule or None,
        "weight": indicator.weight,
        "parameter": indicator.parameter,
        "minimum": indicator.minimum,
        "maximum": indicator.maximum,
        "value": score.value,
        "points": score.points,
        "note": score.note,
        "basis": score.basis or {},
    }


def result_detail(result: Result) -> dict:
    return {
        **result_summary(result),
        "months": result.months,
        "scores": [score_summary(s) for s in scores_of(result)],
        "reviewed_at": result.reviewed_at,
        "confirmed_at": result.confirmed_at,
        "reviewed_by": _person(result.reviewed_by),
        "confirmed_by": _person(result.confirmed_by),
        "filed_by": _person(result.filed_by),
        "acknowledged_by": _person(result.acknowledged_by),
        "returned_by": _person(result.returned_by),
        "recorded_by": _person(result.recorded_by),
    }


def ranking(user, *, period: str, subject_kind: str) -> list[Result]:
    """The results of a period and kind in the caller's scope, best first (corrected ones replaced by
    their correction)."""
    rows = [
        x for x in results_for(user, period=period, subject_kind=subject_kind) if not hasattr(x, "correction")
    ]
    return sorted(rows, key=lambda x: (-x.total, x.subject_name))


def schemes(user) -> QuerySet:
    staff = getattr(user, "staff", None)
    if staff is None or not r.has_role(user, r.SUPERVISOR, r.ASSESSMENT_OFFICE):
        return Scheme.objects.none()
    return (
        Scheme.objects.filter(region_id=staff.organisation.region_id)
        .prefetch_related("indicators")
        .order_by("subject_kind", "-version")
    )


def personal_file(user, username: str) -> tuple[object, list[Result]]:
    """A staff member and every filed result of theirs (personal file, 个人档案): for the person, the head
    of their unit, the supervisor and the 督考办; 404 for everyone else."""
    from onewindow.core.scoping import not_found
    from onewindow.org.models import Staff

    staff = Staff.objects.select_related("user", "organisation").filter(user__username=username).first()
    me = getattr(user, "staff", None)
    if staff is None or me is None or staff.organisation.region_id != me.organisation.region_id:
        raise not_found()
    allowed = (
        staff.user_id == user.pk
        or r.has_role(user, r.SUPERVISOR, r.ASSESSMENT_OFFICE)
        or (r.has_role(user, r.DEPARTMENT_HEAD) and me.organisation_id == staff.organisation_id)
    )
    if not allowed:
        raise not_found()
    results = list(
        results_for(user).filter(subject_staff=staff, status__in=FILED_STATUSES).order_by("period", "pk")
    )
    return staff, results


def monthly_chart(results: list[Result]) -> list[dict]:
    """The monthly scores of a person's file, one chart per year (`monthly_scores` of each year)."""
    years = sorted({x.period[:4] for x in results if x.period_kind == "month"})
    return [monthly_scores(results, year=int(year)) for year in years]


def monthly_scores(results, *, year: int) -> dict:
    """The chart data of each subject's monthly scores over `year` (the personal file, a result's page, the
    year view): {year, months: [labels], series: [{name, kind, data: [score or None] × 12}]}, one series per
    subject in the order first met; a corrected result is replaced by its correction. `results` are already
    in the caller's scope (`results_for`)."""
    from django.utils.translation import gettext as _

    prefix = f"{year}-"
    series: dict[tuple, dict] = {}
    for x in results:
        if x.period_kind != "month" or not x.period.startswith(prefix) or hasattr(x, "correction"):
            continue
        key = (x.subject_kind, x.subject_staff_id, x.subject_department_id)
        row = series.setdefault(
            key,
            {"name": x.subject_name, "kind": str(x.get_subject_kind_display()), "data": [None] * 12},
        )
        row["data"][int(x.period[5:7]) - 1] = float(x.total)
    return {
        "year": str(year),
        "months": [_("Month %(m)s") % {"m": n} for n in range(1, 13)],
        "series": list(series.values()),
    }


def year_results(user, *, year: int, subject_kind: str | None = None, unit: str | None = None) -> QuerySet:
    """The monthly results of a year in the caller's scope (the year view), optionally of one kind and of
    the subjects of one unit (a department: itself and its people)."""
    qs = results_for(user, subject_kind=subject_kind).filter(
        period_kind="month", period__startswith=f"{year}-"
    )
    if unit:
        qs = qs.filter(unit__code=unit)
    return qs.order_by("subject_kind", "unit__sort_order", "subject_department__sort_order", "period", "pk")


def assessed_units(user) -> list:
    """The units whose results the caller may pick in the year view (the region's bureau and departments)."""
    from onewindow.org.models import Organisation

    staff = getattr(user, "staff", None)
    if staff is None:
        return []
    return list(
        Organisation.objects.filter(
            region_id=staff.organisation.region_id, kind__in=["bureau", "internal", "resident"]
        ).order_by("sort_order", "code")
    )


def subject_results(user, result: Result) -> QuerySet:
    """The monthly results of a result's subject in its year, in the caller's scope (the subject's chart)."""
    same = (
        {"subject_staff_id": result.subject_staff_id}
        if result.subject_staff_id
        else {"subject_department_id": result.subject_department_id}
    )
    return results_for(user, subject_kind=result.subject_kind).filter(
        period_kind="month", period__startswith=f"{result.period[:4]}-", **same
    )


STATUS_VALUES = Status.values
