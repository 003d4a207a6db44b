import csv
import io
import subprocess
import sys

import pytest
from django.core.management import call_command

from onewindow.catalogue import services, spreadsheet
from onewindow.catalogue.models import Assignment, GuideMaterial, PowerItem, ServiceGuide, SubItem
from onewindow.core.errors import PermissionDenied
from onewindow.core.models import AuditEntry
from tests.catalogue.conftest import user
from tests.conftest import database_env_for_subprocess


def snapshot() -> list:
    """What a reader of the catalogue sees: items, sub-items, current guides with their materials."""
    from onewindow.catalogue import selectors

    rows = []
    for sub in selectors.export_subitems():
        guide = sub.current_guides[0]
        rows.append(
            (
                sub.item.code,
                sub.item.name,
                sub.item.power_type,
                sub.item.power_source,
                sub.item.legal_basis,
                sub.code,
                sub.name,
                sub.kind,
                sub.statutory_days,
                sub.promised_days,
                sub.extension_cap_days,
                sub.fee,
                tuple(sub.special_procedures),
                sub.result_name,
                sub.target_department.code,
                sub.implementer_code,
                guide.conditions,
                guide.steps,
                tuple(
                    (m.code, m.name, m.required, m.form, m.copies, m.deferrable)
                    for m in guide.materials.all()
                ),
            )
        )
    return rows


def empty_catalogue():
    GuideMaterial.objects.all().delete()
    ServiceGuide.objects.all().delete()
    Assignment.objects.all().delete()
    SubItem.objects.all().delete()
    PowerItem.objects.all().delete()


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_round_trip_into_an_empty_database_gives_the_same_catalogue(sample_catalogue, tmp_path, suffix):
    before = snapshot()
    path = tmp_path / f"catalogue{suffix}"
    spreadsheet.write(path, spreadsheet.export_rows())
    empty_catalogue()
    report = services.import_catalogue(actor=None, path=path)
    assert report["created_items"] == 126 and report["created_subitems"] == 181
    assert snapshot() == before


def test_importing_the_same_file_again_changes_nothing(sample_catalogue, tmp_path):
    path = tmp_path / "catalogue.xlsx"
    spreadsheet.write(path, spreadsheet.export_rows())
    report = services.import_catalogue(actor=None, path=path)
    assert report["updated_items"] == report["updated_subitems"] == report["new_guide_versions"] == 0
    assert ServiceGuide.objects.count() == 181


def test_a_changed_limit_publishes_a_new_guide_version(sample_catalogue, tmp_path):
    rows = spreadsheet.export_rows()
    header = rows[0]
    code, promised = header.index("子项编码"), header.index("承诺时限（工作日）")
    material = header.index("材料编码")
    for row in rows[1:]:
        if row[code] == "XK00103001":
            row[promised] = 6
    rows = [r for r in rows if not (r[code] == "XK00103001" and r[material] == "M06")]
    path = tmp_path / "changed.csv"
    write_csv(path, rows)
    report = services.import_catalogue(actor=None, path=path)
    assert report["new_guide_versions"] == 1 and report["updated_subitems"] == 1
    sub = SubItem.objects.get(code="XK00103001")
    assert sub.promised_days == 6
    v2 = ServiceGuide.objects.get(subitem=sub, version=2)
    assert v2.status == "published" and not v2.materials.filter(code="M06").exists()
    assert ServiceGuide.objects.get(subitem=sub, version=1).promised_days == 10


