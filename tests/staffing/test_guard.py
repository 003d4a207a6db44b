"""Rule 8, the no-gap guard (不缺位): stationings, their end, the gaps, and the handover signing check."""

from __future__ import annotations

import datetime as dt

from onewindow.core.models import AuditEntry
from onewindow.handover import services as handover
from onewindow.org import services as org_services
from onewindow.org.models import Stationing
from onewindow.staffing import selectors, services
from onewindow.staffing.models import Certificate, StaffingWarning, StationingChange
from tests.conftest import DEMO_PASSWORD, ApiClient
from tests.staffing.conftest import TODAY, at, user


def second_approver(username="construction-approver2", department="construction", *, qualified_for=()):
    staff = org_services.create_user(
        actor=None, username=username, role="approver", password=DEMO_PASSWORD, department=department
    )
    if qualified_for:
        cert = Certificate.objects.create(
            region=staff.organisation.region,
            staff=staff,
            kind="professional",
            number=f"T-{username}",
            issuing_body="鞍山市人力资源和社会保障局",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2026, 12, 31),
            created_at=at(2024, 9, 1),
        )
        cert.subitems.set(qualified_for)
    return staff


def test_stationings_list_the_callers_scope_with_qualified_subitems(world):
    mine = ApiClient("construction-head").get("/stationings", {"active": "true"}).json()
    assert mine["count"] == 1
    row = mine["results"][0]
    assert row["staff"] == {"username": "construction-approver", "full_name": "住建局审批员"}
    assert row["department"]["code"] == "construction"
    assert row["valid_from"] == "2024-09-01" and row["valid_to"] is None
    assert {"XK09901001", "XK09901002"} <= set(row["qualified_subitems"])
    everyone = ApiClient("supervisor1").get("/stationings", {"page_size": 1000}).json()
    assert everyone["count"] == Stationing.objects.count() > 3
    health = ApiClient("supervisor1").get("/stationings", {"department": "health"}).json()
    assert [r["department"]["code"] for r in health["results"]] == ["health"]


def test_ending_the_last_qualified_approver_is_refused_naming_the_subitems(world, posting):
    stationing = posting("construction-approver")
    head = ApiClient("construction-head")
    audit_before = AuditEntry.objects.count()
    response = head.post(f"/stationings/{stationing.pk}/end", {"on": "2024-09-30", "reason": "调回原单位"})
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "staffing.gap"
    assert "XK09901001" in body["detail"] and "建设工程施工许可（新办）" in body["detail"]
    assert "审批" in body["detail"]  # a Chinese message
    assert any("XK09901001" in s for s in body["errors"]["subitems"])
    stationing.refresh_from_db()
    assert stationing.valid_to is None
    assert not StationingChange.objects.exists()
    # Nothing changed; the refusal itself is on the record (audited as refused, success false).
    new = AuditEntry.objects.order_by("seq", "id")[audit_before:]
    assert all(not e.success for e in new)


