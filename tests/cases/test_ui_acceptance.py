"""The window clerk's acceptance desk: find a sub-item, tick the materials, accept or ask for a supplement."""

from __future__ import annotations

import pytest
from django.test import Client

from onewindow.cases.models import Case, CaseStatus
from tests.cases.conftest import COMPANY, PERSON
from tests.conftest import sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def form(subitem="XK09901001", materials=("M01", "M02", "M03"), applicant=PERSON, key="key-1", **extra):
    data = {
        "subitem": subitem,
        "idempotency_key": key,
        "applicant_kind": applicant["kind"],
        "applicant_name": applicant["name"],
        "applicant_id_number": applicant["id_number"],
        "applicant_phone": applicant["phone"],
        "materials": list(materials),
    }
    data.update(extra)
    return data


@pytest.fixture
def clerk(world):
    return signed_in("clerk1")


def test_only_window_clerks_open_the_acceptance_desk(world):
    assert signed_in("construction-approver").get("/desk/accept/").status_code == 403
    assert signed_in("issuer1").get("/desk/accept/").status_code == 403
    assert Client().get("/desk/accept/").status_code == 302  # to the login page
    assert signed_in("clerk1").get("/desk/accept/").status_code == 200


def test_live_search_finds_a_sub_item_by_pinyin_initials(clerk, world):
    from onewindow.catalogue.models import SubItem
    from onewindow.catalogue.pinyin import initials

    SubItem.objects.filter(code="XK09901003").update(pinyin_initials=initials("公共场所卫生许可"))
    response = clerk.get("/desk/accept/search/", {"q": "ggcs"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "公共场所卫生许可" in response.content.decode()
    assert "建设工程施工许可（新办）" not in response.content.decode()


def test_the_desk_shows_the_published_guide_materials_with_their_marks(clerk, world):
    page = clerk.get("/desk/accept/", {"subitem": "XK09901001"}).content.decode()
    assert "申请表" in page and "施工合同" in page
    assert "必交" in page and "选交" in page  # required / optional
    assert 'name="deferred_materials" value="M03"' in page  # the deferrable one
    assert 'name="idempotency_key"' in page


def test_complete_materials_are_accepted_and_the_receipt_is_offered(clerk, world):
    response = clerk.post("/desk/accept/", form())
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == f"/cases/{case.number}/"
    assert case.status == CaseStatus.ACCEPTED
    page = clerk.get(response.url).content.decode()
    assert "受理回执" in page
    assert "打印受理回执" in page  # the success message


def test_missing_materials_ask_for_a_supplement_with_the_one_time_notice(clerk, world):
    response = clerk.post("/desk/accept/", form(materials=["M01"]))
    case = Case.objects.get()
    assert case.status == CaseStatus.SUPPLEMENT_REQUESTED
    assert case.missing_materials == ["M02", "M03"]
    page = clerk.get(response.url).content.decode()
    assert "一次性告知通知书" in page


def test_a_double_click_makes_one_case(clerk, world):
    first = clerk.post("/desk/accept/", form(key="same-key"))
    second = clerk.post("/desk/accept/", form(key="same-key"))
    assert Case.objects.count() == 1
    assert first.url == second.url


def test_a_wrong_id_check_digit_is_shown_in_chinese_next_to_the_field(clerk, world):
    bad = {**PERSON, "id_number": "110105194912310021"}
    response = clerk.post("/desk/accept/", form(applicant=bad))
    assert response.status_code == 422  # well-formed, wrong check digit (as the API)
    page = response.content.decode()
    assert 'id="error-applicant_id_number"' in page
    assert "校验" in page  # 居民身份证号码 … 校验码
    assert Case.objects.count() == 0
    assert 'value="key-1"' in page  # the same key: a resend stays idempotent


def test_a_wrong_credit_code_is_refused_for_an_organisation(clerk, world):
    bad = {
        **COMPANY,
        "id_number": COMPANY["id_number"][:-1] + ("0" if COMPANY["id_number"][-1] != "0" else "1"),
    }
    response = clerk.post("/desk/accept/", form(applicant=bad))
    assert response.status_code == 422  # well-formed, wrong check character (as the API)
    assert "统一社会信用代码" in response.content.decode()


def test_deferred_materials_are_accepted_on_a_written_commitment(clerk, world):
    response = clerk.post(
        "/desk/accept/",
        form(materials=["M01", "M02"], deferred_materials=["M03"], commitment="五个工作日内补交施工合同。"),
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.status == CaseStatus.ACCEPTED and case.deferred_materials == ["M03"]
    assert case.top_up_deadline is not None
