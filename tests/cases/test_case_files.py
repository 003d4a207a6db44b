"""The electronic case file (电子材料): scans attached at the window, stored once by their SM3 hash, seen
only by those who may see the case, refused by content (not by name) and by size with nothing stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.cases.models import Case, CaseEvent, CaseFile
from onewindow.core.audit import sm3_hex
from onewindow.core.models import AuditEntry
from tests.cases.conftest import PERSON, drive, new_case
from tests.conftest import DEMO_PASSWORD

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
HTML = b"<!doctype html><script>alert(1)</script>"


@pytest.fixture(autouse=True)
def files_dir(settings, tmp_path) -> Path:
    """Every test stores its blobs in a folder of its own."""
    settings.ONEWINDOW_FILES_DIR = tmp_path / "files"
    return settings.ONEWINDOW_FILES_DIR


def blobs(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def signed_in(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def upload(client, number, material, data, name="scan.pdf", content_type="application/pdf", **fields):
    """POST the multipart form of the API as `client` (an ApiClient)."""
    return client.client.post(
        f"/api/v1/cases/{number}/materials/{material}/files",
        {"file": SimpleUploadedFile(name, data, content_type=content_type), **fields},
        headers=client.headers,
    )


@pytest.fixture
def accepted(world, api):
    return new_case(api("clerk1"))


def test_the_clerk_uploads_a_scan_and_the_department_lists_and_opens_it(accepted, api, files_dir):
    clerk = api("clerk1")
    response = upload(clerk, accepted["number"], "M01", PDF, name="申请表.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("name", "content_type", "size", "sm3")} == {
        "name": "申请表.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "sm3": sm3_hex(PDF),
    }
    stored = files_dir / sm3_hex(PDF)[:2] / sm3_hex(PDF)[2:]
    assert stored.read_bytes() == PDF  # content-addressed under ONEWINDOW_FILES_DIR

    approver = api("construction-approver")
    listed = approver.get(f"/cases/{accepted['number']}/files").json()
    assert listed["count"] == 1 and listed["next"] is None and listed["previous"] is None
    assert listed["results"][0]["id"] == body["id"]
    assert listed["results"][0]["material"] == "M01"
    assert {"id", "material", "name", "content_type", "size", "sm3", "uploaded_at"} <= set(
        listed["results"][0]
    )

    download = approver.get(f"/files/{body['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "no-store"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == "inline; filename*=UTF-8''%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"


def test_an_upload_writes_an_audit_entry_but_no_case_event_and_keeps_the_version(accepted, api):
    case = Case.objects.get(number=accepted["number"])
    events = CaseEvent.objects.filter(case=case).count()
    response = upload(
        api("clerk1"), accepted["number"], "M02", PNG, name="执照.png", content_type="image/png"
    )
    assert response.status_code == 201
    entry = AuditEntry.objects.filter(action="cases.attach_file").get()
    assert (
        entry.actor == "clerk1" and entry.detail["sm3"] == sm3_hex(PNG) and entry.detail["material"] == "M02"
    )
    assert CaseEvent.objects.filter(case=case).count() == events
    assert Case.objects.get(pk=case.pk).version == case.version  # the clerk's next action is not stale


@pytest.mark.parametrize(
    ("data", "name", "declared"),
    [
        (EXE, "scan.pdf", "application/pdf"),
        (HTML, "scan.pdf", "application/pdf"),
        (HTML, "photo.png", "image/png"),
    ],
)
def test_a_disguised_file_is_refused_by_its_content_and_nothing_is_stored(
    accepted, api, files_dir, data, name, declared
):
    clerk = api("clerk1")
    audit_entries = AuditEntry.objects.count()
    response = upload(clerk, accepted["number"], "M01", data, name=name, content_type=declared)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "case_file.type"
    assert "PDF、JPEG 或 PNG" in problem["detail"] and "内容" in problem["detail"]
    assert CaseFile.objects.count() == 0
    assert blobs(files_dir) == []
    # No entry of a stored file; the refused upload itself is audited once (org.refusals).
    assert AuditEntry.objects.exclude(action__startswith="refused.").count() == audit_entries
    assert AuditEntry.objects.filter(action="refused.case_file.type", success=False).count() == 1


def test_a_file_over_the_limit_is_413_and_nothing_is_stored(accepted, api, settings, files_dir):
    settings.ONEWINDOW_FILE_MAX_BYTES = 1024
    response = upload(api("clerk1"), accepted["number"], "M01", PDF + b"0" * 2000)
    assert response.status_code == 413
    assert "不得超过" in response.json()["detail"] or "最多" in response.json()["detail"]
    assert CaseFile.objects.count() == 0 and blobs(files_dir) == []


def test_the_case_limit_counts_every_file_of_the_case(accepted, api, settings, files_dir):
    settings.ONEWINDOW_CASE_FILES_MAX_BYTES = len(PDF) + len(PNG) + 10
    clerk = api("clerk1")
    assert upload(clerk, accepted["number"], "M01", PDF).status_code == 201
    assert (
        upload(clerk, accepted["number"], "M02", PNG, name="a.png", content_type="image/png").status_code
        == 201
    )
    response = upload(clerk, accepted["number"], "M03", JPEG, name="c.jpg", content_type="image/jpeg")
    assert response.status_code == 413
    assert response.json()["code"] == "case_file.case_too_large"
    assert CaseFile.objects.count() == 2 and len(blobs(files_dir)) == 2


def test_the_same_bytes_are_stored_once(world, api, files_dir):
    clerk = api("clerk1")
    first, second = new_case(clerk), new_case(clerk)
    a = upload(clerk, first["number"], "M01", PDF)
    b = upload(clerk, second["number"], "M02", PDF, name="other.pdf")
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert len(blobs(files_dir)) == 1  # two case files, one blob
    again = upload(clerk, first["number"], "M01", PDF)  # a double click: the file on record
    assert again.status_code == 200 and again.json()["id"] == a.json()["id"]
    assert CaseFile.objects.count() == 2


def test_a_replacement_is_a_new_version_and_both_are_kept(accepted, api):
    clerk = api("clerk1")
    number = accepted["number"]
    old = upload(clerk, number, "M01", PDF).json()
    new = upload(clerk, number, "M01", PNG, name="rescan.png", content_type="image/png", replaces=old["id"])
    assert new.status_code == 201, new.content
    listed = clerk.get(f"/cases/{number}/files").json()["results"]
    assert [f["id"] for f in listed] == [new.json()["id"], old["id"]]  # the newest first
    assert listed[0]["version"] == 2 and listed[0]["replaces"] == old["id"]
    assert listed[1]["replaced_by"] == new.json()["id"]
    assert clerk.get(f"/files/{old['id']}").status_code == 200  # the old version stays readable
    twice = upload(clerk, number, "M01", JPEG, name="x.jpg", content_type="image/jpeg", replaces=old["id"])
    assert twice.status_code == 409
    assert CaseFile.objects.count() == 2


def test_another_departments_approver_gets_404_for_the_files(accepted, api):
    body = upload(api("clerk1"), accepted["number"], "M01", PDF).json()
    other = api("health-approver")
    assert other.get(f"/files/{body['id']}").status_code == 404
    assert other.get(f"/cases/{accepted['number']}/files").status_code == 404
    assert upload(other, accepted["number"], "M01", PNG, content_type="image/png").status_code == 404
    assert api("supervisor1").get(f"/files/{body['id']}").status_code == 200  # the Data Bureau sees all
    assert api("issuer1").get(f"/files/{body['id']}").status_code == 200
    assert api().get(f"/files/{body['id']}").status_code == 401


def test_only_the_window_clerk_uploads_and_only_while_materials_come_in(world, api):
    accepted = new_case(api("clerk1"))
    refused = upload(api("construction-approver"), accepted["number"], "M01", PDF)
    assert refused.status_code == 403
    assert upload(api("clerk1"), accepted["number"], "M99", PDF).status_code == 400  # not in the guide
    decided = drive("decided")
    late = upload(api("clerk1"), decided.number, "M01", PDF)
    assert late.status_code == 409
    assert CaseFile.objects.count() == 0


@pytest.mark.parametrize("status", ["supplement_requested", "in_review", "suspended"])
def test_the_clerk_uploads_while_the_case_takes_materials(world, api, status):
    case = drive(status)
    assert (
        upload(api("clerk1"), case.number, "M02", JPEG, name="a.jpg", content_type="image/jpeg").status_code
        == 201
    )


def test_a_name_loses_folders_and_direction_characters_and_follows_the_content(accepted, api):
    clerk = api("clerk1")
    tricky = "C:\\scans\\invoice\u202efdp.exe\x07"
    body = upload(clerk, accepted["number"], "M01", PDF, name=tricky).json()
    assert body["name"] == "invoicefdp.exe.pdf"
    png = upload(
        clerk, accepted["number"], "M02", PNG, name="scan.pdf", content_type="application/pdf"
    ).json()
    assert png["content_type"] == "image/png" and png["name"] == "scan.png"
    long = upload(
        clerk, accepted["number"], "M03", JPEG, name="长" * 300 + ".jpg", content_type="image/jpeg"
    ).json()
    assert len(long["name"]) <= 120 and long["name"].endswith(".jpg")


def test_the_openapi_schema_documents_the_file_endpoints_and_their_errors(world, api):
    schema = api("clerk1").get("/schema").json()
    post = schema["paths"]["/api/v1/cases/{number}/materials/{code}/files"]["post"]
    assert {"201", "400", "403", "404", "409", "413", "422"} <= set(post["responses"])
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "get" in schema["paths"]["/api/v1/cases/{number}/files"]
    download = schema["paths"]["/api/v1/files/{file_id}"]["get"]
    assert "application/pdf" in download["responses"]["200"]["content"]
    assert "404" in download["responses"]


# --- pages ------------------------------------------------------------------------------------------


def _desk_form(**extra):
    return {
        "subitem": "XK09901001",
        "idempotency_key": "desk-scan-1",
        "applicant_kind": PERSON["kind"],
        "applicant_name": PERSON["name"],
        "applicant_id_number": PERSON["id_number"],
        "applicant_phone": PERSON["phone"],
        "materials": ["M01", "M02", "M03"],
        **extra,
    }


def test_the_desk_accepts_with_scans_of_the_received_materials(world, files_dir):
    response = signed_in("clerk1").post(
        "/desk/accept/",
        _desk_form(
            **{
                "scan-M01": [SimpleUploadedFile("p1.pdf", PDF), SimpleUploadedFile("p2.png", PNG)],
                "scan-M02": SimpleUploadedFile("licence.jpg", JPEG),
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get()
    assert sorted(case.files.values_list("material", "name")) == [
        ("M01", "p1.pdf"),
        ("M01", "p2.png"),
        ("M02", "licence.jpg"),
    ]
    assert len(blobs(files_dir)) == 3


def test_a_disguised_scan_at_the_desk_refuses_the_whole_submission(world, files_dir):
    response = signed_in("clerk1").post(
        "/desk/accept/", _desk_form(**{"scan-M01": SimpleUploadedFile("scan.pdf", EXE)})
    )
    assert response.status_code == 422
    assert "PDF、JPEG 或 PNG" in response.content.decode()
    assert Case.objects.count() == 0 and CaseFile.objects.count() == 0 and blobs(files_dir) == []


def test_a_scan_of_a_material_not_ticked_as_received_is_refused(world):
    response = signed_in("clerk1").post(
        "/desk/accept/",
        _desk_form(materials=["M01", "M02", "M03"], **{"scan-M04": SimpleUploadedFile("x.pdf", PDF)}),
    )
    assert response.status_code == 400
    assert Case.objects.count() == 0


def test_the_case_page_shows_each_material_with_its_scans_and_a_viewer(accepted, api):
    clerk = api("clerk1")
    pdf = upload(clerk, accepted["number"], "M01", PDF, name="申请表.pdf").json()
    png = upload(clerk, accepted["number"], "M02", PNG, name="执照.png", content_type="image/png").json()
    page = signed_in("construction-approver").get(f"/cases/{accepted['number']}/").content.decode()
    pdf_url = f"/cases/{accepted['number']}/files/{pdf['id']}"
    assert f'href="{pdf_url}"' in page and 'id="file-viewer"' in page
    assert f'<img src="/cases/{accepted["number"]}/files/{png["id"]}"' in page  # images inline
    assert "申请表.pdf" in page and "执照.png" in page
    assert 'type="file"' not in page  # the approver views, the window attaches


def test_the_file_page_serves_the_bytes_only_within_the_case_scope(accepted, api):
    body = upload(api("clerk1"), accepted["number"], "M01", PDF).json()
    url = f"/cases/{accepted['number']}/files/{body['id']}"
    response = signed_in("construction-approver").get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # the case page's viewer frames it
    policy = response["Content-Security-Policy"]  # ...which the page-wide frame-ancestors 'none' forbade
    assert "frame-ancestors 'self'" in policy and "default-src 'none'" in policy
    assert signed_in("health-approver").get(url).status_code == 404
    other = new_case(api("clerk1"))
    assert signed_in("clerk1").get(f"/cases/{other['number']}/files/{body['id']}").status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_the_clerk_attaches_scans_from_the_case_page_during_a_supplement(world, files_dir):
    case = drive("supplement_requested")
    clerk = signed_in("clerk1")
    page = clerk.get(f"/cases/{case.number}/").content.decode()
    assert 'accept="application/pdf,image/jpeg,image/png"' in page and 'capture="environment"' in page
    response = clerk.post(
        f"/cases/{case.number}/materials/M02/files/",
        {"file": [SimpleUploadedFile("a.pdf", PDF), SimpleUploadedFile("b.png", PNG)]},
    )
    assert response.status_code == 302
    assert sorted(case.files.values_list("name", flat=True)) == ["a.pdf", "b.png"]
    refused = clerk.post(
        f"/cases/{case.number}/materials/M02/files/", {"file": SimpleUploadedFile("c.pdf", EXE)}
    )
    assert refused.status_code == 422
    assert "PDF、JPEG 或 PNG" in refused.content.decode()
    assert case.files.count() == 2
    approver = signed_in("construction-approver")
    assert (
        approver.post(
            f"/cases/{case.number}/materials/M02/files/", {"file": SimpleUploadedFile("d.pdf", PDF)}
        ).status_code
        == 403
    )
