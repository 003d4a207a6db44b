"""The statistics as an .xlsx workbook: the page's tables, the same numbers (read once by
selectors.page_tables), one sheet each, a totals row under each table."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from openpyxl import Workbook
from openpyxl.styles import Font

from onewindow.stats import selectors


def columns() -> list[tuple[str, str]]:
    """(figure, heading) of a table's number columns, as the page shows them."""
    return [
        ("accepted", _("Accepted")),
        ("completed", _("Completed")),
        ("issued", _("Issued")),
        ("on_time", _("Completed on time")),
        ("overdue", _("Completed late")),
        ("on_time_rate", _("On-time rate")),
        ("avg_working_days", _("Average working days")),
        ("supplements", _("Supplements requested")),
        ("rejections", _("Not accepted")),
        ("withdrawals", _("Withdrawn")),
        ("deferral_expired", _("Ended for missing deferred materials (退件)")),
        ("suspensions", _("Completed after a special procedure")),
        ("extensions", _("Completed with an extension")),
        ("open_overdue", _("Open and overdue now")),
    ]


GROUP_HEADINGS = {
    "department": gettext_noop("Department"),
    "subitem": gettext_noop("Sub-item"),
    "window": gettext_noop("Window"),
    "staff": gettext_noop("Staff member"),
    "month": gettext_noop("Month"),
}


def _sheet(book: Workbook, title: str, by: str, rows: list[dict], first: bool) -> None:
    sheet = book.active if first else book.create_sheet()
    sheet.title = title[:31]
    cols = columns()
    sheet.append([_("Code"), _(GROUP_HEADINGS[by]), *[heading for _figure, heading in cols]])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row["key"] or "", row["name"], *[row[figure] for figure, _heading in cols]])
    total = selectors.totals(rows)
    sheet.append(["", _("Total"), *[total[figure] for figure, _heading in cols]])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 28


def workbook(tables: selectors.Tables) -> bytes:
    book = Workbook()
    by_label = {
        "department": _("By department"),
        "subitem": _("By sub-item"),
        "window": _("By window"),
        "staff": _("By staff member"),
        "month": _("By month"),
    }
    _sheet(book, by_label[tables.by], tables.by, tables.rows, True)
    if tables.by != "month":
        _sheet(book, by_label["month"], "month", tables.by_month, False)
    if tables.by != "department":
        _sheet(book, by_label["department"], "department", tables.by_department, False)
    info = book.create_sheet(_("About"))
    info.append([_("From"), tables.date_from.isoformat()])
    info.append([_("To"), tables.date_to.isoformat()])
    if tables.department:
        info.append([_("Department"), tables.department])
    if tables.subitem:
        info.append([_("Sub-item"), tables.subitem])
    info.append([_("Definitions"), _("docs/rules.md, rule 15")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
