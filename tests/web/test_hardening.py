"""Web hardening: forged Host, problem+json for every API error, no caching of data, the CSP, TLS settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import sign_in


def test_a_forged_host_header_is_refused_on_pages_and_the_api(db):
    page = Client().get("/accounts/login/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    api = Client().get("/api/v1/departments", HTTP_HOST="evil.example")
    assert api.status_code == 400
    assert api["Content-Type"] == "application/problem+json"
    assert api.json()["status"] == 400


def test_the_public_url_host_and_the_local_names_are_allowed(settings):
    assert "127.0.0.1" in settings.ALLOWED_HOSTS
    assert "localhost" in settings.ALLOWED_HOSTS
    assert "*" not in settings.ALLOWED_HOSTS


def test_a_wrong_method_under_the_api_is_405_problem_json(api):
    response = api("supervisor1").client.delete("/api/v1/departments")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"
    assert "GET" in response["Allow"]
    assert response.json()["status"] == 405


def test_an_unknown_api_path_is_404_problem_json(db):
    response = Client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_an_oversized_json_body_is_413_problem_json(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = api("clerk1")
    body = {"subitem": "X", "applicant": {"kind": "person", "name": "张" * 20_000}, "materials": []}
    response = client.post("/cases", body, **{"Idempotency-Key": "big"})
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_data_pages_and_api_answers_are_never_cached(api):
    client = api("supervisor1")
    response = client.get("/departments")
    assert "no-store" in response["Cache-Control"]
    browser = sign_in(Client(), "supervisor1")
    assert "no-store" in browser.get("/")["Cache-Control"]
    # the headers Django's add_never_cache_headers gives a bare response, written without it
    from django.http import HttpResponse
    from django.utils.cache import add_never_cache_headers

    django_own = HttpResponse()
    add_never_cache_headers(django_own)
    assert response["Cache-Control"] == django_own["Cache-Control"]
    assert response["Expires"][-4:] == django_own["Expires"][-4:] == " GMT"


def test_pages_carry_a_strict_content_security_policy_and_no_inline_script(sample_org):
    browser = sign_in(Client(), "clerk1")
    response = browser.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "<script>" not in html
    assert 'name="htmx-config"' in html


def test_no_template_has_inline_script_or_event_handler_attributes():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "onewindow"
    offenders = []
    for template in root.rglob("templates/**/*.html"):
        if "/pdf" in str(template) or template.name.endswith("_pdf.html"):
            continue  # rendered by WeasyPrint, never by a browser
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", text):
            offenders.append(f"{template}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", text) or "hx-on" in text:
            offenders.append(f"{template}: on* handler")
    assert offenders == []


def _settings_under(env: dict) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k, None) for k in ("
        "'ALLOWED_HOSTS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS', "
        "'SECURE_PROXY_SSL_HEADER', 'SECURE_SSL_REDIRECT', 'ONEWINDOW_PUBLIC_URL')}))"
    )
    full = {**os.environ, "DJANGO_SETTINGS_MODULE": "onewindow.settings", **env}
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("proxy", ["", "1"])
def test_an_https_public_url_makes_cookies_secure_and_sends_hsts(proxy, tmp_path):
    values = _settings_under(
        {
            "ONEWINDOW_PUBLIC_URL": "https://zwfw.gxq.anshan.gov.cn",
            "ONEWINDOW_BEHIND_PROXY": proxy,
            "ONEWINDOW_ALLOWED_HOSTS": "10.0.0.5",
            "ONEWINDOW_DATA_DIR": str(tmp_path),
        }
    )
    assert values["ALLOWED_HOSTS"][:3] == ["zwfw.gxq.anshan.gov.cn", "127.0.0.1", "localhost"]
    assert "10.0.0.5" in values["ALLOWED_HOSTS"]
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    if proxy:
        assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
        assert values["SECURE_SSL_REDIRECT"] is True


def test_a_plain_http_public_url_keeps_cookies_usable_without_tls(tmp_path):
    values = _settings_under({"ONEWINDOW_PUBLIC_URL": "", "ONEWINDOW_DATA_DIR": str(tmp_path)})
    assert values["ONEWINDOW_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert values["SESSION_COOKIE_SECURE"] is False
    assert not values["SECURE_HSTS_SECONDS"]


def test_hsts_is_sent_on_a_request_the_proxy_marks_https(sample_org, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_nul_character_anywhere_in_an_api_request_is_400(api):
    client = api("supervisor1")
    in_query = client.get("/subitems", {"q": "a\x00b"})
    in_path = client.get("/cases/21030\x00")
    in_body = client.post("/cases/x/reminders", {"message": "a\x00b"})
    for response in (in_query, in_path, in_body):
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
