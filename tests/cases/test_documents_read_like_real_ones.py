"""Documents a person would accept as the real ones: the receipt on one A4 page (the 容缺 receipt honest about
what is deferred, with seal and QR on page 1), the applicant's 容缺承诺书, QR codes to the public address.
PDFs and PNG previews go to test-artifacts/."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.test import Client

from tests.cases.conftest import drive
from tests.conftest import artifacts_dir, sign_in

pytestmark = pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def save(response, name: str):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    path = artifacts_dir() / f"cases-{name}.pdf"
    path.write_bytes(response.content)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))], check=False)
    return path


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def text(path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(path), "-"]
    return "".join(subprocess.run(args, capture_output=True, text=True).stdout.split())


def images_on_first_page(case, kind: str) -> list[str]:
    """The alt texts of the images WeasyPrint laid out on the document's first page (seal, QR)."""
    from django.template.loader import render_to_string
    from django.utils import translation
    from weasyprint import HTML

    from onewindow.cases import documents

    with translation.override("zh-hans"):
        html = render_to_string(documents.TEMPLATES[kind], documents.context_for(case, kind))
    first = HTML(string=html).render().pages[0]
    return [
        box.element.get("alt", "")
        for box in first._page_box.descendants()
        if getattr(box, "element_tag", None) == "img" and getattr(box, "element", None) is not None
    ]


def test_the_receipt_is_one_a4_page(world):
    case = drive("accepted")
    path = save(signed_in("clerk1").get(f"/cases/{case.number}/documents/receipt.pdf"), "receipt-one-page")
    assert pages(path) == 1
    assert "受理回执" in text(path) and "材料齐全" in text(path)


def test_the_deferred_receipt_says_what_is_missing_and_puts_seal_and_qr_on_page_one(world):
    case = drive("accepted", deferred=True)
    path = save(signed_in("clerk1").get(f"/cases/{case.number}/documents/receipt.pdf"), "receipt-deferred")
    assert pages(path) == 1
    body = text(path, 1)
    assert "受理回执（容缺受理）" in body and "施工合同" in body
    assert "材料齐全" not in body
    assert {"QR", "印章"} <= set(images_on_first_page(case, "receipt"))


def test_the_applicant_signs_a_commitment_letter_for_deferred_materials(world):
    case = drive("accepted", deferred=True)
    clerk = signed_in("clerk1")
    path = save(clerk.get(f"/cases/{case.number}/documents/commitment.pdf"), "commitment")
    body = text(path)
    assert "容缺受理承诺书" in body and "施工合同" in body and case.number in body
    assert "本人承诺五个工作日内补交施工合同" in body
    assert "申请人（签字" in body
    assert pages(path) == 1
    # A case accepted with every material has no commitment letter.
    complete = drive("accepted")
    assert clerk.get(f"/cases/{complete.number}/documents/commitment.pdf").status_code == 404


def test_qr_codes_and_links_use_the_public_address_not_the_request(world, settings):
    settings.ONEWINDOW_PUBLIC_URL = "https://zwfw.example.gov.cn"
    case = drive("accepted")
    # The clerk reaches the server by its internal name (the test client's host), the applicant by the public one.
    response = signed_in("clerk1").get(f"/cases/{case.number}/documents/receipt.pdf")
    body = text(save(response, "receipt-public-url"))
    assert "https://zwfw.example.gov.cn/public/progress/?number=" in body
    assert "testserver" not in body