def test_naming_a_qualified_successor_lets_the_stationing_end(world, posting):
    second_approver(qualified_for=[world.permit, world.handed])
    stationing = posting("construction-approver")
    response = ApiClient("construction-head").post(
        f"/stationings/{stationing.pk}/end",
        {"on": "2024-09-30", "reason": "调回原单位", "successor": "construction-approver2"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["valid_to"] == "2024-09-30"
    successor = Stationing.objects.get(staff__user__username="construction-approver2")
    assert successor.valid_from == dt.date(2024, 9, 30) and successor.valid_to is None
    kinds = sorted(StationingChange.objects.values_list("kind", flat=True))
    assert kinds == ["end", "start"]
    assert AuditEntry.objects.filter(action="staffing.stationing.end").count() == 1
    assert selectors.gaps(region=world.region, days=5) == []


def test_an_unqualified_successor_does_not_help(world, posting):
    second_approver()
    stationing = posting("construction-approver")
    response = ApiClient("supervisor1").post(
        f"/stationings/{stationing.pk}/end",
        {"on": "2024-09-30", "reason": "调整", "successor": "construction-approver2"},
    )
    assert response.status_code == 422 and response.json()["code"] == "staffing.gap"
    assert not Stationing.objects.filter(staff__user__username="construction-approver2").exists()


def test_another_stationed_qualified_approver_covers_the_end(world, posting):
    staff = second_approver(qualified_for=[world.permit, world.handed])
    services.start_stationing(
        actor=user("construction-head"),
        department=world.construction,
        staff=staff,
        valid_from=TODAY,
        reason="增派审批人员",
    )
    stationing = posting("construction-approver")
    response = ApiClient("construction-head").post(
        f"/stationings/{stationing.pk}/end", {"on": "2024-09-30", "reason": "调回原单位"}
    )
    assert response.status_code == 200, response.content


def test_who_may_end_a_stationing(world, posting):
    stationing = posting("construction-approver")
    url = f"/stationings/{stationing.pk}/end"
    body = {"on": "2024-09-30", "reason": "调整"}
    assert ApiClient("construction-approver").post(url, body).status_code == 403
    assert ApiClient("health-head").post(url, body).status_code == 404
    assert ApiClient("clerk1").post(url, body).status_code == 404
    assert ApiClient().post(url, body).status_code == 401
    past = ApiClient("construction-head").post(url, {"on": "2024-09-01", "reason": "调整"})
    assert past.status_code == 422 and past.json()["code"] == "staffing.past"
    assert ApiClient("construction-head").post(url, {"on": "2024-09-30", "reason": ""}).status_code in (
        400,
        422,
    )


def test_gaps_show_when_a_certificate_runs_out(world, frozen_clock):
    assert ApiClient("supervisor1").get("/staffing/gaps").json()["count"] == 0
    Certificate.objects.filter(staff__user__username="health-approver").update(valid_to=dt.date(2024, 9, 29))
    rows = ApiClient("supervisor1").get("/staffing/gaps", {"days": 3}).json()["results"]
    # 09-27 (Fri) is a working day, 09-29 (Sun) a make-up working day, then 09-30 and 10-08.
    assert [(r["subitem"]["code"], r["department"]["code"], r["date"]) for r in rows] == [
        ("XK09901003", "health", "2024-09-30"),
        ("XK09901003", "health", "2024-10-08"),
    ]
    own = ApiClient("health-approver").get("/staffing/gaps", {"days": 3}).json()
    assert own["count"] == 2
    assert ApiClient("construction-head").get("/staffing/gaps", {"days": 3}).json()["count"] == 0
    assert ApiClient("clerk1").get("/staffing/gaps").status_code == 403


def test_the_tick_reports_each_gap_once(world):
    from onewindow.org.models import Notification

    Certificate.objects.filter(staff__user__username="health-approver").delete()
    first = services.report_gaps()
    assert "newly reported" in first
    told = Notification.objects.filter(kind="staffing.gap").count()
    assert told > 0 and StaffingWarning.objects.filter(kind="gap").exists()
    services.report_gaps()
    assert Notification.objects.filter(kind="staffing.gap").count() == told


def test_signing_an_agreement_whose_receiving_side_has_no_qualified_approver_is_refused(world):
    agreement = handover.draft_agreement(
        actor=user("supervisor1"),
        department="health",
        subitems=["XK09901002"],
        effective_at=at(2024, 10, 8),
        rights_duties="乙方依法实施。",
        liaison="周例会。",
    )
    response = ApiClient("supervisor1").post(f"/handovers/{agreement.pk}/sign")
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "staffing.gap"
    assert "XK09901002" in body["detail"] and "鞍山高新区卫生健康局" in body["detail"]
    assert not agreement.signatures.exists()


def test_the_impact_preview_and_the_dashboard_say_what_signing_will_say(world):
    """The preview judges rule 8 as the signing check does (staffing's certificates per sub-item), not by
    the stationing's own certificate field: health's approver holds a certificate, but none for this
    sub-item, so the preview lists it unstaffed and signing refuses it."""
    draft = {"rights_duties": "乙方依法实施。", "liaison": "周例会。", "effective_at": at(2024, 10, 8)}
    health = handover.draft_agreement(
        actor=user("supervisor1"), department="health", subitems=["XK09901002"], **draft
    )
    impact = ApiClient("supervisor1").get(f"/handovers/{health.pk}/impact").json()
    assert impact["unstaffed_subitems"] == ["XK09901002"]
    assert ApiClient("supervisor1").post(f"/handovers/{health.pk}/sign").status_code == 422

    # Construction's approver is certified for it: nothing unstaffed, and signing goes through.
    handover.withdraw_draft(actor=user("supervisor1"), agreement=health, reason="改由住建局承接")
    construction = handover.draft_agreement(
        actor=user("supervisor1"), department="construction", subitems=["XK09901002"], **draft
    )
    impact = ApiClient("supervisor1").get(f"/handovers/{construction.pk}/impact").json()
    assert impact["unstaffed_subitems"] == [] and impact["qualified_approver_count"] == 1
    assert ApiClient("supervisor1").post(f"/handovers/{construction.pk}/sign").status_code == 200


def test_the_dashboards_staffing_view_costs_the_same_queries_for_one_department_or_all(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from onewindow.catalogue.models import SubItem
    from onewindow.handover.selectors import staffing_on
    from onewindow.org.models import Organisation

    departments = list(Organisation.objects.filter(kind__in=["internal", "resident"]))
    wanted = {d: list(SubItem.objects.values_list("pk", flat=True)) for d in departments}
    one = dict([next(iter(wanted.items()))])
    with CaptureQueriesContext(connection) as single:
        staffing_on(one, TODAY)
    with CaptureQueriesContext(connection) as every:
        everyone = staffing_on(wanted, TODAY)
    assert len(departments) > 1 and len(every.captured_queries) == len(single.captured_queries)
    assert set(everyone) == {d.pk for d in departments}


def test_after_a_handover_the_receiving_departments_staff_are_checked(world, frozen_clock, posting):
    agreement = handover.draft_agreement(
        actor=user("supervisor1"),
        department="construction",
        subitems=["XK09901002"],
        effective_at=at(2024, 9, 30),
        rights_duties="乙方依法实施。",
        liaison="周例会。",
    )
    handover.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    handover.sign_agreement(actor=user("construction-head"), agreement=agreement)
    # Construction's approver now covers XK09901002 too; an unqualified successor leaves it unstaffed.
    staff = second_approver(qualified_for=[world.permit])
    stationing = posting("construction-approver")
    response = ApiClient("construction-head").post(
        f"/stationings/{stationing.pk}/end",
        {"on": "2024-10-08", "reason": "调整", "successor": staff.user.username},
    )
    assert response.status_code == 422
    assert "XK09901002" in response.json()["detail"]
    assert "XK09901001" not in str(response.json()["errors"])
