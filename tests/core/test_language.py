"""The hall's language is Simplified Chinese whatever the browser says."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("accept_language", ["en-US,en;q=0.9", "de-DE", "zh-TW", ""])
def test_an_english_browser_gets_the_chinese_login_page(client, accept_language):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=accept_language)
    page = response.content.decode()
    assert response.status_code == 200
    assert "登录" in page
    assert 'lang="zh-hans"' in page or 'lang="zh-Hans"' in page


@pytest.mark.django_db
def test_an_english_browser_gets_chinese_api_errors(client):
    response = client.get("/api/v1/departments", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 401
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"] + response.json()["title"])
