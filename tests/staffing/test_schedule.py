"""Schedules: leave, a substitute for a day, rotations, the hall's week/month view (printable)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.test import Client

from onewindow.staffing import selectors, services
from onewindow.staffing.models import RosterEntry
from tests.conftest import sign_in
from tests.staffing.conftest import TODAY, user
from tests.staffing.test_guard import second_approver

MONDAY = dt.date(2024, 9, 30)


def test_leave_of_the_last_qualified_approver_needs_a_substitute(world, api):
    refused = api("construction-head").post(
        "/staffing/schedules", {"staff": "construction-approver", "date": "2024-09-30", "kind": "leave"}
    )
    assert refused.status_code == 422 and refused.json()["code"] == "staffing.gap"
    assert "XK09901001" in refused.json()["detail"]
    second_approver(qualified_for=[world.permit, world.handed])
    substitute = api("construction-head").post(
        "/staffing/schedules",
        {
            "staff": "construction-approver2",
            "date": "2024-09-30",
            "kind": "substitute",
            "substitute_for": "construction-approver",
            "note": "病假顶岗",
        },
    )
    assert substitute.status_code == 201, substitute.content
    assert substitute.json()["substitute_for"]["username"] == "construction-approver"
    away = RosterEntry.objects.get(staff__user__username="construction-approver", day=MONDAY)
    assert away.kind == "leave"
    assert selectors.gaps(region=world.region, days=2) == []


def test_a_rotation_puts_people_on_duty_in_turn_on_working_days(world, api):
    head = user("construction-head")
    staff = second_approver(qualified_for=[world.permit, world.handed])
    services.start_stationing(
        actor=head, department=world.construction, staff=staff, valid_from=TODAY, reason="轮岗"
    )
    response = api("construction-head").post(
        "/staffing/schedules/rotation",
        {
            "department": "construction",
            "staff": ["construction-approver", "construction-approver2"],
            "from": "2024-09-30",
            "to": "2024-10-12",
        },
    )
    assert response.status_code == 200, response.content
    duty = list(
        RosterEntry.objects.filter(kind="duty").order_by("day").values_list("day", "staff__user__username")
    )
    # 09-30, then the National Day holiday (10-01..10-07), 10-08..10-11 and Saturday 10-12 (make-up day).
    assert [d for d, _ in duty] == [MONDAY] + [dt.date(2024, 10, d) for d in (8, 9, 10, 11, 12)]
    assert [u for _, u in duty][:2] == ["construction-approver", "construction-approver2"]
    assert selectors.gaps(region=world.region, days=5) == []
    listed = api("construction-approver").get(
        "/staffing/schedules", {"from": "2024-09-30", "to": "2024-10-12"}
    )
    assert listed.json()["count"] == 6


def test_a_rotation_with_an_unqualified_person_alone_is_refused(world, api):
    staff = second_approver()
    services.start_stationing(
        actor=user("construction-head"),
        department=world.construction,
        staff=staff,
        valid_from=TODAY,
        reason="x",
    )
    response = api("construction-head").post(
        "/staffing/schedules/rotation",
        {
            "department": "construction",
            "staff": [staff.user.username],
            "from": "2024-09-30",
            "to": "2024-09-30",
        },
    )
    assert response.status_code == 422 and response.json()["code"] == "staffing.gap"
    assert not RosterEntry.objects.exists()


def test_the_supervisor_sees_the_whole_hall_for_a_week_or_a_month_and_can_print_it(world):
    client = sign_in(Client(), "supervisor1")
    week = client.get("/staffing/schedule/", {"start": "2024-09-30"}).content.decode()
    assert "鞍山高新区住房和城乡建设局" in week and "鞍山高新区卫生健康局" in week
    assert "data-print" in week and "staffing.css" in week
    month = client.get("/staffing/schedule/", {"span": "month", "start": "2024-10-15"}).content.decode()
    assert "2024-10-01 – 2024-10-31" in month
    own = sign_in(Client(), "construction-approver").get("/staffing/schedule/").content.decode()
    assert "鞍山高新区卫生健康局" not in own
    css = (Path(__file__).parents[2] / "onewindow/staffing/static/staffing/staffing.css").read_text("utf-8")
    assert "@media print" in css and "landscape" in css
