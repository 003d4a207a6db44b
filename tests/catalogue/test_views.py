import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.catalogue import jobs, spreadsheet
from onewindow.catalogue.models import ImportJob, PowerItem, ServiceGuide
from tests.conftest import sign_in


def login(username):
    client = Client()
    sign_in(client, username)
    return client


def test_public_guide_needs_no_login_and_reads_in_chinese(sample_catalogue):
    response = Client().get("/guide/XK00103001/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "企业投资项目核准申请表" in html and "项目申请报告" in html
    assert "办事指南" in html and "工作日" in html
    assert "鞍山高新区数据局" in html  # who implements it today
    assert Client().get("/guide/NOPE/").status_code == 404


def test_public_guide_index_searches_by_pinyin(sample_catalogue):
    html = Client().get("/guide/", {"q": "qytzxm"}).content.decode()
    assert "/guide/XK00103001/" in html


def test_catalogue_list_filters_and_needs_login(sample_catalogue):
    assert Client().get("/catalogue/").status_code == 302
    client = login("clerk1")
    html = client.get("/catalogue/", {"type": "confirmation"}).content.decode()
    assert "共 17 个业务子项" in html
    html = client.get("/catalogue/", {"q": "qytz"}).content.decode()
    assert "/catalogue/XK00103001/" in html


def test_administrators_see_no_catalogue(sample_catalogue):
    assert login("sysadmin1").get("/catalogue/").status_code == 403


def test_subitem_page_shows_versions_and_assignment_history(sample_catalogue):
    html = login("clerk1").get("/catalogue/XK00103001/").content.decode()
    assert 'id="guide-versions"' in html and "v1" in html
    assert 'id="assignments"' in html and "2020-06-01 00:00" in html
    assert "draft-new-version" not in html  # a clerk drafts nothing


def test_supervisor_drafts_edits_and_publishes_from_the_page(sample_catalogue):
    client = login("supervisor1")
    response = client.post("/catalogue/XK00103001/draft/")
    assert response.status_code == 302 and response["Location"] == "/catalogue/XK00103001/guide/2/"
    page = client.get("/catalogue/XK00103001/guide/2/").content.decode()
    assert "M06" in page
    post = {
        "statutory_days": "20",
        "promised_days": "8",
        "fee": "不收费",
        "conditions": "条件",
        "steps": "步骤",
        "change_note": "压缩承诺时限",
        "material_rows": "1",
        "m1-code": "M01",
        "m1-name": "申请表",
        "m1-required": "on",
        "m1-form": "original",
        "m1-copies": "1",
        "publish": "1",
    }
    response = client.post("/catalogue/XK00103001/guide/2/", post)
    assert response.status_code == 302
    guide = ServiceGuide.objects.get(subitem__code="XK00103001", version=2)
    assert guide.status == "published" and guide.promised_days == 8
    assert list(guide.materials.values_list("code", flat=True)) == ["M01"]
    changes = client.get("/catalogue/changes/").content.decode()
    assert "10 → 8" in changes
    # The published version cannot be edited from the page either.
    response = client.post("/catalogue/XK00103001/guide/2/", {**post, "promised_days": "1"})
    assert ServiceGuide.objects.get(pk=guide.pk).promised_days == 8


def test_draft_with_promised_over_statutory_shows_the_error(sample_catalogue):
    client = login("supervisor1")
    client.post("/catalogue/XK00103001/draft/")
    response = client.post(
        "/catalogue/XK00103001/guide/2/",
        {"statutory_days": "20", "promised_days": "30", "material_rows": "0"},
    )
    assert response.status_code == 200
    assert "承诺时限不能超过法定时限" in response.content.decode()


@pytest.fixture
def inline_jobs(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(jobs, "runner", jobs.run_import_job)
    return django_capture_on_commit_callbacks


def test_upload_with_a_bad_row_lists_the_errors_in_chinese_and_changes_nothing(sample_catalogue, inline_jobs):
    rows = spreadsheet.export_rows()
    header = rows[0]
    rows[1][header.index("事项名称")] = "不应生效的新名称"
    rows[3][header.index("办件类型")] = "马上办"
    buffer = io.StringIO()
    import csv

    csv.writer(buffer).writerows(rows)
    upload = SimpleUploadedFile(
        "catalogue.csv", buffer.getvalue().encode("utf-8-sig"), content_type="text/csv"
    )
    client = login("supervisor1")
    with inline_jobs(execute=True):
        response = client.post("/catalogue/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == "failed"
    found = {(e["row"], e["column"]) for e in job.errors}
    assert (4, "办件类型") in found
    assert (3, "事项名称") in found  # the item's name now disagrees between its rows
    html = client.get(response["Location"]).content.decode()
    assert "未导入" in html and "办件类型" in html and "马上办" in html
    assert not PowerItem.objects.filter(name="不应生效的新名称").exists()


def test_upload_of_a_good_file_reports_progress_to_done(sample_catalogue, inline_jobs):
    path_rows = spreadsheet.export_rows()
    buffer = io.BytesIO()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.xlsx"
        spreadsheet.write(path, path_rows)
        buffer.write(path.read_bytes())
    upload = SimpleUploadedFile("c.xlsx", buffer.getvalue())
    client = login("supervisor1")
    with inline_jobs(execute=True):
        response = client.post("/catalogue/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert job.status == "done" and job.progress == 100 and job.report["rows"] == 832
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'data-status="done"' in partial and "hx-get" not in partial


def test_only_the_supervisor_uploads_and_exports(sample_catalogue):
    assert login("clerk1").get("/catalogue/import/").status_code == 403
    response = login("supervisor1").get("/catalogue/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_a_running_job_page_keeps_polling(sample_catalogue):
    from django.contrib.auth import get_user_model

    from onewindow.core import clock

    job = ImportJob.objects.create(
        created_by=get_user_model().objects.get(username="supervisor1"),
        created_at=clock.now(),
        filename="big.xlsx",
        stored_path="/nonexistent",
        status="running",
        phase="validate",
        progress=42,
    )
    html = login("supervisor1").get(f"/catalogue/import/{job.pk}/").content.decode()
    assert 'hx-get="/catalogue/import/' in html and "width: 42%" in html


def test_a_job_unfinished_after_half_an_hour_is_shown_as_interrupted(sample_catalogue, frozen_clock):
    import datetime as dt

    from django.contrib.auth import get_user_model

    from onewindow.core import clock

    started = clock.now()
    job = ImportJob.objects.create(
        created_by=get_user_model().objects.get(username="supervisor1"),
        created_at=started,
        filename="big.xlsx",
        stored_path="/nonexistent",
        status="running",
    )
    frozen_clock(started + dt.timedelta(minutes=31))
    html = login("supervisor1").get(f"/catalogue/import/{job.pk}/").content.decode()
    assert 'data-status="failed"' in html and "中断" in html


def _draft_post(**result):
    return {
        "statutory_days": "20",
        "promised_days": "10",
        "material_rows": "1",
        "m1-code": "M01",
        "m1-name": "申请表",
        "m1-required": "on",
        "m1-form": "original",
        "m1-copies": "1",
        **result,
    }


def test_the_draft_edits_the_result_and_its_particulars_and_publishing_carries_them(sample_catalogue):
    client = login("supervisor1")
    client.post("/catalogue/XK00103001/draft/")
    page = client.get("/catalogue/XK00103001/guide/2/").content.decode()
    assert 'name="result_kind"' in page and "project_name|项目名称|必填|文本" in page
    response = client.post(
        "/catalogue/XK00103001/guide/2/",
        _draft_post(
            result_kind="licence",
            result_fields="project_name|项目名称|必填|文本\ncapacity|年产能|选填\nvalid_until|有效期至|选填|日期",
            publish="1",
        ),
    )
    assert response.status_code == 302
    guide = ServiceGuide.objects.get(subitem__code="XK00103001", version=2)
    assert guide.status == "published" and guide.result_kind == "licence"
    assert guide.result_fields == [
        {"code": "project_name", "label": "项目名称", "required": True, "type": "text"},
        {"code": "capacity", "label": "年产能", "required": False, "type": "text"},
        {"code": "valid_until", "label": "有效期至", "required": False, "type": "date"},
    ]
    # The next draft starts from the published particulars.
    client.post("/catalogue/XK00103001/draft/")
    assert (
        ServiceGuide.objects.get(subitem__code="XK00103001", version=3).result_fields == guide.result_fields
    )


@pytest.mark.parametrize(
    "lines, message",
    [
        ("project_name|项目名称\nproject_name|名称", "代码 project_name 重复"),
        ("Project-Name|项目名称", "代码为1至30个小写字母a-z或下划线"),
        ("scope|" + "长" * 41, "名称最多40个字"),
        ("\n".join(f"f{'_' * n}x|项{n}" for n in range(13)), "最多12项"),
        ("scope|范围|也许", "第三列填写“必填”或“选填”"),
    ],
)
def test_a_bad_particulars_line_shows_the_error_beside_the_field_and_saves_nothing(
    sample_catalogue, lines, message
):
    client = login("supervisor1")
    client.post("/catalogue/XK00103001/draft/")
    before = ServiceGuide.objects.get(subitem__code="XK00103001", version=2)
    response = client.post(
        "/catalogue/XK00103001/guide/2/",
        _draft_post(result_kind="licence", result_fields=lines, change_note="不应保存", publish="1"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    errors = html.split('id="result-fields-errors"', 1)[1].split("</ul>", 1)[0]
    assert message in errors
    after = ServiceGuide.objects.get(pk=before.pk)
    assert after.status == "draft" and after.change_note == before.change_note
    assert (after.result_kind, after.result_fields) == (before.result_kind, before.result_fields)
    assert after.materials.count() == before.materials.count()
