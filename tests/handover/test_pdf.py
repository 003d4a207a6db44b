"""The agreement as a PDF in Chinese, with both parties, the items, the signatures and the seals."""

import shutil
import subprocess

import pytest

from onewindow.handover import documents, services
from onewindow.handover.documents import seal_svg
from onewindow.handover.selectors import agreements
from tests.handover.conftest import user


def test_seal_graphic_is_a_red_ring_with_a_star_and_the_name_along_the_arc():
    svg = seal_svg("鞍山高新区行政审批局", "行政审批专用章")
    assert svg.startswith("<svg") and "<circle" in svg and "<polygon" in svg
    assert svg.count("<text") == len("鞍山高新区行政审批局") + 1
    assert "#d7191f" in svg


def test_special_seal_shows_the_body_under_its_approval_name(catalogue):
    from onewindow.handover.models import Seal

    assert documents.seal_texts(Seal.objects.get(name="高新区行政审批专用章")) == (
        "鞍山高新区行政审批局",
        "行政审批专用章",
    )


@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None, reason="poppler")
def test_signed_agreement_pdf_reads_in_chinese_and_renders(draft, catalogue, tmp_path, api):
    agreement = draft()
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    services.sign_agreement(actor=user("construction-head"), agreement=agreement)
    response = api("clerk1").get(f"/handovers/{agreement.pk}/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert pdf == pdf  # bytes served are the document itself
    path = tmp_path / "agreement.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    for expected in (
        "交接协议书",
        "鞍山高新区住房和城乡建设局",
        "XK00201001",
        "建设工程施工许可（新办）",
        "刘建国",
        agreement.number,
    ):
        assert expected in text
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "p")], check=True
    )
    assert list(tmp_path.glob("p-*.png"))


def test_draft_pdf_has_blank_signature_lines(draft, catalogue):
    pdf = documents.agreement_pdf(agreements().get(pk=draft().pk))
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000


def test_an_agreement_keeps_the_seal_it_was_signed_with_after_that_seal_is_voided(draft, catalogue):
    from onewindow.handover.models import Seal

    agreement = draft()
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    services.sign_agreement(actor=user("construction-head"), agreement=agreement)
    seal = Seal.objects.get(organisation=catalogue.construction)
    services.void_seal(actor=user("supervisor1"), seal=seal, reason="印章更换")
    seal.refresh_from_db()
    seal.voided_at = seal.voided_at.replace(year=2025)  # voided long after the signature
    seal.save()
    parties = documents.agreement_context(agreements().get(pk=agreement.pk))["parties"]
    assert [p["seal"].organisation for p in parties] == [catalogue.bureau, catalogue.construction]
