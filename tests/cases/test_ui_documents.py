"""The printable documents: each renders as a PDF in Chinese, only when the case has it, with what the
law asks it to say. Copies go to test-artifacts/ for a person to look at."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import Client

from onewindow.cases import services
from tests.cases.conftest import COMPANY, drive, user
from tests.conftest import artifacts_dir, sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def pdf_text(response, name: str) -> str:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    path = artifacts_dir() / f"cases-{name}.pdf"
    path.write_bytes(response.content)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    return "".join(text.split())  # CJK layout puts spaces between glyphs


def test_the_acceptance_receipt_has_number_due_date_next_steps_and_a_qr_to_the_progress_page(world):
    case = drive("accepted")
    text = pdf_text(signed_in("clerk1").get(f"/cases/{case.number}/documents/receipt.pdf"), "receipt")
    assert "受理回执" in text and case.number in text
    assert (
        "2024年10月10日" in text
    )  # 2024-09-27 + 5 working days: 09-29 (make-up), 09-30, 10-08, 10-09, 10-10
    assert "后续办理" in text and "综合出件窗口" in text
    assert "/public/progress/?number=" in text


def test_the_one_time_supplement_notice_lists_every_missing_material(world):
    case = drive("supplement_requested")
    text = pdf_text(
        signed_in("clerk1").get(f"/cases/{case.number}/documents/supplement-notice.pdf"), "supplement-notice"
    )
    assert "一次性告知通知书" in text
    assert "营业执照" in text and "施工合同" in text  # M02 and M03, both missing
    assert "第三十二条" in text


def test_the_rejection_notice_states_the_reason_and_the_applicants_rights(world):
    case = drive("rejected")
    text = pdf_text(
        signed_in("clerk1").get(f"/cases/{case.number}/documents/rejection-notice.pdf"), "rejection"
    )
    assert "不予受理通知书" in text and "不属于本机关职权范围" in text
    assert "行政复议" in text and "行政诉讼" in text


def test_the_special_procedure_notice_tells_the_expected_time(world):
    case = drive("suspended")
    response = signed_in("construction-approver").get(
        f"/cases/{case.number}/documents/suspension-notice/1.pdf"
    )
    text = pdf_text(response, "suspension-notice")
    assert "特别程序告知书" in text and "第四十五条" in text
    assert "专家评审" in text and "5个工作日" in text


def test_the_certificate_carries_seal_number_verification_code_and_qr(world):
    case = drive("result_ready")
    result = case.result
    text = pdf_text(
        signed_in("construction-approver").get(f"/cases/{case.number}/documents/result.pdf"), "grant"
    )
    assert result.content["title"] in text and result.number in text
    assert result.seal_name in text
    assert f"/public/results/{result.verification_code}/" in text


def test_a_denial_decision_names_the_reason_and_the_right_to_reconsideration_or_litigation(world):
    approver = user("construction-approver")
    case = drive("in_review", applicant=COMPANY)
    case = services.decide(
        actor=approver, case=case, version=case.version, decision="deny", reason="不符合第十条规定的条件"
    )
    case = services.produce_result(actor=approver, case=case, version=case.version)
    text = pdf_text(
        signed_in("construction-approver").get(f"/cases/{case.number}/documents/result.pdf"), "deny"
    )
    assert "不予行政许可决定书" in text and "不符合第十条规定的条件" in text
    assert "行政复议" in text and "行政诉讼" in text and "第三十八条" in text


def test_the_hand_over_slip_after_issuance(world):
    case = drive("issued")
    text = pdf_text(signed_in("issuer1").get(f"/cases/{case.number}/documents/issue-slip.pdf"), "issue-slip")
    assert "出件交接单" in text and case.result.number in text and "领取人签字" in text


def test_a_document_the_case_does_not_have_is_404(world):
    case = drive("accepted")
    clerk = signed_in("clerk1")
    assert clerk.get(f"/cases/{case.number}/documents/result.pdf").status_code == 404
    assert clerk.get(f"/cases/{case.number}/documents/rejection-notice.pdf").status_code == 404
    assert clerk.get(f"/cases/{case.number}/documents/nonsense.pdf").status_code == 404


def test_documents_are_out_of_scope_for_another_department(world):
    case = drive("accepted")
    assert signed_in("health-approver").get(f"/cases/{case.number}/documents/receipt.pdf").status_code == 404
