"""A Bearer call of the JSON API takes the short middleware stack (no session, CSRF, messages); the answer,
its errors and its security headers are those of the whole stack, and browser calls still get it whole."""

from __future__ import annotations

import json

from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from onewindow.wsgi import application, is_bearer_api_call


def call(path: str, **headers) -> tuple[int, dict, dict | None]:
    environ = RequestFactory(SERVER_NAME="127.0.0.1").get(path, headers=headers).environ
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = int(status.split()[0]), dict(response_headers)

    # As Django's test client does: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        body = b"".join(application(environ, start_response))
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    is_json = "json" in seen["headers"].get("Content-Type", "")
    return seen["status"], seen["headers"], json.loads(body) if is_json and body else None


def test_a_bearer_call_is_answered_by_the_short_stack_like_by_the_whole_one(api):
    token = api("clerk1").headers["Authorization"]
    status, headers, body = call("/api/v1/departments", Authorization=token)
    assert status == 200 and body["count"] >= 14
    assert "Set-Cookie" not in headers and headers.get("X-Content-Type-Options") == "nosniff"
    whole = api("clerk1").get("/departments")
    assert whole.json() == body

    status, headers, body = call("/api/v1/departments", Authorization="Bearer not-a-token")
    assert status == 401 and headers["Content-Type"] == "application/problem+json"
    status, _headers, body = call("/api/v1/departments")  # no token: the whole stack, then 401
    assert status == 401


def test_only_api_calls_with_a_bearer_token_take_the_short_stack():
    factory = RequestFactory()
    assert is_bearer_api_call(factory.get("/api/v1/cases", headers={"Authorization": "Bearer abc"}))
    assert not is_bearer_api_call(factory.get("/api/v1/cases"))
    assert not is_bearer_api_call(factory.get("/cases/", headers={"Authorization": "Bearer abc"}))
