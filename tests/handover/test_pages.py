"""The HTML pages: list, draft form with its sub-item picker, detail with signing, seals, dashboard."""

from django.test import Client

from onewindow.handover.models import AgreementStatus, HandoverAgreement, Seal
from tests.conftest import sign_in


def browser(username):
    client = Client()
    sign_in(client, username)
    return client


def test_supervisor_drafts_with_the_targeted_sub_items_ticked_and_both_sign(catalogue):
    client = browser("supervisor1")
    picker = client.get("/handovers/new/subitems/", {"department": "construction"}).content.decode()
    assert picker.count("checked") == 3 and "XK00501001" in picker  # others offered, unticked
    response = client.post(
        "/handovers/new/",
        {
            "department": "construction",
            "effective_at": "2024-09-05T00:00:00",
            "subitems": ["XK00201001", "XK00201002"],
            "rights_duties": "乙方依法实施。",
            "liaison": "周例会。",
        },
    )
    agreement = HandoverAgreement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/handovers/{agreement.pk}/"
    assert agreement.effective_at.isoformat() == "2024-09-04T16:00:00+00:00"  # entered in Beijing time
    page = client.get(f"/handovers/{agreement.pk}/").content.decode()
    assert "sign-button" in page and 'id="impact"' in page
    client.post(f"/handovers/{agreement.pk}/sign/")
    head = browser("construction-head")
    head.post(f"/handovers/{agreement.pk}/sign/")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SIGNED
    page = head.get(f"/handovers/{agreement.pk}/").content.decode()
    assert page.count('class="seal"') == 2 and "sign-button" not in page


def test_a_bad_draft_shows_the_errors_and_saves_nothing(catalogue):
    response = browser("supervisor1").post(
        "/handovers/new/",
        {
            "department": "construction",
            "effective_at": "2023-01-01T00:00:00",
            "rights_duties": "x",
            "liaison": "y",
        },
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not HandoverAgreement.objects.exists()


def test_a_third_party_cannot_sign_from_the_page(catalogue, draft):
    agreement = draft()
    client = browser("health-head")
    assert "sign-button" not in client.get(f"/handovers/{agreement.pk}/").content.decode()
    assert client.post(f"/handovers/{agreement.pk}/sign/").status_code == 403
    assert not agreement.signatures.exists()


def test_pages_answer_in_chinese_for_their_roles(catalogue, draft):
    agreement = draft()
    supervisor = browser("supervisor1")
    for url in (
        "/handovers/",
        f"/handovers/{agreement.pk}/",
        "/seals/",
        "/handovers/progress/",
        "/handovers/new/",
    ):
        response = supervisor.get(url)
        assert response.status_code == 200, url
    assert "交接协议" in supervisor.get("/handovers/").content.decode()
    assert browser("clerk1").get("/handovers/progress/").status_code == 403
    pdf = browser("clerk1").get(f"/handovers/{agreement.pk}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_supervisor_voids_a_seal_from_the_registry(catalogue):
    seal = Seal.objects.get(name="高新区行政审批专用章")
    client = browser("supervisor1")
    client.post(f"/seals/{seal.pk}/void/", {"reason": "交接协议生效，旧章即行作废"})
    seal.refresh_from_db()
    assert seal.void
    assert browser("construction-head").post(f"/seals/{seal.pk}/void/", {"reason": "x"}).status_code == 403


def test_dashboard_deadline_is_configurable(catalogue):
    client = browser("supervisor1")
    assert "2024-09-06" in client.get("/handovers/progress/").content.decode()
    client.post("/handovers/progress/", {"deadline": "2024-09-20"})
    assert "2024-09-20" in client.get("/handovers/progress/").content.decode()
