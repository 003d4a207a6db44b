"""Acceptance at any comprehensive window: formal review against the published guide, one complete list
of what is missing, routing to today's implementer, 容缺受理, idempotent retries, validated applicants."""

from __future__ import annotations

import datetime as dt
import re

from django.core.management import call_command

from onewindow.cases import services
from onewindow.cases.models import Case, CaseStatus, Closure
from onewindow.catalogue.models import GuideMaterial, ServiceGuide
from onewindow.core import clock
from onewindow.core.models import AuditEntry
from tests.cases.conftest import COMPANY, PERSON, act, at, new_case, ok, user
from tests.conftest import ApiClient


def test_complete_materials_are_accepted_and_routed_to_the_implementing_department_at_once(clients):
    case = new_case(clients.clerk)
    assert case["status"] == "accepted"
    assert case["department"] == {"code": "construction", "name": "鞍山高新区住房和城乡建设局"}
    assert case["authority"]["code"] == "construction"
    assert [e["action"] for e in case["events"]] == ["accept", "routed"]
    routed = case["events"][1]
    assert routed["organisation"] == "construction"
    assert case["accepted_at"] == "2024-09-27T10:00:00+08:00"
    assert case["window"] == "A01"
    assert case["version"] == 1


def test_the_case_number_is_region_code_date_and_a_five_digit_daily_serial(clients):
    first = new_case(clients.clerk)
    second = new_case(clients.clerk2, subitem="XK09901003")
    assert re.fullmatch(r"21030020240927\d{5}", first["number"])
    assert int(second["number"][-5:]) == int(first["number"][-5:]) + 1


def test_the_serial_starts_again_each_day(clients, frozen_clock):
    new_case(clients.clerk)
    frozen_clock(at(2024, 9, 29, 9, 0))  # a make-up working Sunday
    assert new_case(clients.clerk)["number"] == "2103002024092900001"


def test_missing_materials_give_one_complete_list_and_no_clock(clients):
    case = new_case(clients.clerk, materials=["M01"])
    assert case["status"] == "supplement_requested"
    assert case["missing_materials"] == ["M02", "M03"]
    assert case["accepted_at"] is None and case["due_date"] is None
    assert case["authority"] is None
    assert case["clock"]["used_days"] == 0


def test_a_supplement_completing_the_list_accepts_the_case_and_starts_the_clock_then(clients, frozen_clock):
    case = new_case(clients.clerk, materials=["M01"])
    frozen_clock(at(2024, 9, 30, 9, 0))
    case = ok(act(clients.clerk, case, "supplement", materials=["M02"]))
    assert case["status"] == "supplement_requested"
    assert case["missing_materials"] == ["M03"]
    case = ok(act(clients.clerk2, case, "supplement", materials=["M03"]))
    assert case["status"] == "accepted"
    assert case["materials"] == ["M01", "M02", "M03"]
    assert case["accepted_at"] == "2024-09-30T09:00:00+08:00"
    # 补正 time is before acceptance: counting starts the working day after 09-30 (then National Day).
    assert case["due_date"] == "2024-10-12"
    assert [e["action"] for e in case["events"]][-2:] == ["accept", "routed"]


def test_reject_and_withdraw_end_the_case_with_their_reason(clients):
    rejected = ok(
        act(clients.clerk, new_case(clients.clerk, materials=["M01"]), "reject", reason="不属于本机关职权")
    )
    assert rejected["status"] == "rejected" and rejected["closure"] == "rejected"
    assert rejected["events"][-1]["comment"] == "不属于本机关职权"
    withdrawn = ok(act(clients.clerk, new_case(clients.clerk), "withdraw", reason="申请人主动撤回"))
    assert withdrawn["status"] == "withdrawn" and withdrawn["closure"] == "withdrawn"


def test_reject_without_a_reason_is_400_and_changes_nothing(clients):
    case = new_case(clients.clerk, materials=["M01"])
    response = act(clients.clerk, case, "reject")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert ok(clients.clerk.get(f"/cases/{case['number']}"))["version"] == case["version"]


