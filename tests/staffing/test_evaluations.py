"""Daily evaluation (日常考评): a month logged for the sample's staff, read back per person."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from onewindow.staffing import selectors
from onewindow.staffing.models import DailyEvaluation
from onewindow.workdays import arithmetic
from tests.conftest import sign_in
from tests.staffing.conftest import at


def september_workdays():
    day, found = dt.date(2024, 9, 1), []
    while day.month == 9:
        if arithmetic.is_workday(day):
            found.append(day)
        day += dt.timedelta(days=1)
    return found


def test_a_month_of_evaluations_is_entered_for_the_samples_staff_and_read_back(world, api, frozen_clock):
    frozen_clock(at(2024, 9, 30, 18, 0))
    supervisor = api("supervisor1")
    days = september_workdays()
    people = None
    for n, day in enumerate(days):
        roster = selectors.evaluation_roster(region=world.region, day=day)
        people = people or roster
        entries = [{"staff": p["staff"].user.username} for p in roster]
        clerk1 = next(e for e in entries if e["staff"] == "clerk1")
        if n == 3:
            clerk1.update(attendance="late", attendance_note="迟到10分钟")
        if n == 5:
            clerk1.update(feedback="praise", feedback_note="群众来信表扬")
        if n == 8:
            clerk1.update(
                conduct="fair", conduct_note="答复不够耐心", feedback="complaint", feedback_note="12345投诉"
            )
        response = supervisor.post("/staffing/evaluations", {"date": day.isoformat(), "entries": entries})
        assert response.status_code == 200, response.content
        assert response.json()["saved"] == len(roster)
    kinds = {p["subject_kind"] for p in people}
    assert kinds == {"window_clerk", "stationed"}  # clerks and every stationed approver
    assert len(people) >= 2 + 15

    back = supervisor.get("/staffing/evaluations", {"staff": "clerk1", "month": "2024-09"}).json()
    assert back["count"] == len(days)
    late = [r for r in back["results"] if r["attendance"] == "late"]
    assert late == [
        {
            **late[0],
            "date": days[3].isoformat(),
            "attendance_note": "迟到10分钟",
            "subject_kind": "window_clerk",
        }
    ]
    summary = supervisor.get("/staffing/evaluations/summary", {"month": "2024-09"}).json()["results"]
    mine = next(r for r in summary if r["staff"]["username"] == "clerk1")
    assert mine["days"] == len(days)
    assert mine["attendance"] == {"present": len(days) - 1, "late": 1}
    assert mine["feedback"] == {"none": len(days) - 2, "praise": 1, "complaint": 1}
    assert len(summary) == len(people)
    # The selector the assessment context reads gives the same counts.
    rows = selectors.monthly_evaluation_summary(period="2024-09", region=world.region)
    assert next(r for r in rows if r["staff"].user.username == "clerk1")["conduct"] == {
        "good": len(days) - 1,
        "fair": 1,
    }

    page = sign_in(Client(), "supervisor1").get("/staffing/evaluations/clerk1/", {"month": "2024-09"})
    text = page.content.decode()
    assert page.status_code == 200 and "迟到10分钟" in text and "12345投诉" in text and "投诉" in text
    assert f"已记录{len(days)}天" in text

    # A department head reads their own staff's month, not another department's.
    head = api("construction-head")
    assert head.get("/staffing/evaluations", {"month": "2024-09"}).json()["count"] == len(
        days
    )  # their approver
    assert (
        sign_in(Client(), "construction-head").get("/staffing/evaluations/health-approver/").status_code
        == 404
    )


def test_quick_entry_of_a_whole_day_in_one_form(world, frozen_clock):
    frozen_clock(at(2024, 9, 27, 17, 0))
    client = sign_in(Client(), "supervisor1")
    form = client.get("/staffing/evaluations/", {"date": "2024-09-27"}).content.decode()
    assert 'name="attendance-clerk1"' in form and 'name="attendance-construction-approver"' in form
    people = [
        p["staff"].user.username
        for p in selectors.evaluation_roster(region=world.region, day=dt.date(2024, 9, 27))
    ]
    data = {"date": "2024-09-27", "staff": people}
    for u in people:
        data.update(
            {
                f"attendance-{u}": "present",
                f"discipline-{u}": "good",
                f"conduct-{u}": "good",
                f"feedback-{u}": "none",
            }
        )
    data["attendance-clerk2"] = "leave"
    data["attendance_note-clerk2"] = "年假"
    response = client.post("/staffing/evaluations/", data)
    assert response.status_code == 302
    assert DailyEvaluation.objects.filter(day=dt.date(2024, 9, 27)).count() == len(people)
    assert DailyEvaluation.objects.get(staff__user__username="clerk2").attendance_note == "年假"


def test_only_the_supervisor_logs_and_bad_rows_change_nothing(world, api, frozen_clock):
    frozen_clock(at(2024, 9, 27, 17, 0))
    body = {"date": "2024-09-27", "entries": [{"staff": "clerk1"}]}
    assert api("construction-head").post("/staffing/evaluations", body).status_code == 403
    assert api("clerk1").get("/staffing/evaluations").status_code == 403
    bad = api("supervisor1").post(
        "/staffing/evaluations",
        {"date": "2024-09-27", "entries": [{"staff": "clerk1"}, {"staff": "auditor1"}]},
    )
    assert bad.status_code == 422 and "entries[2]" in bad.json()["errors"]
    assert not DailyEvaluation.objects.exists()
    future = api("supervisor1").post(
        "/staffing/evaluations", {"date": "2024-09-30", "entries": [{"staff": "clerk1"}]}
    )
    assert future.status_code == 422
