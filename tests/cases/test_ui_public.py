"""The login-free public pages: progress by case number + last 4 phone digits (no personal data,
rate-limited) and result verification by code (genuine / revoked / unknown). Mobile-friendly."""

from __future__ import annotations

from django.test import Client

from onewindow.cases import services
from tests.cases.conftest import PERSON, drive, user


def test_progress_shows_status_steps_and_due_date_without_personal_data(world):
    case = drive("in_review")
    response = Client().get("/public/progress/", {"number": case.number, "check": PERSON["phone"][-4:]})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="viewport"' in page
    assert "审查中" in page and "2024年10月10日" in page
    assert "已转办理部门审查" in page  # a step
    for personal in (PERSON["name"], PERSON["id_number"], PERSON["phone"], "王晓梅"):
        assert personal not in page


def test_a_wrong_check_looks_like_an_unknown_number(world):
    case = drive("accepted")
    wrong = Client().get("/public/progress/", {"number": case.number, "check": "0000"})
    unknown = Client().get("/public/progress/", {"number": "210300202409279999", "check": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert 'id="public-error"' in wrong.content.decode()
    assert case.subitem.name not in wrong.content.decode()


def test_too_many_queries_are_refused_with_a_chinese_message(world, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 3
    client = Client()
    codes = [client.get("/public/progress/", {"number": "x", "check": "1234"}).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    assert (
        "查询次数过多" in client.get("/public/progress/", {"number": "x", "check": "1234"}).content.decode()
    )


def test_the_empty_form_needs_no_login(world):
    assert Client().get("/public/progress/").status_code == 200
    assert Client().get("/public/verify/").status_code == 200


def test_a_genuine_result_is_confirmed(world):
    case = drive("issued")
    response = Client().get(f"/public/results/{case.result.verification_code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-verdict="genuine"' in page and case.result.number in page and case.result.seal_name in page
    assert PERSON["name"] not in page


def test_a_revoked_result_says_so(world):
    case = drive("issued")
    services.revoke_result(actor=user("supervisor1"), case=case, reason="以欺骗手段取得")
    page = Client().get(f"/public/results/{case.result.verification_code}/").content.decode()
    assert 'data-verdict="revoked"' in page


def test_an_unknown_code_is_unknown(world):
    response = Client().get("/public/results/AAAABBBBCCCCDDDD/")
    assert response.status_code == 404
    assert 'data-verdict="unknown"' in response.content.decode()


def test_the_verify_form_leads_to_the_result_page(world):
    response = Client().get("/public/verify/", {"code": "abcd efgh"})
    assert response.status_code == 302 and response.url == "/public/results/ABCDEFGH/"
