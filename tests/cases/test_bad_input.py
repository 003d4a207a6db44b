"""Bad input never gives a 500: huge page numbers, out-of-range dates, nonsense numbers in forms,
control and text-direction characters in names."""

from __future__ import annotations

import pytest
from django.test import Client

from onewindow.core.validators import has_control_characters
from tests.cases.conftest import PERSON, new_case, user
from tests.conftest import sign_in


@pytest.mark.parametrize("page", ["99999999999999999999", "9223372036854775807", "0", "-1", "x"])
def test_a_page_number_out_of_bounds_is_400(clients, page):
    response = clients.supervisor.get("/cases", {"page": page})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("size", ["0", "1001", "99999999999999999999"])
def test_a_page_size_out_of_bounds_is_400(clients, size):
    assert clients.supervisor.get("/cases", {"page_size": size}).status_code == 400


@pytest.mark.parametrize("start", ["0000-01-01", "99999-01-01", "2024-02-30", "2024-13-01"])
def test_dates_out_of_range_are_400(clients, start):
    response = clients.clerk.get("/calendar/add-workdays", {"start": start, "days": "3"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    "name",
    ["张三\u202e", "张\u0000三", "张\n三", "\u2066张三\u2069", "张\x1b[31m三"],
)
def test_control_and_bidi_override_characters_are_refused_in_the_applicant_name(clients, name):
    response = clients.clerk.post(
        "/cases",
        {"subitem": "XK09901001", "applicant": {**PERSON, "name": name}, "materials": ["M01"]},
        **{"Idempotency-Key": f"bidi-{name!r}"},
    )
    assert response.status_code == 400
    if "\x00" not in name:  # a NUL is refused before any field is read (tests/web)
        assert "applicant.name" in response.json()["errors"]


def test_free_text_keeps_its_lines_and_tabs():
    assert not has_control_characters("第一行\n\t第二行", multiline=True)
    assert has_control_characters("第一行\n第二行")
    assert has_control_characters("x\u202ey", multiline=True)


@pytest.mark.parametrize("days", ["9" * 5000, "99999999999", "٣"])
def test_nonsense_days_in_the_acceptance_form_are_no_server_error(world, days):
    browser = sign_in(Client(), "clerk1")
    response = browser.post(
        "/desk/accept/?subitem=XK09901001",
        {
            "subitem": "XK09901001",
            "idempotency_key": f"form-{len(days)}",
            "applicant_kind": "person",
            "applicant_name": PERSON["name"],
            "applicant_id_number": PERSON["id_number"],
            "applicant_phone": PERSON["phone"],
            "materials": ["M01", "M02"],
            "deferred_materials": ["M03"],
            "commitment": "承诺补交",
            "top_up_days": days,
        },
    )
    assert response.status_code < 500


@pytest.mark.parametrize("days", ["9" * 5000, "99999999999"])
def test_nonsense_planned_days_of_a_suspension_are_no_server_error(clients, days):
    case = new_case(clients.clerk)
    browser = sign_in(Client(), "construction-approver")
    from onewindow.cases import services

    services.perform(
        actor=user("construction-approver"), case=case["number"], action="claim", version=case["version"]
    )
    response = browser.post(
        f"/cases/{case['number']}/actions/suspend/",
        {
            "version": case["version"] + 1,
            "procedure": "expert_review",
            "reason": "专家评审",
            "planned_days": days,
        },
    )
    assert response.status_code < 500
