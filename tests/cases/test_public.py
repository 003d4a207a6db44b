"""The login-free progress query: case number + last 4 phone digits, no personal data, rate-limited."""

from __future__ import annotations

import json

from tests.cases.conftest import PERSON, act, new_case, ok
from tests.conftest import ApiClient


def test_progress_shows_status_steps_and_due_date_without_personal_data(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    clients.supervisor.post(f"/cases/{case['number']}/reminders", {"message": "请加快"})
    response = ApiClient().get(f"/public/cases/{case['number']}", {"check": "5678"})
    body = ok(response)
    assert body["status"] == "in_review"
    assert body["due_date"] == "2024-10-10"
    assert [s["step"] for s in body["steps"]] == ["accept", "routed", "claim"]  # no internal reminders
    assert body["subitem"]["code"] == "XK09901001"
    text = json.dumps(body, ensure_ascii=False)
    for personal in (
        PERSON["name"],
        PERSON["id_number"],
        PERSON["phone"],
        "110105",
        "clerk1",
        "王晓梅",
        "construction-approver",
        "审批员",
    ):
        assert personal not in text, personal


def test_a_supplement_request_lists_the_missing_materials_by_name(clients):
    case = new_case(clients.clerk, materials=["M01"])
    body = ok(ApiClient().get(f"/public/cases/{case['number']}", {"check": "5678"}))
    assert body["status"] == "supplement_requested"
    assert body["missing_materials"] == [
        {"code": "M02", "name": "营业执照"},
        {"code": "M03", "name": "施工合同"},
    ]
    assert body["due_date"] is None


def test_a_wrong_check_or_an_unknown_number_is_the_same_404(clients):
    case = new_case(clients.clerk)
    anonymous = ApiClient()
    wrong = anonymous.get(f"/public/cases/{case['number']}", {"check": "1234"})
    unknown = anonymous.get("/public/cases/2103002024092799999", {"check": "5678"})
    short = anonymous.get(f"/public/cases/{case['number']}", {"check": "78"})
    for response in (wrong, unknown, short):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_too_many_queries_from_one_address_get_429_then_the_window_passes(clients, frozen_clock, settings):
    from datetime import timedelta

    from onewindow.core import clock

    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 5
    case = new_case(clients.clerk)
    anonymous = ApiClient()
    statuses = [
        anonymous.get(f"/public/cases/{case['number']}", {"check": f"{n:04d}"}).status_code for n in range(5)
    ]
    assert statuses == [404] * 5
    refused = anonymous.get(f"/public/cases/{case['number']}", {"check": "5678"})
    assert refused.status_code == 429
    assert refused["Content-Type"] == "application/problem+json"
    assert int(refused["Retry-After"]) >= 1
    # Another address is counted apart.
    other = anonymous.client.get(
        f"/api/v1/public/cases/{case['number']}", {"check": "5678"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other.status_code == 200
    frozen_clock(clock.now() + timedelta(seconds=61))
    assert anonymous.get(f"/public/cases/{case['number']}", {"check": "5678"}).status_code == 200


def test_result_verification_is_rate_limited_too(clients, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 2
    anonymous = ApiClient()
    codes = [anonymous.get("/public/results/AAAAAAAAAAAAAAAA").status_code for _ in range(3)]
    assert codes == [404, 404, 429]
