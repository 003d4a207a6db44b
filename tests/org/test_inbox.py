"""The inbox (通知中心): notifications to organisations and named people, read state per person, the page,
the API and the e-mail copies."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import transaction
from django.test import Client

from onewindow.org import notifications, services
from onewindow.org.models import Notification, NotificationRead, Organisation
from tests.conftest import ApiClient, sign_in


def user(username):
    return get_user_model().objects.select_related("staff__organisation").get(username=username)


def construction():
    return Organisation.objects.get(code="construction")


def post(**kwargs):
    values = {"kind": "cases.reminder", "title": "请加快办理", "link": "/cases/X/"}
    values.update(kwargs)
    return services.notify(**values)


def unread(username) -> int:
    from onewindow.org.selectors import unread_notification_count

    return unread_notification_count(user(username))


def test_a_notification_to_an_organisation_is_every_members_and_read_state_is_each_persons(sample_org):
    note = post(organisation=construction(), body="请于明日前办结")
    assert unread("construction-approver") == unread("construction-head") == 1
    assert unread("health-approver") == 0 and unread("clerk1") == 0
    assert services.mark_notifications_read(actor=user("construction-approver")) == 1
    assert unread("construction-approver") == 0
    assert unread("construction-head") == 1  # what one colleague read stays unread for the other
    assert NotificationRead.objects.get(notification=note).user.username == "construction-approver"
    # Marking again marks nothing new.
    assert services.mark_notifications_read(actor=user("construction-approver")) == 0


def test_a_notification_to_named_people_reaches_only_them(sample_org):
    post(users=[user("construction-head"), user("clerk1").staff], title="督办通知")
    assert unread("construction-head") == 1 and unread("clerk1") == 1
    assert unread("construction-approver") == 0 and unread("clerk2") == 0


def test_notify_keeps_its_old_arguments_and_refuses_an_unknown_kind_or_no_recipient(sample_org):
    note = services.notify(
        organisation=construction(),
        kind="catalogue.guide_published",
        title="t" * 300,
        body="b",
        link="/catalogue/",
        object_type="catalogue",
        object_id="XK1",
    )
    assert note.recipient.code == "construction" and len(note.title) == 200 and not note.users.exists()
    with pytest.raises(ValueError, match="unregistered"):
        post(organisation=construction(), kind="nobody.knows")
    with pytest.raises(ValueError, match="organisation or named users"):
        post()


def test_marking_one_read_touches_only_that_one_and_only_ones_the_reader_sees(sample_org):
    first = post(organisation=construction(), title="一")
    second = post(organisation=construction(), title="二")
    theirs = post(organisation=Organisation.objects.get(code="health"), title="卫生")
    approver = user("construction-approver")
    assert services.mark_notifications_read(actor=approver, ids=[first.pk, theirs.pk]) == 1
    assert set(NotificationRead.objects.values_list("notification_id", flat=True)) == {first.pk}
    assert unread("construction-approver") == 1 and second.pk not in NotificationRead.objects.values_list(
        "notification_id", flat=True
    )


# -- the page ----------------------------------------------------------------------------------------


def test_the_page_filters_by_state_and_kind_marks_one_read_and_links_to_the_object(sample_org):
    reminder = post(organisation=construction(), title="催办甲", link="/cases/210300202410090001/")
    post(
        organisation=construction(), kind="catalogue.guide_published", title="指南公告甲", link="/catalogue/"
    )
    client = sign_in(Client(), "construction-approver")
    page = client.get("/org/notifications/").content.decode()
    assert "催办甲" in page and "指南公告甲" in page and 'href="/cases/210300202410090001/"' in page
    assert 'id="unread-count">2<' in page  # the header's badge
    page = client.get("/org/notifications/", {"kind": "catalogue.guide_published"}).content.decode()
    assert "指南公告甲" in page and "催办甲" not in page
    answer = client.post("/org/notifications/", {"id": reminder.pk, "query": "state=unread"})
    assert answer.status_code == 302 and answer["Location"] == "/org/notifications/?state=unread"
    page = client.get("/org/notifications/", {"state": "unread"}).content.decode()
    assert "指南公告甲" in page and "催办甲" not in page and 'id="unread-count">1<' in page
    page = client.get("/org/notifications/", {"state": "read"}).content.decode()
    assert "催办甲" in page and "指南公告甲" not in page
    # Nonsense filters show everything; a nonsense id marks nothing.
    assert client.get("/org/notifications/", {"state": "x", "kind": "y", "page": "zz"}).status_code == 200
    assert client.post("/org/notifications/", {"id": "abc"}).status_code == 302
    assert unread("construction-approver") == 1


def test_the_page_speaks_chinese(sample_org):
    post(organisation=construction())
    client = sign_in(Client(), "construction-head")
    page = client.get("/org/notifications/").content.decode()
    assert "通知" in page and "全部标记为已读" in page and "催办" in page and "未读" in page


# -- the API -----------------------------------------------------------------------------------------


def test_the_api_lists_the_callers_own_notifications_paginated_and_filters_unread(api):
    reminder = post(organisation=construction(), title="催办甲")
    post(users=[user("construction-approver")], kind="catalogue.guide_published", title="给你的")
    post(organisation=Organisation.objects.get(code="health"), title="卫生")
    approver, head = api("construction-approver"), api("construction-head")
    body = approver.get("/notifications").json()
    assert set(body) == {"count", "next", "previous", "results"} and body["count"] == 2
    assert set(body["results"][0]) == {"id", "kind", "title", "at", "read", "link"}
    assert [n["title"] for n in body["results"]] == ["给你的", "催办甲"]
    assert body["results"][1] == {
        "id": reminder.pk,
        "kind": "cases.reminder",
        "title": "催办甲",
        "at": body["results"][1]["at"],
        "read": False,
        "link": "/cases/X/",
    }
    assert body["results"][1]["at"].endswith("+08:00")
    marked = approver.post(f"/notifications/{reminder.pk}/read")
    assert marked.status_code == 200 and marked.json()["read"] is True
    assert approver.post(f"/notifications/{reminder.pk}/read").status_code == 200  # idempotent
    assert [n["title"] for n in approver.get("/notifications", {"unread": "true"}).json()["results"]] == [
        "给你的"
    ]
    assert approver.get("/notifications", {"kind": "cases.reminder"}).json()["count"] == 1
    assert head.get("/notifications", {"unread": "true"}).json()["count"] == 1  # the head's copy
    assert approver.post("/notifications/read").json() == {"marked": 1}
    assert approver.get("/notifications", {"unread": "true"}).json()["count"] == 0
    assert head.get("/notifications", {"unread": "true"}).json()["count"] == 1


def test_someone_elses_notification_is_404_and_a_huge_id_is_not_a_500(api):
    theirs = post(organisation=Organisation.objects.get(code="health"))
    approver = api("construction-approver")
    response = approver.post(f"/notifications/{theirs.pk}/read")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"
    assert approver.post("/notifications/99999999999999999999999/read").status_code == 400
    assert ApiClient().get("/notifications").status_code == 401
    assert not NotificationRead.objects.exists()


def test_the_schema_declares_the_kinds_as_an_enum(api):
    schema = ApiClient().get("/schema").json()
    out = schema["components"]["schemas"]["NotificationOut"]
    assert out["properties"]["kind"]["enum"] == list(notifications.kinds())
    assert {"cases.reminder", "catalogue.guide_published"} <= set(out["properties"]["kind"]["enum"])
    assert "/api/v1/notifications/{notification_id}/read" in schema["paths"]


# -- e-mail ------------------------------------------------------------------------------------------


@pytest.fixture
def mailing(settings, sample_org):
    settings.ONEWINDOW_EMAIL_NOTIFICATIONS = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for username, address in (
        ("construction-approver", "approver@example.cn"),
        ("construction-head", "head@example.cn"),
        ("health-approver", "health@example.cn"),
    ):
        get_user_model().objects.filter(username=username).update(email=address)
    mail.outbox = []
    return settings


def test_email_copies_go_after_commit_one_to_each_recipient_with_an_address(
    mailing, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        post(organisation=construction(), title="请加快办理", body="第二天前办结")
        assert mail.outbox == []  # nothing before the commit
    assert sorted(m.to[0] for m in mail.outbox) == ["approver@example.cn", "head@example.cn"]
    message = mail.outbox[0]
    assert len(message.to) == 1 and "请加快办理" in message.subject and "一窗通" in message.subject
    assert "第二天前办结" in message.body and "http://" in message.body and "/cases/X/" in message.body


def test_a_rolled_back_notification_sends_no_email(mailing, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                post(organisation=construction())
                raise RuntimeError("the change fails")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []
    assert not Notification.objects.exists()


def test_without_email_configured_no_copy_is_sent(sample_org, settings, django_capture_on_commit_callbacks):
    settings.ONEWINDOW_EMAIL_NOTIFICATIONS = False
    get_user_model().objects.filter(username="construction-head").update(email="head@example.cn")
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        post(organisation=construction())
    assert mail.outbox == []


class BrokenMailServer:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_failing_mail_server_is_logged_and_the_notification_stays(
    mailing, django_capture_on_commit_callbacks, caplog
):
    mailing.EMAIL_BACKEND = "tests.org.test_inbox.BrokenMailServer"
    with (
        caplog.at_level(logging.ERROR, logger="onewindow.org.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        note = post(users=[user("construction-head")])
    assert Notification.objects.filter(pk=note.pk).exists()
    assert "e-mail copies of notification" in caplog.text


def test_email_settings_come_from_the_environment(monkeypatch, tmp_path):
    from onewindow import config

    monkeypatch.delenv("ONEWINDOW_EMAIL_BACKEND", raising=False)
    assert config.email(tmp_path)["ONEWINDOW_EMAIL_NOTIFICATIONS"] is False
    monkeypatch.setenv("ONEWINDOW_EMAIL_BACKEND", "smtp")
    monkeypatch.setenv("ONEWINDOW_EMAIL_SECURITY", "ssl")
    monkeypatch.setenv("ONEWINDOW_EMAIL_FROM", "yiwangtong@example.cn")
    values = config.email(tmp_path)
    assert values["ONEWINDOW_EMAIL_NOTIFICATIONS"] is True
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_PORT"] == 465 and values["EMAIL_USE_SSL"] and not values["EMAIL_USE_TLS"]
    assert values["DEFAULT_FROM_EMAIL"] == "yiwangtong@example.cn"
    monkeypatch.setenv("ONEWINDOW_EMAIL_SECURITY", "maybe")
    with pytest.raises(config.ConfigError):
        config.email(tmp_path)
