"""HTML faces of the statistics: the statistics page (tables, drill-down links, charts), its .xlsx
export, and the lobby screen (大厅大屏, public, aggregates only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.core import clock, throttle
from onewindow.core.errors import DomainError, TooManyRequests
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org.access import role_required
from onewindow.stats import drill, export, selectors

BY_LABELS = {
    "department": gettext_lazy("Department"),
    "subitem": gettext_lazy("Sub-item"),
    "window": gettext_lazy("Window"),
    "staff": gettext_lazy("Staff member"),
    "month": gettext_lazy("Month"),
}


def _params(request) -> dict:
    return {
        "date_from": request.GET.get("from") or None,
        "date_to": request.GET.get("to") or None,
        "by": request.GET.get("by") or "department",
        "department": request.GET.get("department") or None,
        "subitem": request.GET.get("subitem") or None,
    }


def _text(figure: str, value) -> str:
    if value is None:
        return "—"
    if figure == "on_time_rate":
        return f"{value * 100:.1f}%"
    if figure == "avg_working_days":
        return f"{value:.2f}"
    return str(value)


def _linked(tables: selectors.Tables, rows: list[dict], by: str) -> list[dict]:
    """Each figure of each row with the link to the cases it counts."""
    out = []
    for row in rows:
        cells = []
        for figure, _heading in export.columns():
            link = None
            if (
                figure in drill.FIGURE_LABELS
                and row[figure]
                and not (by == "month" and figure == "open_overdue")
            ):
                link = drill.link(
                    figure,
                    date_from=tables.date_from,
                    date_to=tables.date_to,
                    by=by,
                    key=row["key"],
                    department=tables.department,
                    subitem=tables.subitem,
                )
            cells.append({"figure": figure, "text": _text(figure, row[figure]), "link": link})
        out.append({"key": row["key"], "name": row["name"], "cells": cells})
    return out


def _total_cells(tables: selectors.Tables) -> list[dict]:
    total = tables.total
    cells = []
    for figure, _heading in export.columns():
        link = None
        if figure in drill.FIGURE_LABELS and total[figure]:
            link = drill.link(
                figure,
                date_from=tables.date_from,
                date_to=tables.date_to,
                by=None,
                key=None,
                department=tables.department,
                subitem=tables.subitem,
            )
        cells.append({"figure": figure, "text": _text(figure, total[figure]), "link": link})
    return cells


def _chart_data(tables: selectors.Tables) -> dict:
    """What static/stats/charts.js draws (read from a json_script element: no inline script)."""
    return {
        "months": [row["key"] for row in tables.by_month],
        "accepted": [row["accepted"] for row in tables.by_month],
        "completed": [row["completed"] for row in tables.by_month],
        "departments": [row["name"] for row in tables.by_department if row["completed"]],
        "on_time_rate": [
            round(row["on_time_rate"] * 100, 1) for row in tables.by_department if row["completed"]
        ],
        "labels": {
            "accepted": _("Accepted"),
            "completed": _("Completed"),
            "rate": _("On-time rate (%)"),
            "per_month": _("Acceptances and completions per month"),
            "per_department": _("On-time rate per department"),
            "empty": _("No figures in this range."),
        },
    }


@role_required(r.SUPERVISOR, r.DEPARTMENT_HEAD)
def statistics(request):
    params = _params(request)
    context = {
        "params": params,
        "by_choices": BY_LABELS.items(),
        "columns": export.columns(),
        "supervisor": r.has_role(request.user, r.SUPERVISOR),
        "departments": org_selectors.approving_bodies(),
    }
    status = 200
    try:
        tables = selectors.page_tables(request.user, **params)
    except DomainError as exc:
        messages.error(request, exc.message)
        status = exc.status
        tables = None
    if tables is not None:
        context.update(
            {
                "tables": tables,
                "by_label": BY_LABELS[tables.by],
                "rows": _linked(tables, tables.rows, tables.by),
                "total": _total_cells(tables),
                "chart_data": _chart_data(tables),
                "query": request.GET.urlencode(),
            }
        )
    return render(request, "stats/statistics.html", context, status=status)


@role_required(r.SUPERVISOR, r.DEPARTMENT_HEAD)
def statistics_export(request):
    """The page's tables as an .xlsx workbook (the same numbers: the same selector)."""
    try:
        tables = selectors.page_tables(request.user, **_params(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return render(request, "stats/statistics.html", {"params": _params(request)}, status=exc.status)
    response = HttpResponse(
        export.workbook(tables),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    name = f"statistics-{tables.by}-{tables.date_from:%Y%m%d}-{tables.date_to:%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def lobby(request):
    """大厅大屏: full screen, no login, aggregates only; static/stats/lobby.js refreshes it."""
    try:
        throttle.check(request, "lobby")
    except TooManyRequests as exc:
        return render(request, "stats/lobby.html", {"error": exc.message}, status=429)
    region = selectors.lobby_region(request.GET.get("region"))
    figures = selectors.lobby_figures(region) if region is not None else None
    return render(
        request,
        "stats/lobby.html",
        {"figures": figures, "region": region, "today": clock.today()},
        status=200 if figures is not None else 404,
    )
