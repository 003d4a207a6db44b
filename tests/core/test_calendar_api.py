"""GET /api/v1/calendar/add-workdays: the due date and whether it rests on a provisional year."""

import pytest

from onewindow.workdays import arithmetic
from onewindow.workdays import services as workdays_services


@pytest.fixture
def calendar_2004_to_2027(sample_org):
    """What `onewindow load-sample` leaves: the package's years official, 2027 provisional."""
    workdays_services.seed_from_package()
    workdays_services.create_provisional_year(year=2027)


def test_add_workdays_answers_the_due_date(api, calendar_2004_to_2027):
    response = api("clerk1").get("/calendar/add-workdays", {"start": "2024-09-27", "days": "5"})
    assert response.status_code == 200
    assert response.json() == {
        "start": "2024-09-27",
        "days": 5,
        "due_date": "2024-10-10",
        "provisional": False,
    }


def test_a_due_date_in_a_provisional_year_says_so(api, calendar_2004_to_2027):
    response = api("supervisor1").get("/calendar/add-workdays", {"start": "2026-12-20", "days": "10"})
    assert response.json() == {
        "start": "2026-12-20",
        "days": 10,
        "due_date": "2027-01-04",
        "provisional": True,
    }


def test_any_logged_in_staff_may_ask(api, calendar_2004_to_2027):
    for username in ("construction-approver", "issuer1", "auditor1"):
        response = api(username).get("/calendar/add-workdays", {"start": "2025-01-24", "days": "1"})
        assert response.json()["due_date"] == "2025-01-26", username


def test_a_year_without_schedule_is_422_naming_the_year(api, calendar_2004_to_2027):
    response = api("clerk1").get("/calendar/add-workdays", {"start": "2027-12-01", "days": "30"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "calendar.missing"
    assert body["detail"].startswith("2028 年尚无工作日历")


@pytest.mark.parametrize(
    "params, field",
    [
        ({"start": "2024-13-01", "days": "5"}, "start"),
        ({"start": "27.09.2024", "days": "5"}, "start"),
        ({"start": "2024-09-27", "days": "-1"}, "days"),
        ({"start": "2024-09-27", "days": "five"}, "days"),
        ({"days": "5"}, "start"),
    ],
)
def test_malformed_queries_are_400(api, calendar_2004_to_2027, params, field):
    response = api("clerk1").get("/calendar/add-workdays", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]


def test_anonymous_callers_are_401(api, calendar_2004_to_2027):
    assert api().get("/calendar/add-workdays", {"start": "2024-09-27", "days": "5"}).status_code == 401


def test_a_request_sees_a_year_another_process_committed_just_before(api, calendar_2004_to_2027):
    from onewindow.core import clock
    from onewindow.workdays.models import CalendarYear

    clerk = api("clerk1")
    assert clerk.get("/calendar/add-workdays", {"start": "2027-12-20", "days": "10"}).status_code == 422
    # What another process does: the rows change, this process's index is not told.
    CalendarYear.objects.create(
        region=CalendarYear.objects.first().region,
        year=2028,
        status="official",
        source="x",
        loaded_at=clock.now(),
    )
    response = clerk.get("/calendar/add-workdays", {"start": "2027-12-20", "days": "10"})
    assert response.json()["due_date"] == "2028-01-03"


def test_a_request_costs_one_calendar_query_whatever_the_time(api, calendar_2004_to_2027, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clerk = api("clerk1")
    clerk.get("/calendar/add-workdays", {"start": "2024-09-27", "days": "5"})

    def calendar_queries():
        with CaptureQueriesContext(connection) as queries:
            clerk.get("/calendar/add-workdays", {"start": "2024-09-27", "days": "5"})
        return sum("calendaryear" in q["sql"] or "core_datastamp" in q["sql"] for q in queries)

    # Issue 14: the check whether another process changed the calendar rides on the Bearer token's query
    # (core.stamps' stamp), so it is that one query, whatever the time, and no calendar query of its own.
    assert calendar_queries() == 1
    monkeypatch.setattr(arithmetic, "RECHECK_SECONDS", 0.0)
    assert calendar_queries() == 1
