"""好差评: the applicant rates an issued case once; a 差评 opens a rectification the department answers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification
from onewindow.ratings import selectors, services
from onewindow.ratings.models import Rating, Rectification
from onewindow.workdays import arithmetic
from tests.cases.conftest import PERSON, drive, user
from tests.conftest import sign_in

CHECK = PERSON["phone"][-4:]


def rate(client, number, **body):
    return client.post(f"/public/cases/{number}/rating", {"check": CHECK, "level": 5, "comment": "", **body})


def test_the_applicant_rates_an_issued_case_once(world, clients):
    case = drive("issued")
    response = rate(clients.anonymous, case.number, level=5, comment="服务热情")
    assert response.status_code == 201, response.content
    assert response.json()["grade"] == "good"
    assert response.json()["level_label"] == "Very satisfied" or response.json()["level"] == 5
    rating = Rating.objects.get(case=case)
    assert (rating.level, rating.channel, rating.comment) == (5, "online", "服务热情")
    assert rating.department == world.construction
    assert rating.clerk.username == "clerk1" and rating.issuer.username == "issuer1"
    assert rating.approver.username == "construction-approver"
    assert AuditEntry.objects.filter(action="ratings.rate", object_id=str(rating.pk)).count() == 1
    again = rate(clients.anonymous, case.number, level=1)
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert Rating.objects.get(case=case).level == 5
    assert not Rectification.objects.exists()


def test_before_issuance_is_409_and_a_wrong_check_is_404(world, clients):
    case = drive("result_ready")
    assert rate(clients.anonymous, case.number).status_code == 409
    issued = drive("issued")
    assert rate(clients.anonymous, issued.number, check="0000").status_code == 404
    assert rate(clients.anonymous, "210300209901010000").status_code == 404
    for level in (0, 6, "x"):
        response = rate(clients.anonymous, issued.number, level=level)
        assert response.status_code == 400, level
    assert rate(clients.anonymous, issued.number, comment="长" * 501).status_code == 400
    assert not Rating.objects.exists()


def test_the_public_rating_is_rate_limited_like_the_progress_query(world, clients, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 3
    case = drive("issued")
    statuses = [rate(clients.anonymous, case.number, check="0000").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_a_bad_rating_opens_a_rectification_that_closes_with_the_departments_reply(world, clients):
    case = drive("issued")
    assert rate(clients.anonymous, case.number, level=2, comment="等候时间太长").status_code == 201
    item = Rectification.objects.get(rating__case=case)
    assert item.department == world.construction and item.status == "open"
    assert item.deadline == arithmetic.add_workdays(dt.date(2024, 9, 27), 15, region=world.region)
    note = Notification.objects.get(kind="ratings.rectification")
    assert note.recipient == world.construction and case.number in note.title

    path = f"/rectifications/{item.pk}"
    # Another department does not see it; a clerk neither; the supervisor cannot reply for them.
    assert clients.other_approver.post(path + "/reply", {"reply": "x", "measures": "y"}).status_code == 404
    assert clients.clerk.get(path).status_code == 404
    assert clients.supervisor.post(path + "/reply", {"reply": "x", "measures": "y"}).status_code == 403
    assert clients.supervisor.post(path + "/close", {}).status_code == 409  # no reply yet
    assert clients.approver.post(path + "/reply", {"reply": "", "measures": "y"}).status_code == 400

    replied = clients.approver.post(
        path + "/reply", {"reply": "已向您致歉", "measures": "增设周末窗口", "version": item.version}
    )
    assert replied.status_code == 200, replied.content
    assert replied.json()["status"] == "replied" and replied.json()["replied_late"] is False
    assert clients.approver.post(path + "/reply", {"reply": "a", "measures": "b"}).status_code == 409
    followed = clients.supervisor.post(path + "/follow-up", {"result": "申请人表示满意", "satisfied": True})
    assert followed.status_code == 200 and followed.json()["status"] == "followed_up"
    closed = clients.supervisor.post(path + "/close", {"note": "整改到位"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    item.refresh_from_db()
    assert (item.reply, item.measures, item.applicant_satisfied) == ("已向您致歉", "增设周末窗口", True)
    actions = list(
        AuditEntry.objects.filter(object_type="ratings.rectification", object_id=str(item.pk))
        .order_by("seq", "id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "ratings.rectification.open",
        "ratings.rectification.reply",
        "ratings.rectification.follow_up",
        "ratings.rectification.close",
    ]
    assert clients.head.get("/rectifications", {"status": "closed"}).json()["count"] == 1
    assert clients.other_approver.get("/rectifications").json()["count"] == 0


def test_an_unanswered_rectification_is_overdue_after_its_deadline(world, clients, frozen_clock):
    case = drive("issued")
    rate(clients.anonymous, case.number, level=1)
    item = Rectification.objects.get()
    frozen_clock(dt.datetime.combine(item.deadline + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC))
    body = clients.supervisor.get(f"/rectifications/{item.pk}").json()
    assert body["overdue"] is True
    summary = selectors.rectification_summary(Rectification.objects.all())
    assert (summary["opened"], summary["open"], summary["overdue"]) == (1, 1, 1)
    replied = services.reply(actor=user("construction-head"), rectification=item, reply="抱歉", measures="改")
    assert replied.replied_late
    assert selectors.rectification_summary(Rectification.objects.all())["late_replies"] == 1


def test_the_window_records_a_rating_given_at_the_counter(world, clients):
    case = drive("issued")
    assert clients.approver.post(f"/cases/{case.number}/rating", {"level": 4}).status_code == 403
    assert clients.other_approver.post(f"/cases/{case.number}/rating", {"level": 4}).status_code == 404
    response = clients.issuer.post(f"/cases/{case.number}/rating", {"level": 4, "comment": "现场评价"})
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "counter"
    assert Rating.objects.get(case=case).recorded_by.username == "issuer1"
    assert rate(clients.anonymous, case.number).status_code == 409  # once per case, whatever the channel


def test_counts_per_department_staff_and_month(world, clients):
    cases = [drive("issued") for _ in range(4)]
    for case, level in zip(cases, (5, 4, 3, 1), strict=True):
        assert rate(clients.anonymous, case.number, level=level).status_code == 201
    qs = selectors.ratings_in(date_from=dt.date(2024, 9, 1), date_to=dt.date(2024, 9, 30))
    total = selectors.summary(qs)
    assert (total["total"], total["good"], total["neutral"], total["bad"]) == (4, 2, 1, 1)
    assert total["levels"] == {1: 1, 2: 0, 3: 1, 4: 1, 5: 1}
    assert total["average"] == 3.25 and total["good_rate"] == 0.5
    (row,) = selectors.counts(qs, by="department")
    assert row["key"] == world.construction.pk and row["total"] == 4
    (row,) = selectors.counts(qs, by="clerk")
    assert row["key"] == user("clerk1").pk and row["bad"] == 1
    (row,) = selectors.counts(qs, by="month")
    assert row["key"] == "2024-09"
    assert selectors.summary(selectors.of_staff(qs, user("issuer1").pk, roles=("issuer",)))["total"] == 4
    assert selectors.summary(selectors.ratings_in(date_from=dt.date(2024, 10, 1)))["total"] == 0
    # Scopes of the list: the supervisor all, the department its own, a clerk the cases they served.
    assert clients.supervisor.get("/ratings").json()["count"] == 4
    assert clients.approver.get("/ratings").json()["count"] == 4
    assert clients.other_approver.get("/ratings").json()["count"] == 0
    assert clients.clerk2.get("/ratings").json()["count"] == 0
    assert clients.clerk.get("/ratings", {"grade": "bad"}).json()["count"] == 1


# -- the pages ---------------------------------------------------------------------------------------


def test_the_public_progress_page_offers_the_rating_form_under_an_issued_case(world):
    case = drive("issued")
    client = Client()
    page = client.post("/public/progress/", {"number": case.number, "check": CHECK})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="rating-form"' in html and "非常满意" in html
    done = client.post(
        "/public/rating/", {"number": case.number, "check": CHECK, "level": "2", "comment": "材料被要求多次"}
    )
    assert done.status_code == 200 and "不满意" in done.content.decode()
    assert Rectification.objects.filter(rating__case=case).exists()
    again = client.post("/public/progress/", {"number": case.number, "check": CHECK}).content.decode()
    assert 'id="rating-form"' not in again and 'id="rating-given"' in again
    twice = client.post("/public/rating/", {"number": case.number, "check": CHECK, "level": "5"})
    assert twice.status_code == 409
    wrong = client.post("/public/rating/", {"number": case.number, "check": "0000", "level": "5"})
    assert wrong.status_code == 404


def test_no_form_before_issuance(world):
    case = drive("result_ready")
    html = Client().post("/public/progress/", {"number": case.number, "check": CHECK}).content.decode()
    assert 'id="rating-form"' not in html


def test_the_department_replies_and_the_supervisor_closes_on_the_pages(world, clients):
    case = drive("issued")
    rate(clients.anonymous, case.number, level=1, comment="态度差")
    item = Rectification.objects.get()
    approver = sign_in(Client(), "construction-approver")
    page = approver.get(f"/rectifications/{item.pk}/").content.decode()
    assert 'id="reply-form"' in page and "态度差" in page
    assert approver.get("/rectifications/").status_code == 200
    response = approver.post(
        f"/rectifications/{item.pk}/reply/", {"reply": "已致歉", "measures": "开展服务培训", "version": "1"}
    )
    assert response.status_code == 302
    supervisor = sign_in(Client(), "supervisor1")
    assert supervisor.post(f"/rectifications/{item.pk}/close/", {}).status_code == 409
    assert (
        supervisor.post(
            f"/rectifications/{item.pk}/follow-up/", {"result": "满意", "satisfied": "yes"}
        ).status_code
        == 302
    )
    assert supervisor.post(f"/rectifications/{item.pk}/close/", {"note": ""}).status_code == 302
    item.refresh_from_db()
    assert item.status == "closed"
    listing = supervisor.get("/ratings/").content.decode()
    assert "态度差" in listing and 'id="by-department"' in listing


def test_a_clerk_records_a_counter_rating_on_the_page(world):
    case = drive("issued")
    clerk = sign_in(Client(), "clerk1")
    assert clerk.get("/ratings/counter/").status_code == 200
    response = clerk.post("/ratings/counter/", {"number": case.number, "level": "5"})
    assert response.status_code == 302
    again = clerk.post("/ratings/counter/", {"number": case.number, "level": "5"})
    assert again.status_code == 409 and 'id="counter-error"' in again.content.decode()


@pytest.mark.parametrize("level,grade", [(5, "good"), (4, "good"), (3, "neutral"), (2, "bad"), (1, "bad")])
def test_levels_map_to_good_neutral_and_bad(level, grade):
    from onewindow.ratings.models import grade_of

    assert grade_of(level) == grade
