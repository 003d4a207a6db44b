"""Certificates (and their expiry warning), stationing change history and the frequency warning."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from onewindow.org.models import Notification
from onewindow.staffing import services
from onewindow.staffing.models import Certificate, StaffingWarning
from tests.conftest import sign_in
from tests.staffing.conftest import TODAY, at, user
from tests.staffing.test_guard import second_approver


def test_a_certificate_is_warned_30_days_before_it_expires_once(world, frozen_clock):
    cert = Certificate.objects.get(staff__user__username="health-approver")
    cert.valid_to = dt.date(2024, 10, 27)
    cert.save()
    frozen_clock(at(2024, 9, 26, 9, 0))  # 31 days before: not yet
    services.warn_expiring_certificates()
    assert not Notification.objects.filter(kind="staffing.certificate_expiring").exists()
    frozen_clock(at(2024, 9, 27, 9, 0))  # 30 days before
    assert "1" in services.warn_expiring_certificates()
    told = Notification.objects.filter(kind="staffing.certificate_expiring")
    assert {n.recipient.code for n in told} == {"health", "data-bureau"}
    assert "2024-10-27" in told.first().title and "资格证书" in told.first().title
    frozen_clock(at(2024, 9, 30, 9, 0))
    services.warn_expiring_certificates()  # idempotent: once per certificate and threshold
    assert told.count() == 2
    assert StaffingWarning.objects.filter(kind="certificate_expiry").count() == 1


def test_recording_a_certificate_through_the_api(world, api):
    staff = second_approver()
    body = {
        "staff": staff.user.username,
        "kind": "professional",
        "number": "ZY-2024-0001",
        "issuing_body": "鞍山市人力资源和社会保障局",
        "valid_from": "2024-01-01",
        "valid_to": "2027-12-31",
        "subitems": ["XK09901001"],
    }
    created = api("construction-head").post("/staffing/qualifications", body)
    assert created.status_code == 201, created.content
    assert created.json()["subitems"] == ["XK09901001"] and created.json()["kind"] == "professional"
    assert api("construction-head").post("/staffing/qualifications", body).status_code == 409
    assert api("health-head").post("/staffing/qualifications", {**body, "number": "X2"}).status_code == 403
    reversed_dates = {**body, "number": "X3", "valid_from": "2027-12-31", "valid_to": "2024-01-01"}
    assert api("construction-head").post("/staffing/qualifications", reversed_dates).status_code == 422
    listed = api("construction-approver").get("/staffing/qualifications").json()
    assert {c["department"]["code"] for c in listed["results"]} == {"construction"}
    assert api("clerk1").get("/staffing/qualifications").status_code == 403


def test_every_change_is_kept_and_too_many_in_a_quarter_are_warned(world, api, settings, posting):
    settings.ONEWINDOW_STAFFING_CHANGES_PER_QUARTER = 2
    head = user("construction-head")
    for n in (2, 3):
        staff = second_approver(f"construction-approver{n}", qualified_for=[world.permit, world.handed])
        services.start_stationing(
            actor=head, department=world.construction, staff=staff, valid_from=TODAY, reason=f"增派第{n}人"
        )
    services.end_stationing(
        actor=head, stationing=posting("construction-approver"), on=dt.date(2024, 9, 30), reason="调回原单位"
    )
    rows = api("construction-head").get("/staffing/changes").json()["results"]
    assert [(r["kind"], r["reason"]) for r in rows][:1] == [("end", "调回原单位")]
    assert {r["changed_by"] for r in rows} == {"construction-head"} and len(rows) == 3
    frequency = api("supervisor1").get("/staffing/change-frequency", {"quarter": "2024Q3"}).json()["results"]
    assert [(f["department"]["code"], f["changes"], f["too_many"]) for f in frequency] == [
        ("construction", 3, True)
    ]
    q4 = api("supervisor1").get("/staffing/change-frequency", {"quarter": "2024Q4"}).json()
    assert q4["count"] == 0  # the end takes effect on 09-30: still the third quarter
    assert "1" in services.warn_frequent_changes()
    told = Notification.objects.filter(kind="staffing.frequent_changes")
    assert {n.recipient.code for n in told} == {"construction", "data-bureau"}
    services.warn_frequent_changes()
    assert told.count() == 2
    page = sign_in(Client(), "supervisor1").get("/staffing/changes/?quarter=2024Q3").content.decode()
    assert "调回原单位" in page and "调整过于频繁" in page


def test_the_overview_shows_gaps_and_the_supervisor_sees_every_department(world):
    Certificate.objects.filter(staff__user__username="health-approver").delete()
    page = sign_in(Client(), "supervisor1").get("/staffing/").content.decode()
    assert "XK09901003" in page and "鞍山高新区卫生健康局" in page and "缺位" in page
    own = sign_in(Client(), "construction-head").get("/staffing/").content.decode()
    assert "XK09901003" not in own and "没有缺位" in own