def test_the_same_idempotency_key_returns_the_same_case_with_200(clients):
    body = {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01", "M02", "M03"]}
    first = clients.clerk.post("/cases", body, **{"Idempotency-Key": "retry-1"})
    again = clients.clerk.post("/cases", body, **{"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Case.objects.count() == 1
    # Another clerk's key is their own.
    assert clients.clerk2.post("/cases", body, **{"Idempotency-Key": "retry-1"}).status_code == 201


def test_reusing_a_key_for_a_different_application_is_422(clients):
    body = {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01", "M02", "M03"]}
    assert clients.clerk.post("/cases", body, **{"Idempotency-Key": "k"}).status_code == 201
    other = {**body, "applicant": COMPANY}
    response = clients.clerk.post("/cases", other, **{"Idempotency-Key": "k"})
    assert response.status_code == 422
    assert Case.objects.count() == 1


def test_an_organisation_applicant_is_checked_by_its_credit_code(clients):
    case = new_case(clients.clerk, applicant=COMPANY)
    assert case["applicant"]["kind"] == "organisation"
    bad = {
        **COMPANY,
        "id_number": COMPANY["id_number"][:-1] + ("0" if COMPANY["id_number"][-1] != "0" else "1"),
    }
    response = clients.clerk.post("/cases", {"subitem": "XK09901001", "applicant": bad, "materials": ["M01"]})
    assert response.status_code == 422  # well-formed (the schema's pattern), wrong check character
    assert "applicant.id_number" in response.json()["errors"]


def test_bad_applicant_details_are_400_with_every_field_named_and_nothing_created(clients):
    applicant = {"kind": "person", "name": "", "id_number": "110105194912310021", "phone": "12345"}
    response = clients.clerk.post(
        "/cases", {"subitem": "XK09901001", "applicant": applicant, "materials": []}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"applicant.name", "applicant.id_number", "applicant.phone"}
    assert Case.objects.count() == 0


def test_the_id_number_is_stored_but_shown_masked_only(clients):
    case = new_case(clients.clerk)
    assert case["applicant"]["id_number"] == "110105********002X"
    assert PERSON["id_number"] not in clients.clerk.get(f"/cases/{case['number']}").content.decode()
    assert Case.objects.get(number=case["number"]).applicant_id_number == PERSON["id_number"]


def test_unknown_sub_item_or_material_is_422_naming_the_field(clients):
    # Well-formed codes the catalogue does not know: 422 (400 is for requests the schema refuses).
    response = clients.clerk.post("/cases", {"subitem": "NOPE", "applicant": PERSON, "materials": []})
    assert response.status_code == 422 and "subitem" in response.json()["errors"]
    response = clients.clerk.post(
        "/cases", {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M99"]}
    )
    assert response.status_code == 422 and "materials" in response.json()["errors"]
    assert clients.clerk.post("/cases", {"subitem": "XK 09901001", "applicant": PERSON}).status_code == 400


def test_only_window_clerks_accept_and_anonymous_is_401(clients):
    body = {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01"]}
    assert clients.approver.post("/cases", body).status_code == 403
    assert clients.issuer.post("/cases", body).status_code == 403
    assert clients.anonymous.post("/cases", body).status_code == 401
    assert Case.objects.count() == 0


def test_materials_are_reviewed_against_the_published_guide_version_which_the_case_pins(clients, world):
    old = new_case(clients.clerk)
    draft = ServiceGuide.objects.create(
        subitem=world.permit, version=2, status="draft", promised_days=3, statutory_days=20
    )
    GuideMaterial.objects.create(guide=draft, code="M01", name="申请表", required=True)
    # A draft does not count: the published version 1 still asks for M01–M03.
    assert new_case(clients.clerk, materials=["M01"])["missing_materials"] == ["M02", "M03"]
    ServiceGuide.objects.filter(pk=draft.pk).update(status="published", published_at=clock.now())
    fresh = new_case(clients.clerk, materials=["M01"])
    assert fresh["status"] == "accepted" and fresh["guide_version"] == 2
    assert fresh["clock"]["allowed_days"] == 3
    assert ok(clients.clerk.get(f"/cases/{old['number']}"))["guide_version"] == 1


def test_deferrable_materials_with_a_written_commitment_are_accepted_with_a_top_up_deadline(clients):
    case = new_case(
        clients.clerk,
        materials=["M01", "M02"],
        deferred_materials=["M03"],
        commitment="本人承诺在期限内补交施工合同。",
        top_up_days=3,
    )
    assert case["status"] == "accepted"
    assert case["deferred_materials"] == ["M03"]
    assert case["top_up_deadline"] == "2024-10-08"  # 09-29 (make-up Sunday), 09-30, 10-08
    assert case["missing_materials"] == []


def test_deferral_needs_a_commitment_a_deferrable_material_and_a_deadline_within_the_promised_limit(clients):
    base = {
        "subitem": "XK09901001",
        "applicant": PERSON,
        "materials": ["M01", "M02"],
        "deferred_materials": ["M03"],
    }
    assert clients.clerk.post("/cases", base).status_code == 422  # no commitment
    with_commitment = {**base, "commitment": "承诺补交"}
    assert (
        clients.clerk.post("/cases", {**with_commitment, "top_up_days": 6}).status_code == 422
    )  # promised is 5
    not_deferrable = {**with_commitment, "materials": ["M01", "M03"], "deferred_materials": ["M02"]}
    assert clients.clerk.post("/cases", not_deferrable).status_code == 422
    assert Case.objects.count() == 0


def test_a_granted_decision_waits_for_the_deferred_materials(clients):
    case = new_case(
        clients.clerk, materials=["M01", "M02"], deferred_materials=["M03"], commitment="承诺补交"
    )
    case = ok(act(clients.approver, case, "claim"))
    assert act(clients.approver, case, "decide", decision="grant", reason="符合").status_code == 422
    case = ok(act(clients.clerk, case, "supplement", materials=["M03"]))
    assert case["deferred_materials"] == [] and case["status"] == "in_review"
    assert ok(act(clients.approver, case, "decide", decision="grant", reason="符合"))["status"] == "decided"


def test_tick_ends_a_case_whose_deferred_materials_missed_the_deadline_once(clients, frozen_clock):
    case = new_case(
        clients.clerk, materials=["M01", "M02"], deferred_materials=["M03"], commitment="承诺补交"
    )
    kept = new_case(
        clients.clerk, materials=["M01", "M02"], deferred_materials=["M03"], commitment="承诺补交"
    )
    kept = ok(act(clients.clerk, kept, "supplement", materials=["M03"]))
    assert case["top_up_deadline"] == "2024-10-10"  # min(5 days, promised 5)
    frozen_clock(at(2024, 10, 10, 17, 0))
    call_command("tick")
    assert (
        Case.objects.get(number=case["number"]).status == CaseStatus.ACCEPTED
    )  # the deadline day itself counts
    frozen_clock(at(2024, 10, 11, 8, 0))
    call_command("tick")
    call_command("tick")
    ended = Case.objects.get(number=case["number"])
    assert (ended.status, ended.closure) == (CaseStatus.WITHDRAWN, Closure.DEFERRAL_EXPIRED)
    assert ended.events.filter(action="deferral_expired").count() == 1
    assert Case.objects.get(number=kept["number"]).status == CaseStatus.ACCEPTED


def test_acceptance_writes_its_audit_entry_in_the_same_transaction(clients):
    case = new_case(clients.clerk)
    entry = AuditEntry.objects.get(action="cases.accept")
    assert entry.object_id == case["number"] and entry.actor == "clerk1" and entry.role == "window_clerk"


def test_a_sub_item_without_an_implementer_at_acceptance_is_refused_with_nothing_created(world):
    from onewindow.catalogue.models import Assignment

    Assignment.objects.filter(subitem=world.permit).update(valid_from=at(2025, 1, 1))
    client = ApiClient("clerk1")
    body = {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01", "M02", "M03"]}
    assert client.post("/cases", body).status_code == 422
    assert Case.objects.count() == 0


def test_services_accept_returns_the_case_and_whether_it_was_created(world):
    case, created = services.accept(
        actor=user("clerk1"), subitem="XK09901001", applicant=PERSON, materials=["M01"], idempotency_key="x"
    )
    again, created_again = services.accept(
        actor=user("clerk1"), subitem="XK09901001", applicant=PERSON, materials=["M01"], idempotency_key="x"
    )
    assert (created, created_again) == (True, False) and again.pk == case.pk
    assert case.received_at == dt.datetime(2024, 9, 27, 2, 0, tzinfo=dt.UTC)
