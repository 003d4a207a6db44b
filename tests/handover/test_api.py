"""The JSON API of handovers and seals: shapes, status codes and their order (CONTRACT.md)."""

import datetime as dt

from onewindow.catalogue.selectors import implementer
from onewindow.handover.models import Seal
from tests.conftest import ApiClient
from tests.handover.conftest import BEFORE_HANDOVER

EFFECTIVE = "2024-09-05T00:00:00+08:00"


def post_draft(api, **overrides):
    body = {
        "receiving_department": "construction",
        "subitems": ["XK00201001", "XK00201002"],
        "effective_at": EFFECTIVE,
        "terms": {
            "rights_duties": "乙方依法实施所列事项。",
            "liaison": "每周对接一次。",
            "department_contact": {"name": "王建设", "phone": "0412-5555001"},
        },
    }
    body.update(overrides)
    return api("supervisor1").post("/handovers", body)


def test_drafting_answers_201_with_the_agreement(api, catalogue):
    response = post_draft(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "draft" and isinstance(body["id"], int)
    assert body["receiving_department"] == {"code": "construction", "name": "鞍山高新区住房和城乡建设局"}
    assert [s["code"] for s in body["subitems"]] == ["XK00201001", "XK00201002"]
    assert body["effective_at"] == EFFECTIVE
    assert body["terms"]["department_contact"] == {"name": "王建设", "phone": "0412-5555001"}
    assert body["terms"]["bureau_contact"]["name"] == "刘建国"
    assert body["signatures"] == [] and body["in_effect"] is False


def test_terms_may_be_plain_text_and_whole_items_expand(api, catalogue):
    body = post_draft(api, subitems=[], items=["XK00201", "QT00301"], terms="双方按本协议办理交接。").json()
    assert body["terms"]["rights_duties"] == "双方按本协议办理交接。"
    assert len(body["subitems"]) == 3


def test_drafting_by_a_department_head_is_403_and_bad_codes_are_422(api, catalogue):
    response = api("construction-head").post(
        "/handovers", {"receiving_department": "construction", "subitems": ["X"], "effective_at": EFFECTIVE}
    )
    assert response.status_code == 403
    response = post_draft(api, receiving_department="nowhere", subitems=["NOPE"])
    assert response.status_code == 422  # well-formed codes nobody knows (400: the schema refuses it)
    assert set(response.json()["errors"]) == {"receiving_department", "subitems"}


def test_both_signatures_make_it_signed_and_move_the_implementer(api, catalogue, frozen_clock):
    agreement_id = post_draft(api).json()["id"]
    first = api("supervisor1").post(f"/handovers/{agreement_id}/sign")
    assert first.status_code == 200 and first.json()["status"] == "draft"
    second = api("construction-head").post(f"/handovers/{agreement_id}/sign")
    assert second.status_code == 200
    body = second.json()
    assert body["status"] == "signed"
    assert {s["side"] for s in body["signatures"]} == {"bureau", "department"}
    frozen_clock(dt.datetime(2024, 9, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert implementer(catalogue.permit_subs[0]) == catalogue.construction
    assert api("clerk1").get(f"/handovers/{agreement_id}").json()["in_effect"] is True


def test_signing_by_anyone_else_is_403_twice_is_409_unknown_is_404(api, catalogue):
    agreement_id = post_draft(api).json()["id"]
    for outsider in ("health-head", "construction-approver", "clerk1"):
        assert api(outsider).post(f"/handovers/{agreement_id}/sign").status_code == 403
    client = api("supervisor1")
    assert client.post(f"/handovers/{agreement_id}/sign").status_code == 200
    conflict = client.post(f"/handovers/{agreement_id}/sign")
    assert conflict.status_code == 409 and conflict["Content-Type"] == "application/problem+json"
    assert client.post("/handovers/999999/sign").status_code == 404
    assert ApiClient().post(f"/handovers/{agreement_id}/sign").status_code == 401


def test_a_third_party_on_a_signed_agreement_still_gets_403_before_409(api, catalogue):
    agreement_id = post_draft(api).json()["id"]
    api("supervisor1").post(f"/handovers/{agreement_id}/sign")
    api("construction-head").post(f"/handovers/{agreement_id}/sign")
    assert api("health-head").post(f"/handovers/{agreement_id}/sign").status_code == 403
    assert api("construction-head").post(f"/handovers/{agreement_id}/sign").status_code == 409


def test_agreements_are_readable_by_all_staff_but_not_by_administrators(api, catalogue):
    # Signed: a draft is its two parties' and the supervisor's only (test_least_privilege.py).
    agreement_id = post_draft(api).json()["id"]
    api("supervisor1").post(f"/handovers/{agreement_id}/sign")
    api("construction-head").post(f"/handovers/{agreement_id}/sign")
    for reader in ("clerk1", "health-approver", "assessor1"):
        listing = api(reader).get("/handovers").json()
        assert listing["count"] == 1 and listing["results"][0]["id"] == agreement_id
    assert api("sysadmin1").get(f"/handovers/{agreement_id}").status_code == 404


def test_editing_a_signed_agreement_is_409(api, catalogue):
    agreement_id = post_draft(api).json()["id"]
    api("supervisor1").post(f"/handovers/{agreement_id}/sign")
    api("construction-head").post(f"/handovers/{agreement_id}/sign")
    response = api("supervisor1").client.put(
        f"/api/v1/handovers/{agreement_id}",
        {"subitems": ["XK00201001"], "effective_at": EFFECTIVE},
        content_type="application/json",
        headers=api("supervisor1").headers,
    )
    assert response.status_code == 409


def test_effective_time_before_the_current_assignment_is_422(api, catalogue):
    response = post_draft(api, effective_at="2023-06-01T00:00:00+08:00")
    assert response.status_code == 422


def test_impact_preview_lists_stationed_staff_and_says_whether_cases_were_checked(api, catalogue):
    agreement_id = post_draft(api).json()["id"]
    impact = api("supervisor1").get(f"/handovers/{agreement_id}/impact").json()
    assert impact["qualified_approver_count"] == 1
    assert [s["qualified_approver"] for s in impact["stationed"]] == [True]
    assert impact["unstaffed_subitems"] == []
    assert isinstance(impact["cases"], list) and isinstance(impact["cases_available"], bool)


def test_seal_list_has_the_contract_shape(api, catalogue):
    body = api("clerk1").get("/seals", {"page_size": 100}).json()
    assert body["count"] == 16
    seal = body["results"][0]
    assert {"id", "name", "organisation", "purpose", "valid_from", "valid_to", "void", "void_reason"} <= set(
        seal
    )
    assert set(seal["organisation"]) == {"code", "name"}


def test_voiding_a_seal_is_200_then_409_and_only_for_the_supervisor(api, catalogue):
    seal = Seal.objects.get(name="高新区行政审批专用章")
    assert api("construction-head").post(f"/seals/{seal.pk}/void", {"reason": "作废"}).status_code == 403
    response = api("supervisor1").post(f"/seals/{seal.pk}/void", {"reason": "交接协议生效，旧章即行作废"})
    assert response.status_code == 200
    assert response.json()["void"] is True and response.json()["void_reason"] == "交接协议生效，旧章即行作废"
    assert api("supervisor1").post(f"/seals/{seal.pk}/void", {"reason": "再次"}).status_code == 409
    assert api("supervisor1").post("/seals/999999/void", {"reason": "x"}).status_code == 404
    assert api("clerk1").get("/seals", {"void": "true"}).json()["count"] == 1


def test_progress_counts_targeted_and_handed_over_sub_items(api, catalogue, frozen_clock):
    agreement_id = post_draft(api).json()["id"]
    api("supervisor1").post(f"/handovers/{agreement_id}/sign")
    api("construction-head").post(f"/handovers/{agreement_id}/sign")
    before = api("supervisor1").get("/handover-progress").json()
    construction = next(d for d in before["departments"] if d["department"]["code"] == "construction")
    assert construction["targeted"] == 3 and construction["handed_over"] == 0
    assert construction["agreements"] == {"drafted": 0, "signed": 1, "effective": 0}
    assert before["deadline"] == "2024-09-06" and before["days_left"] == 3
    frozen_clock(BEFORE_HANDOVER + dt.timedelta(days=2))
    after = api("supervisor1").get("/handover-progress").json()
    construction = next(d for d in after["departments"] if d["department"]["code"] == "construction")
    assert construction["handed_over"] == 2 and construction["agreements"]["effective"] == 1
    assert after["handed_over"] == 2 and after["targeted"] == 4
    assert api("clerk1").get("/handover-progress").status_code == 403


def test_impact_preview_lists_the_in_flight_cases_the_cases_context_reports(api, catalogue, monkeypatch):
    from types import SimpleNamespace

    from onewindow.handover import selectors as handover_selectors

    seen = {}

    def in_flight_cases(subitem_ids, user):
        seen["ids"] = sorted(subitem_ids)
        seen["user"] = user.username
        return [
            SimpleNamespace(
                number="2024090300001",
                status="in_review",
                subitem=catalogue.permit_subs[0],
                authority=catalogue.bureau,
                accepted_at=BEFORE_HANDOVER,
            )
        ]

    # The cases context registers its provider at start-up; this test stands in for it.
    monkeypatch.setattr(handover_selectors, "in_flight_case_providers", [in_flight_cases])
    agreement_id = post_draft(api).json()["id"]
    impact = api("supervisor1").get(f"/handovers/{agreement_id}/impact").json()
    assert seen["ids"] == sorted(s.pk for s in catalogue.permit_subs)
    assert seen["user"] == "supervisor1"  # the provider scopes the cases to the caller
    assert impact["cases_available"] is True
    assert impact["cases"][0]["number"] == "2024090300001"
    assert impact["cases"][0]["subitem"] == "XK00201001"
    assert impact["cases"][0]["authority"] == "鞍山高新区数据局"


def test_a_superseding_draft_is_201_and_a_draft_can_be_withdrawn(api, catalogue):
    client = api("supervisor1")
    agreement_id = post_draft(api).json()["id"]
    client.post(f"/handovers/{agreement_id}/sign")
    api("construction-head").post(f"/handovers/{agreement_id}/sign")
    response = client.post(
        f"/handovers/{agreement_id}/supersede",
        {"subitems": ["XK00201001"], "effective_at": "2024-09-06T00:00:00+08:00", "terms": "修订后的协议"},
    )
    assert response.status_code == 201
    new = response.json()
    assert (
        new["status"] == "draft"
        and new["supersedes"] == client.get(f"/handovers/{agreement_id}").json()["number"]
    )
    assert client.post(f"/handovers/{new['id']}/withdraw", {"reason": "暂缓"}).json()["status"] == "withdrawn"
    assert client.post(f"/handovers/{new['id']}/withdraw", {"reason": "暂缓"}).status_code == 409
