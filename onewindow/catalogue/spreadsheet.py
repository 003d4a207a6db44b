"""The one catalogue file template (docs/catalogue-template.md): read and check .xlsx/.csv rows, write exports.

One row per material; the item and sub-item columns repeat on each row of the same sub-item. Reading
never touches the database except to learn which department codes exist; every problem becomes a
RowError (row, column, message) so that the caller can refuse the whole file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override, pgettext

from onewindow.catalogue import selectors
from onewindow.catalogue.models import MaterialForm, PowerSource, SpecialProcedure, SubItemKind
from onewindow.catalogue.selectors import POWER_TYPE_BY_NAME, POWER_TYPE_NAMES

SHEET = "目录"
NOTES_SHEET = "填写说明"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: object  # a lazy translation


COLUMNS = [
    Column("item_code", "事项编码", True, gettext_lazy("Basic code of the power item, e.g. XK00103")),
    Column("item_name", "事项名称", True, gettext_lazy("Name of the power item")),
    Column("power_type", "事项类型", True, gettext_lazy("One of the 10 national types, e.g. 行政许可")),
    Column("power_source", "权力来源", True, gettext_lazy("部门划转 / 市行政审批局委托 / 立山区政府委托")),
    Column("legal_basis", "设定依据", False, gettext_lazy("Legal basis")),
    Column("subitem_code", "子项编码", True, gettext_lazy("Code of the sub-item (业务办理项), unique")),
    Column("subitem_name", "子项名称", True, gettext_lazy("Name of the sub-item")),
    Column("kind", "办件类型", True, gettext_lazy("即办件 / 承诺件")),
    Column("statutory_days", "法定时限（工作日）", True, gettext_lazy("Whole number of working days")),
    Column(
        "promised_days",
        "承诺时限（工作日）",
        True,
        gettext_lazy("Whole number, at most the statutory limit; 0 for 即办件"),
    ),
    Column("extension_cap_days", "延期上限（工作日）", False, gettext_lazy("Whole number; empty means 10")),
    Column("fee", "收费标准", False, gettext_lazy("Empty means 不收费")),
    Column(
        "special_procedures",
        "特别程序",
        False,
        gettext_lazy("专家评审、现场核查、听证、检验检测、其他 (separated by 、)"),
    ),
    Column("result_name", "办理结果", False, gettext_lazy("Name of the result (licence, approval …)")),
    Column("conditions", "受理条件", False, gettext_lazy("Conditions of acceptance")),
    Column("steps", "办理流程", False, gettext_lazy("Steps")),
    Column(
        "target_department",
        "划转部门编码",
        True,
        gettext_lazy("Code of the receiving department the work plan sends it to"),
    ),
    Column(
        "target_department_name", "划转部门名称", False, gettext_lazy("For reading only; the code decides")
    ),
    Column(
        "implementer",
        "实施主体编码",
        False,
        gettext_lazy("New sub-items only: who implements it from the import on; empty means the Data Bureau"),
    ),
    Column(
        "material_code",
        "材料编码",
        False,
        gettext_lazy("Empty on the one row of a sub-item without materials"),
    ),
    Column("material_name", "材料名称", False, gettext_lazy("Required when a material code is given")),
    Column("material_required", "是否必要", False, gettext_lazy("是 / 否; empty means 是")),
    Column("material_form", "材料形式", False, gettext_lazy("原件 / 复印件 / 电子; empty means 原件")),
    Column("material_copies", "份数", False, gettext_lazy("Whole number from 1 to 99; empty means 1")),
    Column("material_deferrable", "容缺后补", False, gettext_lazy("是 / 否; empty means 否")),
]
COLUMN = {c.key: c for c in COLUMNS}
ITEM_KEYS = ("item_name", "power_type", "power_source", "legal_basis")
SUBITEM_KEYS = (
    "item_code",
    "subitem_name",
    "kind",
    "statutory_days",
    "promised_days",
    "extension_cap_days",
    "fee",
    "special_procedures",
    "result_name",
    "conditions",
    "steps",
    "target_department",
    "implementer",
)

KIND_NAMES = {SubItemKind.INSTANT: "即办件", SubItemKind.PROMISED: "承诺件"}
SOURCE_NAMES = {
    PowerSource.DEPARTMENT: "部门划转",
    PowerSource.CITY_BUREAU: "市行政审批局委托",
    PowerSource.DISTRICT_GOV: "立山区政府委托",
}
FORM_NAMES = {MaterialForm.ORIGINAL: "原件", MaterialForm.COPY: "复印件", MaterialForm.ELECTRONIC: "电子"}
PROCEDURE_NAMES = {
    SpecialProcedure.EXPERT_REVIEW: "专家评审",
    SpecialProcedure.FIELD_INSPECTION: "现场核查",
    SpecialProcedure.HEARING: "听证",
    SpecialProcedure.TESTING: "检验检测",
    SpecialProcedure.OTHER: "其他",
}
YES = {"是", "y", "yes", "true", "1", "必要", "必需"}
NO = {"否", "n", "no", "false", "0", "非必要", "可选"}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": str(self.message)}


@dataclass
class Parsed:
    """The catalogue a file describes: {item code: {fields, "subitems": {code: {fields, "materials": []}}}}."""

    items: dict = field(default_factory=dict)
    rows: int = 0


class _Reverse(dict):
    """Accept the code, or the Chinese name, of a choice."""

    def __init__(self, names: dict, extra: dict | None = None):
        super().__init__({str(code): str(code) for code in names})
        self.update({name: str(code) for code, name in names.items()})
        self.update(extra or {})


KIND_IN = _Reverse(KIND_NAMES, {"即办": SubItemKind.INSTANT, "承诺": SubItemKind.PROMISED})
SOURCE_IN = _Reverse(
    SOURCE_NAMES, {"市审批局委托": PowerSource.CITY_BUREAU, "区政府委托": PowerSource.DISTRICT_GOV}
)
FORM_IN = _Reverse(
    FORM_NAMES,
    {"复印件": MaterialForm.COPY, "电子版": MaterialForm.ELECTRONIC, "电子证照": MaterialForm.ELECTRONIC},
)
PROCEDURE_IN = _Reverse(
    PROCEDURE_NAMES, {"现场勘查": SpecialProcedure.FIELD_INSPECTION, "检测": SpecialProcedure.TESTING}
)
TYPE_IN = _Reverse(POWER_TYPE_NAMES, POWER_TYPE_BY_NAME)


# --- reading ---------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_table(path: Path | str, original_name: str = "") -> list[list[str]]:
    """Every row of the first (or 目录) sheet / the CSV as lists of trimmed strings."""
    path = Path(path)
    suffix = Path(original_name or path.name).suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise TemplateUnreadable(
                _("The file is not a readable .xlsx workbook (%(error)s).") % {"error": exc}
            ) from exc
        sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        rows = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
        return rows
    if suffix == ".csv":
        raw = path.read_bytes()
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise TemplateUnreadable(_("The CSV file is neither UTF-8 nor GB18030 text."))
        return [[_text(v) for v in row] for row in csv.reader(io.StringIO(text))]
    raise TemplateUnreadable(_("Only .xlsx and .csv files can be imported."))


class TemplateUnreadable(Exception):
    """The file cannot be read at all (wrong type, damaged)."""


def _header_map(header: list[str], errors: list[RowError]) -> dict[str, int]:
    by_name = {}
    for c in COLUMNS:
        by_name[c.header] = c.key
        by_name[c.key] = c.key
    positions: dict[str, int] = {}
    for n, title in enumerate(header):
        key = by_name.get(title.strip())
        if key and key not in positions:
            positions[key] = n
    for c in COLUMNS:
        if c.required and c.key not in positions:
            errors.append(RowError(1, c.header, _("This required column is missing.")))
    return positions


def parse(table: list[list[str]], *, departments: set[str], progress=None) -> tuple[Parsed, list[RowError]]:
    """Check every row of `table` (header first) and build the catalogue it describes."""
    errors: list[RowError] = []
    parsed = Parsed()
    if not table or not any(table[0]):
        return parsed, [RowError(1, "", _("The file is empty; the first row must hold the column titles."))]
    positions = _header_map(table[0], errors)
    if errors:
        return parsed, errors
    subitem_rows: dict[str, int] = {}
    material_rows: dict[tuple[str, str], int] = {}
    body = table[1:]
    total = len(body)
    for offset, raw in enumerate(body):
        rownum = offset + 2
        if progress and offset % 200 == 0:
            progress(offset, total)
        values = {key: (raw[pos] if pos < len(raw) else "") for key, pos in positions.items()}
        if not any(values.values()):
            continue
        parsed.rows += 1
        _parse_row(rownum, values, parsed, departments, subitem_rows, material_rows, errors)
    if progress:
        progress(total, total)
    if parsed.rows == 0 and not errors:
        errors.append(RowError(2, "", _("The file has no data rows.")))
    _check_limits(parsed, errors)
    errors.sort(
        key=lambda e: (
            e.row,
            [c.header for c in COLUMNS].index(e.column) if e.column in [c.header for c in COLUMNS] else -1,
        )
    )
    return parsed, errors


def _parse_row(rownum, values, parsed, departments, subitem_rows, material_rows, errors) -> None:
    def error(key, message):
        errors.append(RowError(rownum, COLUMN[key].header, message))

    for c in COLUMNS:
        if c.required and not values.get(c.key):
            error(c.key, _("This column must not be empty."))

    item_fields = {
        "item_name": values.get("item_name", ""),
        "legal_basis": values.get("legal_basis", ""),
        "power_type": TYPE_IN.get(values.get("power_type", "")),
        "power_source": SOURCE_IN.get(values.get("power_source", "")),
    }
    if values.get("power_type") and item_fields["power_type"] is None:
        error(
            "power_type",
            _("Unknown power type %(value)s; use one of: %(names)s.")
            % {"value": values["power_type"], "names": "、".join(POWER_TYPE_NAMES.values())},
        )
    if values.get("power_source") and item_fields["power_source"] is None:
        error(
            "power_source",
            _("Unknown power source %(value)s; use one of: %(names)s.")
            % {"value": values["power_source"], "names": "、".join(SOURCE_NAMES.values())},
        )

    sub_fields = {
        "item_code": values.get("item_code", ""),
        "subitem_name": values.get("subitem_name", ""),
        "kind": KIND_IN.get(values.get("kind", "")),
        "fee": values.get("fee", "") or "不收费",
        "result_name": values.get("result_name", ""),
        "conditions": values.get("conditions", ""),
        "steps": values.get("steps", ""),
        "target_department": values.get("target_department", ""),
        "implementer": values.get("implementer", ""),
    }
    if values.get("kind") and sub_fields["kind"] is None:
        error("kind", _("Unknown kind %(value)s; use 即办件 or 承诺件.") % {"value": values["kind"]})
    for key, default in (("statutory_days", None), ("promised_days", None), ("extension_cap_days", 10)):
        text = values.get(key, "")
        if not text:
            sub_fields[key] = default
            continue
        try:
            number = int(text)
            if number < 0 or number > 3650:
                raise ValueError
            sub_fields[key] = number
        except ValueError:
            error(key, _("%(value)s is not a whole number of working days.") % {"value": text})
            sub_fields[key] = None
    procedures = []
    for part in _split(values.get("special_procedures", "")):
        code = PROCEDURE_IN.get(part)
        if code is None:
            error(
                "special_procedures",
                _("Unknown special procedure %(value)s; use: %(names)s.")
                % {"value": part, "names": "、".join(PROCEDURE_NAMES.values())},
            )
        elif code not in procedures:
            procedures.append(code)
    sub_fields["special_procedures"] = procedures
    for key in ("target_department", "implementer"):
        code = sub_fields[key]
        if code and code not in departments:
            error(key, _("No organisation has the code %(code)s.") % {"code": code})
    for key, limit in (("item_name", 200), ("subitem_name", 200), ("fee", 200), ("result_name", 100)):
        text = item_fields.get(key) if key == "item_name" else sub_fields.get(key)
        if text and len(text) > limit:
            error(key, _("At most %(limit)s characters.") % {"limit": limit})
    for key, limit in (("item_code", 36), ("subitem_code", 40)):
        if len(values.get(key, "")) > limit:
            error(key, _("At most %(limit)s characters.") % {"limit": limit})

    item_code, sub_code = values.get("item_code", ""), values.get("subitem_code", "")
    if not item_code or not sub_code:
        return
    item = parsed.items.setdefault(item_code, {"row": rownum, **item_fields, "subitems": {}})
    for key in ITEM_KEYS:
        if item[key] != item_fields[key] and item_fields[key] is not None:
            error(key, _("Differs from row %(row)s of the same item.") % {"row": item["row"]})
    if sub_code in subitem_rows and sub_code not in item["subitems"]:
        error(
            "subitem_code",
            _("Sub-item %(code)s already appears under another item on row %(row)s.")
            % {"code": sub_code, "row": subitem_rows[sub_code]},
        )
        return
    subitem_rows.setdefault(sub_code, rownum)
    sub = item["subitems"].setdefault(sub_code, {"row": rownum, **sub_fields, "materials": []})
    for key in SUBITEM_KEYS:
        if key == "item_code":
            continue
        if sub[key] != sub_fields[key] and sub_fields[key] is not None:
            error(key, _("Differs from row %(row)s of the same sub-item.") % {"row": sub["row"]})

    material_code = values.get("material_code", "")
    if not material_code:
        if values.get("material_name"):
            error("material_code", _("A material needs a code."))
        return
    if (sub_code, material_code) in material_rows:
        error(
            "material_code",
            _("Material %(code)s already appears on row %(row)s for this sub-item.")
            % {"code": material_code, "row": material_rows[(sub_code, material_code)]},
        )
        return
    material_rows[(sub_code, material_code)] = rownum
    material = {"code": material_code, "name": values.get("material_name", "")}
    if not material["name"]:
        error("material_name", _("A material needs a name."))
    if len(material_code) > 20:
        error("material_code", _("At most %(limit)s characters.") % {"limit": 20})
    if len(material["name"]) > 200:
        error("material_name", _("At most %(limit)s characters.") % {"limit": 200})
    for key, default in (("material_required", True), ("material_deferrable", False)):
        text = values.get(key, "").lower()
        if not text:
            material[key.removeprefix("material_")] = default
        elif text in YES:
            material[key.removeprefix("material_")] = True
        elif text in NO:
            material[key.removeprefix("material_")] = False
        else:
            error(key, _("%(value)s is neither 是 nor 否.") % {"value": values[key]})
    form = values.get("material_form", "") or MaterialForm.ORIGINAL
    material["form"] = FORM_IN.get(form)
    if material["form"] is None:
        error(
            "material_form", _("Unknown material form %(value)s; use 原件, 复印件 or 电子.") % {"value": form}
        )
    copies = values.get("material_copies", "") or "1"
    try:
        material["copies"] = int(copies)
        if not 1 <= material["copies"] <= 99:
            raise ValueError
    except ValueError:
        error("material_copies", _("Copies must be a whole number from 1 to 99."))
    sub["materials"].append(material)


def _check_limits(parsed: Parsed, errors: list[RowError]) -> None:
    """The guide rules on each sub-item once its values are known (reported on its first row)."""
    for item in parsed.items.values():
        for sub in item["subitems"].values():
            statutory, promised = sub["statutory_days"], sub["promised_days"]
            if statutory is None or promised is None or sub["kind"] is None:
                continue
            if sub["kind"] == SubItemKind.INSTANT and promised != 0:
                errors.append(
                    RowError(
                        sub["row"],
                        COLUMN["promised_days"].header,
                        _("An instant item has no promised time limit (0 working days)."),
                    )
                )
            elif statutory and promised > statutory:
                errors.append(
                    RowError(
                        sub["row"],
                        COLUMN["promised_days"].header,
                        _("The promised time limit cannot exceed the statutory one."),
                    )
                )


def _split(text: str) -> list[str]:
    for sep in (",", "，", ";", "；", "/"):
        text = text.replace(sep, "、")
    return [p.strip() for p in text.split("、") if p.strip()]


# --- writing ---------------------------------------------------------------------------------


def export_rows() -> list[list]:
    """The whole catalogue as template rows (header first): each sub-item's current published guide."""
    rows = [[c.header for c in COLUMNS]]
    subitems = selectors.export_subitems()
    for sub in subitems:
        item = sub.item
        guide = sub.current_guides[0] if sub.current_guides else None
        base = {
            "item_code": item.code,
            "item_name": item.name,
            "power_type": POWER_TYPE_NAMES.get(item.power_type, item.power_type),
            "power_source": SOURCE_NAMES.get(item.power_source, item.power_source),
            "legal_basis": item.legal_basis,
            "subitem_code": sub.code,
            "subitem_name": sub.name,
            "kind": KIND_NAMES.get(sub.kind, sub.kind),
            "statutory_days": guide.statutory_days if guide else sub.statutory_days,
            "promised_days": guide.promised_days if guide else sub.promised_days,
            "extension_cap_days": sub.extension_cap_days,
            "fee": guide.fee if guide else sub.fee,
            "special_procedures": "、".join(PROCEDURE_NAMES.get(p, p) for p in sub.special_procedures),
            "result_name": sub.result_name,
            "conditions": guide.conditions if guide else "",
            "steps": guide.steps if guide else "",
            "target_department": sub.target_department.code,
            "target_department_name": sub.target_department.name,
            "implementer": sub.implementer_code or "",
        }
        materials = list(guide.materials.all()) if guide else []
        for m in materials or [None]:
            row = dict(base)
            if m is not None:
                row.update(
                    material_code=m.code,
                    material_name=m.name,
                    material_required="是" if m.required else "否",
                    material_form=FORM_NAMES.get(m.form, m.form),
                    material_copies=m.copies,
                    material_deferrable="是" if m.deferrable else "否",
                )
            rows.append([row.get(c.key, "") for c in COLUMNS])
    return rows


def write(path: Path | str, rows: list[list]) -> None:
    """Write `rows` as .xlsx (a data sheet and a notes sheet) or as UTF-8 CSV with a BOM (Excel opens it)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(rows)
        return
    if suffix != ".xlsx":
        raise TemplateUnreadable(_("Only .xlsx and .csv files can be exported."))
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF1F5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    widths = {
        "item_name": 28,
        "legal_basis": 40,
        "subitem_name": 28,
        "conditions": 40,
        "steps": 30,
        "material_name": 36,
    }
    for n, c in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=n).column_letter].width = widths.get(c.key, 14)
    notes = book.create_sheet(NOTES_SHEET)
    with override("zh-hans"):
        notes.append([str(_("Column")), str(pgettext("catalogue", "Required")), str(_("How to fill it in"))])
        for c in COLUMNS:
            notes.append([c.header, "是" if c.required else "否", str(c.help)])
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["C"].width = 80
    book.save(path)
