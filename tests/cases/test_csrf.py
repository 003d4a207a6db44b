"""The JSON API with the browser's session cookie needs the CSRF token; a Bearer call needs none."""

from __future__ import annotations

from django.test import Client

from onewindow.supervision.models import Reminder
from tests.cases.conftest import new_case
from tests.conftest import sign_in


def _browser(username: str) -> Client:
    return sign_in(Client(enforce_csrf_checks=True), username)


def test_a_cross_site_text_plain_post_with_the_session_cookie_makes_no_reminder(clients):
    case = new_case(clients.clerk)
    browser = _browser("supervisor1")
    # What a page on another site can make the browser send: a simple request, no custom header.
    response = browser.post(
        f"/api/v1/cases/{case['number']}/reminders",
        '{"message": "forged"}',
        content_type="text/plain",
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/x"},
    )
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "csrf_failed"
    assert not Reminder.objects.filter(message="forged").exists()


def test_the_same_post_with_the_csrf_token_of_the_session_works(clients):
    case = new_case(clients.clerk)
    browser = _browser("supervisor1")
    browser.get("/")  # the page sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/api/v1/cases/{case['number']}/reminders",
        {"message": "请加快"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 201, response.content


def test_a_session_get_needs_no_token_and_a_bearer_post_needs_none(clients):
    case = new_case(clients.clerk)
    assert _browser("supervisor1").get(f"/api/v1/cases/{case['number']}").status_code == 200
    response = clients.supervisor.post(f"/cases/{case['number']}/reminders", {"message": "请加快"})
    assert response.status_code == 201
