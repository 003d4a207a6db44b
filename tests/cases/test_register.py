"""The printable register (台账) of any filtered case list, as PDF and Excel, for every role in its scope."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.test import Client
from openpyxl import load_workbook

from onewindow.cases import services
from tests.cases.conftest import PERSON, drive, user
from tests.conftest import artifacts_dir, sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def _other_departments_case():
    case, _ = services.accept(
        actor=user("clerk1"), subitem="XK09901003", applicant=PERSON, materials=["M01", "M02", "M03"]
    )
    return case


def test_the_approvers_queue_prints_as_a_register_of_its_own_cases(world):
    mine, theirs = drive("accepted"), _other_departments_case()
    issued = drive("issued")
    response = signed_in("construction-approver").get("/cases/register.pdf", {"status": "all"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = artifacts_dir() / "cases-register.pdf"
    path.write_bytes(response.content)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(path), str(path.with_suffix(""))]
    )
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    assert "办件台账" in text and mine.number in text and issued.number in text
    assert theirs.number not in text
    assert "按时办结" in text  # the issued case shows its outcome, not days left


def test_the_register_follows_the_lists_filters(world):
    accepted, issued = drive("accepted"), drive("issued")
    response = signed_in("construction-approver").get("/cases/register.xlsx", {"status": "issued"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "办件编号" and [r[0] for r in rows[1:]] == [issued.number]
    assert accepted.number not in {r[0] for r in rows}


def test_every_list_links_to_its_register_with_its_filters(world):
    drive("accepted")
    for username in ("clerk1", "construction-approver", "supervisor1"):
        page = signed_in(username).get("/cases/", {"status": "accepted"}).content.decode()
        assert re.search(r'href="/cases/register\.pdf\?[^"]*status=accepted', page), username
        assert re.search(r'href="/cases/register\.xlsx\?[^"]*status=accepted', page), username


def test_roles_without_a_case_list_get_no_register(world):
    assert signed_in("auditor1").get("/cases/register.pdf").status_code in (302, 403)
