"""Least privilege in the handover context: a draft is its two parties' and the supervisor's only,
and the impact preview lists postings only to those who may see the department's stationings."""

from django.test import Client

from onewindow.handover import services
from tests.conftest import sign_in
from tests.handover.conftest import user

PARTIES = ("supervisor1", "clerk1", "construction-head", "construction-approver")
OUTSIDERS = ("health-approver", "health-head", "sysadmin1")


def browser(username):
    return sign_in(Client(), username)


def test_a_draft_is_404_to_everyone_but_its_two_parties_and_the_supervisor(api, catalogue, draft):
    agreement = draft()
    for username in PARTIES:
        client = api(username)
        assert client.get(f"/handovers/{agreement.pk}").status_code == 200, username
        assert [a["id"] for a in client.get("/handovers").json()["results"]] == [agreement.pk]
    for username in OUTSIDERS:
        client = api(username)
        for path in ("", "/impact", "/pdf"):
            response = client.get(f"/handovers/{agreement.pk}{path}")
            assert response.status_code == 404, (username, path)
        assert client.get("/handovers").json()["count"] == 0
    # Signing stays 403 for a business role that is no signatory (CONTRACT.md), 404 for administrators.
    assert api("health-head").post(f"/handovers/{agreement.pk}/sign").status_code == 403
    assert api("sysadmin1").post(f"/handovers/{agreement.pk}/sign").status_code == 404
    page = browser("health-head")
    assert page.get(f"/handovers/{agreement.pk}/").status_code == 404
    assert page.get(f"/handovers/{agreement.pk}/pdf/").status_code == 404
    assert agreement.number not in page.get("/handovers/").content.decode()
    assert agreement.number in browser("construction-approver").get("/handovers/").content.decode()


def test_once_both_parties_signed_every_business_role_reads_it(api, catalogue, draft):
    agreement = draft()
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    services.sign_agreement(actor=user("construction-head"), agreement=agreement)
    for username in ("health-approver", "health-head"):
        assert api(username).get(f"/handovers/{agreement.pk}").status_code == 200
    assert api("sysadmin1").get(f"/handovers/{agreement.pk}").status_code == 404


def test_a_withdrawn_draft_stays_private_to_its_parties(api, catalogue, draft):
    agreement = draft()
    services.withdraw_draft(actor=user("supervisor1"), agreement=agreement, reason="重新起草")
    assert api("health-head").get(f"/handovers/{agreement.pk}").status_code == 404
    assert api("construction-head").get(f"/handovers/{agreement.pk}").status_code == 200


def test_the_impact_preview_lists_postings_only_to_the_department_and_the_supervisor(api, catalogue, draft):
    agreement = draft()
    for username in ("supervisor1", "construction-head"):
        impact = api(username).get(f"/handovers/{agreement.pk}/impact").json()
        assert [s["name"] for s in impact["stationed"]] == ["住建局审批员"], username
        assert impact["qualified_approver_count"] == 1
    impact = api("clerk1").get(f"/handovers/{agreement.pk}/impact").json()
    assert impact["stationed"] == [] and impact["qualified_approver_count"] == 1
    assert impact["unstaffed_subitems"] == []
    page = browser("clerk1").get(f"/handovers/{agreement.pk}/").content.decode()
    assert "LN-SP-" not in page
    assert "LN-SP-" in browser("construction-head").get(f"/handovers/{agreement.pk}/").content.decode()
