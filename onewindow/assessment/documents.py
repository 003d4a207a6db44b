"""The assessment's documents: the PDF sheet of one result (for the personal file) and the .xlsx ranking
of a period; both in Chinese whatever the caller's language."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.assessment import scoring, selectors
from onewindow.core import clock
from onewindow.core.pdf import render_pdf

GRADE_LABELS = {
    "excellent": gettext_lazy("Excellent"),
    "competent": gettext_lazy("Competent"),
    "basically_competent": gettext_lazy("Basically competent"),
    "incompetent": gettext_lazy("Incompetent"),
}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def sheet_pdf(result) -> bytes:
    with translation.override("zh-hans"):
        detail = selectors.result_detail(result)
        context = {
            "r": result,
            "d": detail,
            "subject": detail["subject"],
            "kind_label": result.get_subject_kind_display(),
            "status_label": result.get_status_display(),
            "grade": GRADE_LABELS[scoring.grade_of(result.total)],
            "month_scores": [s for s in detail["scores"] if s["part"] == "month"],
            "year_scores": [s for s in detail["scores"] if s["part"] == "year_end"],
            "steps": [
                (_("Computed"), _local(result.computed_at), ""),
                (_("Reviewed"), _local(result.reviewed_at), detail["reviewed_by"] or ""),
                (_("Confirmed"), _local(result.confirmed_at), detail["confirmed_by"] or ""),
                (_("Filed with the 督考办"), _local(result.filed_at), detail["filed_by"] or ""),
                (
                    _("Acknowledged by the 督考办"),
                    _local(result.acknowledged_at),
                    detail["acknowledged_by"] or "",
                ),
                (_("Returned to the unit"), _local(result.returned_at), detail["returned_by"] or ""),
                (_("Recorded in the personal file"), _local(result.recorded_at), detail["recorded_by"] or ""),
            ],
            "generated_on": _local(clock.now()),
        }
        return render_pdf("assessment/pdf/sheet.html", context)


def sheet_response(result) -> HttpResponse:
    response = HttpResponse(sheet_pdf(result), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="assessment-{result.period}-{result.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def ranking_xlsx(user, *, period: str, subject_kind: str) -> bytes:
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Font

    from onewindow.assessment.models import SubjectKind

    with translation.override("zh-hans"):
        rows = selectors.ranking(user, period=period, subject_kind=subject_kind)
        book = Workbook()
        sheet = book.active
        sheet.title = f"{period} {SubjectKind(subject_kind).label}"[:31]
        header = [
            _("Rank"),
            _("Assessed"),
            _("Unit"),
            _("Score"),
            _("Assessment grade"),
            _("Status"),
            _("Scheme version"),
        ]
        indicators = []
        if rows:
            indicators = [s for s in selectors.scores_of(rows[0])]
            header += [s.indicator.name for s in indicators]
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        rank = 0
        previous = None
        for n, result in enumerate(rows, start=1):
            if result.total != previous:
                rank, previous = n, result.total
            points = {s.indicator.code: s.points for s in selectors.scores_of(result)}
            sheet.append(
                [
                    rank,
                    result.subject_name,
                    result.unit.name,
                    float(result.total),
                    str(GRADE_LABELS[scoring.grade_of(result.total)]),
                    str(result.get_status_display()),
                    result.scheme.version,
                ]
                + [
                    float(points[s.indicator.code]) if points.get(s.indicator.code) is not None else None
                    for s in indicators
                ]
            )
        out = BytesIO()
        book.save(out)
        return out.getvalue()


def ranking_response(user, *, period: str, subject_kind: str) -> HttpResponse:
    response = HttpResponse(ranking_xlsx(user, period=period, subject_kind=subject_kind), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-ranking-{period}-{subject_kind}.xlsx"'
    )
    return response
