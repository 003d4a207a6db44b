"""The register (台账) of a filtered case list: a printable PDF (A4 landscape) and an Excel workbook.

Every role's list (the department's queue, the hall's cases, the supervisor's list) prints the same
register of exactly the cases its filters select, in its own scope; the views only pass the rows in.
"""

from __future__ import annotations

import io

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from onewindow.core import clock
from onewindow.core.pdf import render_pdf

# A register is a working list, not a bulk export: beyond this many rows it says it was cut.
LIMIT = 5000


def _local(moment):
    return clock.local_date(moment) if moment else None


def limit_text(row, level_labels) -> str:
    """The time-limit column: the working days left of an open case, the outcome of a finished one."""
    c = row.clock
    if row.case.accepted_at is None:
        return "—"
    if not row.case.is_open:  # a finished case shows its outcome, not days left
        return _("finished late") if c.level == "overdue" else _("finished on time")
    left = (
        _("%(days)s working days left") % {"days": c.remaining_days}
        if c.remaining_days >= 0
        else _("%(days)s working days over") % {"days": -c.remaining_days}
    )
    return f"{level_labels.get(c.level, c.level)} · {left}"


def pdf(
    rows,
    *,
    title: str,
    filters_text: str,
    organisation: str,
    generated_by: str,
    status_labels,
    level_labels,
    truncated: bool = False,
) -> bytes:
    """The register as a PDF, in Chinese whatever the caller's language."""
    with translation.override("zh-hans"):
        for row in rows:
            row.status_label = str(status_labels[row.case.status])
            row.limit_text = limit_text(row, level_labels)
            row.accepted_on = _local(row.case.accepted_at)
            row.decided_on = _local(row.case.decided_at)
            row.issued_on = _local(row.case.issued_at)
        now = clock.now()
        return render_pdf(
            "cases/pdf/register.html",
            {
                "title": title,
                "filters_text": filters_text,
                "organisation": organisation,
                "generated_by": generated_by,
                "generated_on": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                "rows": rows,
                "count": len(rows),
                "truncated": truncated,
                "limit": LIMIT,
            },
        )


def xlsx(rows, *, status_labels, level_labels, sheet_title: str) -> bytes:
    """The register as an Excel workbook: one row per case with its clock."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title[:31]
    header = [
        _("Case number"),
        _("Sub-item code"),
        _("Sub-item"),
        _("Status"),
        _("Authority"),
        _("Department"),
        _("Received at"),
        _("Accepted on"),
        _("Due date"),
        _("Allowed days"),
        _("Used days"),
        _("Suspended days"),
        _("Extended days"),
        _("Remaining days"),
        _("Level"),
        _("Decided on"),
        _("Issued on"),
    ]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        case = row.case
        sheet.append(
            [
                case.number,
                case.subitem.code,
                case.subitem.name,
                str(status_labels[case.status]),
                case.authority.name if case.authority_id else "",
                row.department.name if row.department else "",
                timezone.localtime(case.received_at).replace(tzinfo=None),
                _local(case.accepted_at),
                row.clock.due_date,
                row.clock.allowed_days,
                row.clock.used_days,
                row.clock.suspended_days,
                row.clock.extended_days,
                row.clock.remaining_days if case.accepted_at else None,
                str(level_labels[row.clock.level]),
                _local(case.decided_at),
                _local(case.issued_at),
            ]
        )
    widths = [22, 14, 36, 14, 24, 24, 18, 12, 12, 8, 8, 8, 8, 8, 12, 12, 12]
    for column, width in zip("ABCDEFGHIJKLMNOPQ", widths, strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
