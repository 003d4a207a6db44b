"""The result reads like the real one: the guide's particulars are filled in at the decision (checked
against the guide), printed on the certificate with the holder's full ID; no technical hash on its face;
letterhead, signature line and seal name the same body."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.test import Client

from onewindow.cases.models import Case
from onewindow.catalogue.models import ServiceGuide
from tests.cases.conftest import PERSON, ApiClient, act, new_case, ok
from tests.conftest import artifacts_dir, sign_in

FIELDS = [
    {"code": "project_name", "label": "项目名称", "required": True, "type": "text"},
    {"code": "address", "label": "建设地址", "required": True, "type": "text"},
    {"code": "scale", "label": "建设规模", "required": False, "type": "text"},
    {"code": "valid_until", "label": "有效期至", "required": False, "type": "date"},
]
PARTICULARS = {
    "project_name": "鞍山高新区智能制造产业园一期",
    "address": "鞍山市高新区千山中路88号",
    "scale": "总建筑面积32000平方米",
    "valid_until": "2027-10-08",
}


@pytest.fixture
def licence(world):
    """Both construction sub-items print a licence (施工许可证) with these particulars."""
    ServiceGuide.objects.filter(subitem__code__in=["XK09901001", "XK09901002"]).update(
        result_kind="licence", result_fields=FIELDS
    )


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def pdf_text(content: bytes, name: str) -> str:
    path = artifacts_dir() / f"cases-{name}.pdf"
    path.write_bytes(content)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(path.with_suffix(""))], check=False)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    return "".join(text.split())


def test_a_grant_without_the_required_particulars_is_422_and_changes_nothing(licence, clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    refused = act(
        clients.approver, case, "decide", decision="grant", reason="符合条件", particulars={"scale": "x"}
    )
    assert refused.status_code in (400, 422)
    errors = refused.json()["errors"]
    assert "particulars.project_name" in errors and "particulars.address" in errors
    bad = act(
        clients.approver,
        case,
        "decide",
        decision="grant",
        particulars={**PARTICULARS, "valid_until": "明年", "colour": "red"},
    )
    assert set(bad.json()["errors"]) == {"particulars.valid_until", "particulars.colour"}
    after = ok(clients.approver.get(f"/cases/{case['number']}"))
    assert after["status"] == "in_review" and after["version"] == case["version"]


def test_a_denial_needs_no_particulars(licence, clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    ok(act(clients.approver, case, "decide", decision="deny", reason="不符合第十条规定"))


def test_the_licence_prints_its_particulars_and_the_holders_full_id(licence, clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    case = ok(
        act(clients.approver, case, "decide", decision="grant", reason="符合条件", particulars=PARTICULARS)
    )
    case = ok(act(clients.approver, case, "produce_result"))
    result = Case.objects.get(number=case["number"]).result
    assert result.content["particulars"] == [
        {"code": f["code"], "label": f["label"], "value": PARTICULARS[f["code"]]} for f in FIELDS
    ]
    response = signed_in("construction-approver").get(f"/cases/{case['number']}/documents/result.pdf")
    text = pdf_text(response.content, "licence")
    for value in PARTICULARS.values():
        assert value in text
    assert "项目名称" in text and "建设地址" in text
    assert PERSON["id_number"] in text  # the holder's document carries the holder's ID in full
    # No hash text; the random verification code (which may happen to hold the letters "SM3") left out.
    without_code = text.replace(result.verification_code, "")
    assert "SM3" not in without_code and result.content_hash[:16] not in text
    assert "核验码" in text and f"/public/results/{result.verification_code}/" in text


def test_the_bureaus_result_names_the_approval_bureau_in_letterhead_signature_and_seal(world, clients):
    bureau = ApiClient("data-bureau-approver")
    case = ok(act(bureau, new_case(clients.clerk, subitem="XK09901002"), "claim"))
    case = ok(act(bureau, case, "decide", decision="grant", reason="符合条件"))
    case = ok(act(bureau, case, "produce_result"))
    text = pdf_text(
        signed_in("data-bureau-approver").get(f"/cases/{case['number']}/documents/result.pdf").content,
        "bureau",
    )
    assert "鞍山高新区数据局" not in text  # the body's other name is not on an approval document
    assert text.count("鞍山高新区行政审批局") >= 2  # letterhead and signature line (the seal is an image)


def test_the_decide_form_asks_for_the_guides_particulars(licence, world):
    from tests.cases.conftest import drive

    case = drive("in_review")
    client = signed_in("construction-approver")
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'name="particulars.project_name"' in page and "建设地址" in page
    response = client.post(
        f"/cases/{case.number}/actions/decide/",
        {"version": case.version, "decision": "grant", "reason": "符合条件", "particulars.scale": "1"},
    )
    page = response.content.decode()
    assert "请填写项目名称" in page  # the field's error, and the typed value stays
    case.refresh_from_db()
    assert case.status == "in_review"
    response = client.post(
        f"/cases/{case.number}/actions/decide/",
        {
            "version": case.version,
            "decision": "grant",
            "reason": "符合条件",
            **{f"particulars.{k}": v for k, v in PARTICULARS.items()},
        },
    )
    case.refresh_from_db()
    assert case.status == "decided" and case.result_particulars == PARTICULARS
