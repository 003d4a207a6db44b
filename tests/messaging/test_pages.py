"""The supervisor's outbox page: masked phones, filters, the retry button and the CSV export."""

from __future__ import annotations

from django.test import Client

from onewindow.messaging.models import SmsMessage, SmsStatus
from tests.cases.conftest import PERSON, drive
from tests.conftest import sign_in


def test_the_supervisor_sees_the_outbox_with_masked_phones_and_filters_by_status(world):
    case = drive("issued")
    SmsMessage.objects.filter(case=case, kind="issued").update(
        status=SmsStatus.FAILED, attempts=5, last_error="gateway answered 503", next_attempt_at=None
    )
    client = sign_in(Client(), "supervisor1")
    page = client.get("/messaging/outbox/").content.decode()
    assert case.number in page and "138****5678" in page and PERSON["phone"] not in page
    assert "短信" in page and "失败" in page and "gateway answered 503" in page
    failed = client.get("/messaging/outbox/", {"status": "failed"}).content.decode()
    assert failed.count('data-status="failed"') == 1 and 'data-status="queued"' not in failed
    assert client.get("/messaging/outbox/", {"status": "nonsense", "page": "x"}).status_code == 200
    message = SmsMessage.objects.get(case=case, kind="issued")
    answer = client.post(f"/messaging/outbox/{message.pk}/retry/")
    assert answer.status_code == 302
    message.refresh_from_db()
    assert message.status == SmsStatus.QUEUED and message.attempts == 0
    # Again: refused with a message, nothing changes.
    assert client.post(f"/messaging/outbox/{message.pk}/retry/").status_code == 302
    assert client.post("/messaging/outbox/999999/retry/").status_code == 404


def test_the_export_is_a_csv_with_masked_phones(world):
    case = drive("accepted")
    client = sign_in(Client(), "supervisor1")
    response = client.get("/messaging/outbox.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert case.number in body and "138****5678" in body and PERSON["phone"] not in body
    assert body.splitlines()[0].startswith("排队时间")


def test_the_outbox_is_the_supervisors_only(world):
    for username in ("clerk1", "construction-approver", "auditor1"):
        assert sign_in(Client(), username).get("/messaging/outbox/").status_code == 403


def test_the_outbox_api_lists_masked_phones_filters_and_is_the_supervisors_only(world):
    from tests.conftest import ApiClient

    accepted, issued = drive("accepted"), drive("issued")
    SmsMessage.objects.filter(case=issued, kind="issued").update(
        status=SmsStatus.FAILED, attempts=5, last_error="gateway answered 503", next_attempt_at=None
    )
    api = ApiClient("supervisor1")
    body = api.get("/sms", {"page_size": 100}).json()
    assert body["count"] == SmsMessage.objects.count() > 2
    assert all(row["phone"] == "138****5678" for row in body["results"])
    assert PERSON["phone"] not in str(body)
    failed = api.get("/sms", {"status": "failed"}).json()["results"]
    assert [(m["case"], m["kind"], m["last_error"]) for m in failed] == [
        (issued.number, "issued", "gateway answered 503")
    ]
    mine = api.get("/sms", {"case": accepted.number}).json()["results"]
    assert {m["case"] for m in mine} == {accepted.number} and mine[0]["kind"] == "accepted"
    assert api.get("/sms", {"status": "nonsense"}).status_code == 400
    refused = ApiClient("construction-head").get("/sms")
    assert refused.status_code == 403 and refused["Content-Type"].startswith("application/problem+json")
