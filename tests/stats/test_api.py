"""GET /api/v1/stats/cases (CONTRACT.md): the figures of rule 15 per grouping, paginated, scoped, and
every bad parameter a 400 problem+json naming it."""

from __future__ import annotations

import pytest

from tests.cases.conftest import ApiClient, at, drive

PROBLEM = "application/problem+json"


@pytest.fixture
def history(world, frozen_clock):
    """Three cases of construction (one issued, one accepted, one not accepted) and one of health."""
    issued = drive("issued")
    frozen_clock(at(2024, 9, 30, 10, 0))
    drive("accepted")
    drive("rejected")
    drive("accepted", subitem="XK09901003")
    return issued


def test_the_supervisor_sees_every_department_with_the_contracts_fields(history):
    response = ApiClient("supervisor1").get("/stats/cases", {"from": "2024-09-01", "to": "2024-09-30"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    rows = {row["key"]: row for row in body["results"]}
    assert set(rows) == {"construction", "health", None}
    construction = rows["construction"]
    for field in (
        "key",
        "name",
        "accepted",
        "completed",
        "on_time",
        "overdue",
        "on_time_rate",
        "avg_working_days",
    ):
        assert field in construction
    assert construction["name"]
    assert (construction["accepted"], construction["completed"], construction["on_time"]) == (2, 1, 1)
    assert construction["on_time_rate"] == 1.0
    assert construction["avg_working_days"] == 0.0  # decided on its acceptance day
    assert construction["rejections"] == 0 and construction["supplements"] == 0
    window = rows[None]  # the case not accepted never reached a department
    assert (window["rejections"], window["supplements"], window["accepted"]) == (1, 1, 0)
    assert rows["health"]["accepted"] == 1 and rows["health"]["on_time_rate"] is None


def test_a_department_head_sees_their_own_department_only(history):
    head = ApiClient("construction-head")
    rows = head.get("/stats/cases", {"from": "2024-09-01", "to": "2024-09-30"}).json()["results"]
    assert [row["key"] for row in rows] == ["construction"]  # not the cases at the window
    other = head.get("/stats/cases", {"from": "2024-09-01", "to": "2024-09-30", "department": "health"})
    assert other.status_code == 403 and other["Content-Type"].startswith(PROBLEM)
    assert other.json()["detail"]


@pytest.mark.parametrize("username", ["clerk1", "construction-approver", "issuer1", "auditor1", "sysadmin1"])
def test_other_roles_are_refused_with_a_reason(history, username):
    response = ApiClient(username).get("/stats/cases")
    assert response.status_code == 403
    assert response["Content-Type"].startswith(PROBLEM) and response.json()["detail"]


def test_anonymous_is_401(history):
    assert ApiClient().get("/stats/cases").status_code == 401


@pytest.mark.parametrize(
    "params, field, status",
    [
        ({"from": "2024-13-01"}, "from", 400),
        ({"from": "1999-12-31"}, "from", 400),
        ({"to": "2100-01-01"}, "to", 400),
        ({"by": "colour"}, "by", 400),
        ({"department": "no where"}, "department", 400),
        # well formed, but what the schema cannot check: 422
        ({"from": "2024-10-01", "to": "2024-09-01"}, "to", 422),
        ({"from": "2024-02-30"}, "from", 400),
        ({"department": "nowhere"}, "department", 422),
        ({"subitem": "XX"}, "subitem", 422),
    ],
)
def test_bad_parameters_are_refused_naming_the_field(history, params, field, status):
    response = ApiClient("supervisor1").get("/stats/cases", params)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert field in response.json()["errors"]


def test_each_grouping_and_the_filters(history):
    supervisor = ApiClient("supervisor1")
    params = {"from": "2024-09-01", "to": "2024-12-31"}
    keys = {
        by: [row["key"] for row in supervisor.get("/stats/cases", {**params, "by": by}).json()["results"]]
        for by in ("subitem", "window", "staff", "month")
    }
    assert keys["subitem"] == ["XK09901001", "XK09901003"]
    assert keys["month"] == ["2024-09"]
    assert "clerk1" in keys["staff"] and "construction-approver" in keys["staff"]
    assert keys["window"]
    only = supervisor.get("/stats/cases", {**params, "by": "month", "subitem": "XK09901003"}).json()[
        "results"
    ]
    assert [(row["key"], row["accepted"]) for row in only] == [("2024-09", 1)]
    page = supervisor.get("/stats/cases", {**params, "by": "subitem", "page_size": 1}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]


def test_open_cases_past_their_due_date_are_a_live_figure(history, frozen_clock):
    frozen_clock(at(2024, 11, 20, 10, 0))
    rows = ApiClient("supervisor1").get("/stats/cases", {"from": "2024-11-01", "to": "2024-11-30"}).json()
    by_key = {row["key"]: row for row in rows["results"]}
    assert by_key["construction"]["open_overdue"] == 1  # the one still accepted, past its 5 days
    assert by_key["construction"]["accepted"] == 0  # nothing was accepted in November
