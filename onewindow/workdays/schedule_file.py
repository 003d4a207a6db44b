"""The official schedule as a file: CSV or .xlsx with columns `date, kind[, name]` (or 日期, 类型[, 名称]),
read whole or refused."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput
from onewindow.workdays.models import OFF, WORK
from onewindow.workdays.sources import ScheduleDay

SCHEDULE_COLUMNS = ("date", "kind", "name")
# The clerk's words for the columns and the kinds, accepted beside the English ones.
COLUMN_ALIASES = {"日期": "date", "类型": "kind", "名称": "name", "节日": "name", "说明": "name"}
KIND_ALIASES = {"休": OFF, "休息": OFF, "休息日": OFF, "放假": OFF, "班": WORK, "上班": WORK, "工作日": WORK}


def _column(cell) -> str:
    name = str(cell or "").strip()
    return COLUMN_ALIASES.get(name, name.lower())


def _kind(cell) -> str:
    value = str(cell or "").strip()
    return KIND_ALIASES.get(value, value.lower())


def parse_schedule(content: bytes, filename: str) -> tuple[int, list[ScheduleDay], int]:
    """Read a schedule file (CSV or .xlsx; columns `date, kind[, name]` or `日期, 类型[, 名称]`, kind `off`
    or `work`, or 休/休息日 and 班/工作日).

    Returns (year, exceptions, ignored) where `ignored` counts rows that only restate the ordinary
    week (a weekend off, a weekday worked). Every problem of the file is collected, by row, into one
    InvalidInput: a file is loaded whole or not at all.
    """
    try:
        rows = _read_rows(content, filename)
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged spreadsheet raises anything from zipfile to openpyxl
        raise InvalidInput(
            _("The file cannot be read: %(error)s") % {"error": exc},
            code="calendar.unreadable",
            errors={"file": [_("The file cannot be read: %(error)s") % {"error": exc}]},
        ) from exc
    errors: dict[str, list[str]] = {}
    if not rows:
        errors["file"] = [_("The file is empty.")]
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    header = [_column(c) for c in rows[0]]
    missing = [c for c in ("date", "kind") if c not in header]
    if missing:
        errors["file"] = [
            _(
                "Missing column(s): %(columns)s. Expected: date, kind (off or work), name (optional) — "
                "or 日期, 类型 (休 or 班), 名称."
            )
            % {"columns": ", ".join(missing)}
        ]
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    col = {name: header.index(name) for name in SCHEDULE_COLUMNS if name in header}
    seen: dict[dt.date, int] = {}
    parsed: list[ScheduleDay] = []
    ignored = 0
    for number, row in enumerate(rows[1:], start=2):
        cells = list(row) + [None] * (len(header) - len(row))
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        problems = []
        day = _parse_date(cells[col["date"]])
        if day is None:
            problems.append(_("date %(value)r is not a date (YYYY-MM-DD)") % {"value": cells[col["date"]]})
        kind = _kind(cells[col["kind"]])
        if kind not in (OFF, WORK):
            problems.append(
                _("kind %(value)r must be off or work (休 or 班)") % {"value": cells[col["kind"]]}
            )
        name = str(cells[col["name"]] or "").strip() if "name" in col else ""
        if len(name) > 60:
            problems.append(_("name is longer than 60 characters"))
        if day is not None and day in seen:
            problems.append(
                _("date %(date)s already appears in row %(row)s") % {"date": day, "row": seen[day]}
            )
        if problems:
            errors[f"row {number}"] = problems  # a stable key, like a field name; the messages are translated
            continue
        seen[day] = number
        if (kind == OFF) == (day.weekday() >= 5):
            ignored += 1  # a weekend off or a weekday worked: the ordinary week already says so
            continue
        parsed.append(ScheduleDay(day, kind, name))
    years = sorted({day.year for day in seen})
    if not errors and not seen:
        errors["file"] = [_("The file has no rows.")]
    if len(years) > 1:
        errors.setdefault("file", []).append(
            _("The file holds dates of several years (%(years)s); load one year per file.")
            % {"years": ", ".join(str(y) for y in years)}
        )
    if errors:
        raise InvalidInput(_("The schedule was not loaded."), code="calendar.invalid", errors=errors)
    return years[0], sorted(parsed), ignored


def _read_rows(content: bytes, filename: str) -> list[list]:
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    if suffix == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            text = content.decode("utf-8", errors="replace")
        return [row for row in csv.reader(io.StringIO(text))]
    raise InvalidInput(
        _("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"},
        code="calendar.unsupported_file",
        errors={
            "file": [_("Unsupported file type %(suffix)s: use .csv or .xlsx.") % {"suffix": suffix or "?"}]
        },
    )


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None