def test_a_bad_row_changes_nothing_and_names_row_and_column(sample_catalogue, tmp_path):
    rows = spreadsheet.export_rows()
    header = rows[0]
    rows[1][header.index("事项名称")] = "改过的名称"  # a valid change on row 2 …
    rows[5][header.index("承诺时限（工作日）")] = "十天"  # … and a bad value on row 6
    rows[7][header.index("划转部门编码")] = "no-such-dept"  # … and an unknown department on row 8
    path = tmp_path / "bad.xlsx"
    spreadsheet.write(path, rows)
    audit_before = AuditEntry.objects.count()
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_catalogue(actor=None, path=path)
    found = {(e["row"], e["column"]) for e in rejected.value.rows}
    assert (6, "承诺时限（工作日）") in found
    assert (8, "划转部门编码") in found
    assert PowerItem.objects.filter(name="改过的名称").count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_row_errors_cover_unknown_values_and_missing_columns(sample_org, tmp_path):
    header = [c.header for c in spreadsheet.COLUMNS]
    row = dict.fromkeys(header, "")
    row.update(
        {
            "事项编码": "XK99001",
            "事项名称": "测试事项",
            "事项类型": "行政魔法",
            "权力来源": "部门划转",
            "子项编码": "XK99001001",
            "子项名称": "测试子项",
            "办件类型": "即办件",
            "法定时限（工作日）": "5",
            "承诺时限（工作日）": "3",
            "划转部门编码": "health",
            "材料编码": "M01",
            "材料名称": "申请表",
            "是否必要": "也许",
        }
    )
    path = tmp_path / "new.csv"
    write_csv(path, [header, [row[h] for h in header]])
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_catalogue(actor=None, path=path)
    columns = {e["column"] for e in rejected.value.rows}
    assert {"事项类型", "是否必要", "承诺时限（工作日）"} <= columns  # 即办件 with 3 promised days
    write_csv(path, [header[:3], ["XK1", "x", "行政许可"]])
    with pytest.raises(services.ImportRejected) as missing:
        services.import_catalogue(actor=None, path=path)
    assert {"row": 1, "column": "子项编码", "message": missing.value.rows[0]["message"]} in missing.value.rows


def test_import_of_a_new_subitem_assigns_it_and_records_audit(sample_catalogue, tmp_path):
    header = [c.header for c in spreadsheet.COLUMNS]
    values = {
        "事项编码": "QT09999",
        "事项名称": "新增示例事项",
        "事项类型": "其他行政权力",
        "权力来源": "立山区政府委托",
        "子项编码": "QT09999001",
        "子项名称": "新增示例子项",
        "办件类型": "承诺件",
        "法定时限（工作日）": "20",
        "承诺时限（工作日）": "5",
        "划转部门编码": "health",
        "特别程序": "现场核查、专家评审",
    }
    rows = [header]
    for code, name in (("M01", "申请表"), ("M02", "身份证明")):
        rows.append([{**values, "材料编码": code, "材料名称": name}.get(h, "") for h in header])
    path = tmp_path / "one.csv"
    write_csv(path, rows)
    services.import_catalogue(actor=user("supervisor1"), path=path)
    sub = SubItem.objects.get(code="QT09999001")
    assert sub.special_procedures == ["field_inspection", "expert_review"]
    assert sub.assignments.get().organisation.code == "data-bureau"
    assert [m.code for m in ServiceGuide.objects.get(subitem=sub).materials.all()] == ["M01", "M02"]
    assert AuditEntry.objects.filter(action="catalogue.import", actor="supervisor1").exists()


def test_only_the_supervisor_imports(sample_catalogue, tmp_path):
    path = tmp_path / "c.csv"
    spreadsheet.write(path, spreadsheet.export_rows())
    with pytest.raises(PermissionDenied):
        services.import_catalogue(actor=user("clerk1"), path=path)


def test_cli_export_then_import(sample_catalogue, tmp_path):
    out = io.StringIO()
    path = tmp_path / "out.xlsx"
    call_command("catalogue", "export", str(path), stdout=out)
    assert "exported 832 rows" in out.getvalue()
    call_command("catalogue", "import", str(path), stdout=out)
    assert "new_guide_versions: 0" in out.getvalue()


def test_cli_import_of_a_bad_file_exits_1_with_row_errors(sample_catalogue, tmp_path):
    header = [c.header for c in spreadsheet.COLUMNS]
    bad = tmp_path / "bad.csv"
    write_csv(bad, [header, ["XK1"] + [""] * (len(header) - 1)])
    result = subprocess.run(
        [sys.executable, "-m", "onewindow", "catalogue", "import", str(bad)],
        env=database_env_for_subprocess(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "row 2 [子项编码]" in result.stderr


def test_renaming_an_item_by_import_renames_and_reindexes_its_subitems(sample_catalogue, tmp_path):
    from onewindow.catalogue import selectors

    rows = spreadsheet.export_rows()
    header = rows[0]
    for row in rows[1:]:
        if row[header.index("事项编码")] == "XK00103":
            row[header.index("事项名称")] = "重大项目核准"
    path = tmp_path / "renamed.csv"
    write_csv(path, rows)
    report = services.import_catalogue(actor=None, path=path)
    assert report["updated_items"] == 1 and report["new_guide_versions"] == 0
    assert PowerItem.objects.get(code="XK00103").name == "重大项目核准"
    assert "XK00103001" in {s.code for s in selectors.subitems(q="zdxmhz")}
