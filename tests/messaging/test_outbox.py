"""Applicants' text messages: queued at each step inside the case's transaction, delivered after the commit,
retried by `onewindow tick`, never carrying a name, an ID number or the phone itself."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from onewindow.cases import selectors as case_selectors
from onewindow.cases import services as case_services
from onewindow.core import clock, crypto
from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.messaging import services, texts
from onewindow.messaging.backends import SmsError, get_backend
from onewindow.messaging.backends.base import BaseSmsBackend, Sms
from onewindow.messaging.models import SmsKind, SmsMessage, SmsStatus
from tests.cases.conftest import COMPANY, PERSON, drive, user

STEP_KINDS = {
    "supplement_requested": [SmsKind.SUPPLEMENT],
    "accepted": [SmsKind.ACCEPTED],
    "suspended": [SmsKind.ACCEPTED, SmsKind.SUSPENDED],
    "result_ready": [SmsKind.ACCEPTED, SmsKind.RESULT_READY],
    "issued": [SmsKind.ACCEPTED, SmsKind.RESULT_READY, SmsKind.ISSUED],
}


def kinds_of(case) -> list[str]:
    return list(SmsMessage.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))


@pytest.mark.parametrize("status", list(STEP_KINDS))
def test_every_step_the_applicant_must_know_of_queues_one_message(world, status):
    case = drive(status)
    assert kinds_of(case) == STEP_KINDS[status]
    for message in SmsMessage.objects.filter(case=case):
        assert message.status == SmsStatus.QUEUED and message.attempts == 0  # delivery waits for the commit
        assert message.phone == PERSON["phone"] and message.event.case_id == case.pk
        assert case.number in message.text and message.text.startswith("【一窗通】")


def test_a_supplement_that_still_leaves_materials_missing_is_told_as_a_new_request(world):
    case = drive("supplement_requested")
    case = case_services.perform(
        actor=user("clerk1"), case=case, action="supplement", version=case.version, materials=["M02"]
    )
    assert case.status == "supplement_requested"
    assert kinds_of(case) == [SmsKind.SUPPLEMENT, SmsKind.SUPPLEMENT]
    case = case_services.perform(
        actor=user("clerk1"), case=case, action="supplement", version=case.version, materials=["M03"]
    )
    assert kinds_of(case) == [SmsKind.SUPPLEMENT, SmsKind.SUPPLEMENT, SmsKind.ACCEPTED]


def test_no_text_carries_a_name_an_id_number_or_the_phone(world):
    cases = [drive(status) for status in STEP_KINDS]
    texts_sent = list(SmsMessage.objects.values_list("text", flat=True))
    assert len(texts_sent) == sum(len(k) for k in STEP_KINDS.values())
    for text in texts_sent:
        assert PERSON["name"] not in text and PERSON["id_number"] not in text
        assert PERSON["phone"] not in text and PERSON["phone"][-4:] not in text
        digits = re.findall(r"\d{6,}", text)
        assert all(d in {c.number for c in cases} for d in digits)  # long numbers: only the case number
        assert len(text) <= 300 and re.search(r"[\u4e00-\u9fff]", text)


def test_a_landline_gets_no_text(world):
    case, _created = case_services.accept(
        actor=user("clerk1"), subitem="XK09901001", applicant=COMPANY, materials=["M01", "M02", "M03"]
    )
    assert kinds_of(case) == []


def test_the_phone_is_encrypted_at_rest(world):
    message = SmsMessage.objects.get(case=drive("accepted"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT phone FROM {SmsMessage._meta.db_table} WHERE id = %s", [message.pk])
        raw = cursor.fetchone()[0]
    assert crypto.is_encrypted(raw) and PERSON["phone"] not in raw


def test_a_rolled_back_case_change_leaves_no_message(world):
    case = drive("in_review")
    with pytest.raises(RuntimeError), transaction.atomic():
        case_services.perform(
            actor=user("construction-approver"),
            case=case,
            action="suspend",
            version=case.version,
            procedure="expert_review",
            reason="组织专家评审",
        )
        assert kinds_of(case) == [SmsKind.ACCEPTED, SmsKind.SUSPENDED]
        raise RuntimeError("the request fails after the change")
    assert kinds_of(case) == [SmsKind.ACCEPTED]
    with pytest.raises(Conflict):  # a refused change (stale version) writes nothing either
        case_services.perform(
            actor=user("construction-approver"),
            case=case,
            action="suspend",
            version=case.version - 1,
            procedure="expert_review",
            reason="组织专家评审",
        )
    assert kinds_of(case) == [SmsKind.ACCEPTED]


def test_the_message_is_delivered_after_the_commit_through_the_console_backend(
    world, settings, capsys, django_capture_on_commit_callbacks
):
    settings.ONEWINDOW_SMS_BACKEND = "console"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = drive("accepted")
    message = SmsMessage.objects.get(case=case)
    assert message.status == SmsStatus.QUEUED and capsys.readouterr().out == ""
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == SmsStatus.SENT and message.attempts == 1 and message.sent_at is not None
    out = capsys.readouterr().out
    assert message.text in out and f"SMS {message.pk} to {PERSON['phone']}" in out
    assert services.deliver(message.pk) is None  # sent once, never again


class Unreachable(BaseSmsBackend):
    calls = 0

    def send(self, sms):
        Unreachable.calls += 1
        raise SmsError("gateway unreachable: connection refused")


def tick() -> str:
    out = io.StringIO()
    call_command("tick", "--only", "messaging.sms", stdout=out)
    return out.getvalue()


def test_a_failing_backend_is_retried_by_tick_with_backoff_and_then_marked_failed(
    world, settings, frozen_clock
):
    settings.ONEWINDOW_SMS_BACKEND = "tests.messaging.test_outbox.Unreachable"
    settings.ONEWINDOW_SMS_MAX_ATTEMPTS = 3
    Unreachable.calls = 0
    message = SmsMessage.objects.get(case=drive("accepted"))
    start = clock.now()
    assert "0 sent, 0 failed for good, 1 to retry" in tick()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 1)
    assert message.last_error == "gateway unreachable: connection refused"
    assert message.next_attempt_at == start + dt.timedelta(minutes=1)
    assert "0 to retry" in tick() and Unreachable.calls == 1  # not due yet: nothing tried
    frozen_clock(start + dt.timedelta(minutes=1))
    tick()
    message.refresh_from_db()
    assert message.attempts == 2 and message.next_attempt_at == start + dt.timedelta(minutes=3)
    frozen_clock(start + dt.timedelta(minutes=3))
    assert "1 failed for good" in tick()
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (SmsStatus.FAILED, 3, None)
    frozen_clock(start + dt.timedelta(days=1))
    tick()
    assert Unreachable.calls == 3  # failed for good: no more attempts
    # The supervisor sends it again (audited); only a failed message can be.
    with pytest.raises(PermissionDenied):
        services.retry(actor=user("clerk1"), message_id=message.pk)
    services.retry(actor=user("supervisor1"), message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.QUEUED, 0)
    with pytest.raises(Conflict):
        services.retry(actor=user("supervisor1"), message_id=message.pk)
    from onewindow.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="messaging.sms.retry", actor="supervisor1").count() == 1
    settings.ONEWINDOW_SMS_BACKEND = "locmem"
    assert "1 sent" in tick()


def test_a_crashing_backend_is_recorded_not_raised(world, settings):
    settings.ONEWINDOW_SMS_BACKEND = "tests.messaging.test_outbox.Crashing"
    message = SmsMessage.objects.get(case=drive("accepted"))
    assert services.deliver(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert message.last_error.startswith("ZeroDivisionError")


class Crashing(BaseSmsBackend):
    def send(self, sms):
        return 1 / 0


@pytest.mark.parametrize("status", list(STEP_KINDS))
def test_the_public_progress_page_says_what_the_last_message_said(world, status):
    case = drive(status)
    progress = case_selectors.public_case(case.number, PERSON["phone"][-4:])
    steps = {s["label"] for s in progress["steps"]}
    for message in SmsMessage.objects.filter(case=case):
        label = texts.step_label(message.kind)
        assert label in steps and f"：{label}。" in message.text
    last = SmsMessage.objects.filter(case=case).latest("pk")
    assert progress["next_step"] and last.text.endswith(progress["next_step"])


def test_the_public_page_shows_the_next_step(world):
    from django.test import Client

    case = drive("result_ready")
    page = (
        Client()
        .post("/public/progress/", {"number": case.number, "check": PERSON["phone"][-4:]})
        .content.decode()
    )
    last = SmsMessage.objects.filter(case=case).latest("pk")
    assert 'id="next-step"' in page and last.text.split("。", 1)[1] in page


def test_the_file_backend_writes_private_files(tmp_path):
    backend = get_backend("file", file_path=tmp_path / "sms")
    name = backend.send(Sms(phone="13812345678", text="【一窗通】测试", reference="7"))
    written = tmp_path / "sms" / name
    assert "测试" in written.read_text(encoding="utf-8") and (written.stat().st_mode & 0o777) == 0o600


def test_the_file_backend_appends_one_json_line_per_message_to_the_file_of_the_day(tmp_path):
    import json

    backend = get_backend("file", file_path=tmp_path / "sms")
    names = {backend.send(Sms(phone=f"1381234567{n}", text=f"第{n}条", reference=str(n))) for n in range(3)}
    assert len(names) == 1  # one file of the day
    lines = (tmp_path / "sms" / names.pop()).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {"to": f"1381234567{n}", "text": f"第{n}条", "reference": str(n)} for n in range(3)
    ]


def test_the_http_backend_posts_json_with_the_key_and_reports_failures():
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            status = 200 if received[-1][1]["reference"] != "fail" else 503
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "gw-42"}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/send"
        backend = get_backend("http", url=url, key="k-123", timeout=5)
        assert backend.send(Sms(phone="13812345678", text="【一窗通】测试", reference="9")) == "gw-42"
        assert received[0] == (
            "Bearer k-123",
            {"to": "13812345678", "text": "【一窗通】测试", "reference": "9"},
        )
        with pytest.raises(SmsError, match="503"):
            backend.send(Sms(phone="13812345678", text="x", reference="fail"))
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(SmsError, match="unreachable"):
        get_backend("http", url=url, key="k", timeout=2).send(Sms(phone="1", text="x", reference="1"))


def test_a_misconfigured_sender_is_recorded_on_the_message(world, settings):
    settings.ONEWINDOW_SMS_BACKEND = "no.such.SmsBackend"
    message = SmsMessage.objects.get(case=drive("accepted"))
    assert services.deliver(message.pk) == SmsStatus.QUEUED
    message.refresh_from_db()
    assert "ModuleNotFoundError" in message.last_error and message.attempts == 1


def test_the_delivery_after_the_commit_claims_nothing_one_update_records_it(
    world, settings, django_capture_on_commit_callbacks
):
    """The message is queued leased to its request (its next attempt a lease ahead): the delivery after
    the commit sends and records the outcome in one statement."""
    from django.test.utils import CaptureQueriesContext

    settings.ONEWINDOW_SMS_BACKEND = "locmem"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = drive("accepted")
    message = SmsMessage.objects.get(case=case)
    assert message.next_attempt_at == message.created_at + services.LEASE and message.attempts == 0
    with CaptureQueriesContext(connection) as captured:
        for callback in callbacks:
            callback()
    statements = [q["sql"] for q in captured.captured_queries if "messaging_smsmessage" in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith("UPDATE")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.next_attempt_at) == (SmsStatus.SENT, 1, None)


def test_a_tick_elsewhere_leaves_a_leased_message_to_its_request_until_the_lease_ends(
    world, settings, frozen_clock, monkeypatch
):
    from onewindow.messaging.backends import locmem

    settings.ONEWINDOW_SMS_BACKEND = "locmem"
    frozen_clock(clock.now())
    message = SmsMessage.objects.get(case=drive("accepted"))
    start = clock.now()
    sent_before = len(locmem.outbox)
    monkeypatch.setattr(services, "_held", dict)  # another process: it holds no lease of this request
    assert "0 sent, 0 failed for good, 0 to retry" in tick()
    assert services.deliver(message.pk) is None and len(locmem.outbox) == sent_before
    # The request died after its commit, before delivering: the first tick after the lease sends it.
    frozen_clock(start + services.LEASE)
    assert "1 sent" in tick()
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1) and len(locmem.outbox) == sent_before + 1


@pytest.mark.parametrize("first", ["tick", "delivery"])
def test_the_lease_holder_sends_once_whichever_of_its_tick_and_its_delivery_comes_first(
    world, settings, django_capture_on_commit_callbacks, first
):
    from onewindow.messaging.backends import locmem

    settings.ONEWINDOW_SMS_BACKEND = "locmem"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        case = drive("accepted")
    message = SmsMessage.objects.get(case=case)
    sent_before = len(locmem.outbox)
    for step in (first, "delivery" if first == "tick" else "tick", first):
        if step == "tick":
            tick()
        else:
            for callback in callbacks:
                callback()
    assert len(locmem.outbox) == sent_before + 1 and locmem.outbox[-1].reference == str(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (SmsStatus.SENT, 1)
