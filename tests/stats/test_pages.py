"""The statistics page (tables, drill-down links to the cases list, chart data), its .xlsx export with
the same numbers, and the lobby screen: public, aggregates only."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from django.test import Client
from openpyxl import load_workbook

from onewindow.cases.models import Case
from onewindow.stats import selectors
from tests.cases.conftest import COMPANY, PERSON, at, drive, user
from tests.conftest import sign_in


@pytest.fixture
def history(world, frozen_clock):
    drive("issued")
    frozen_clock(at(2024, 9, 30, 10, 0))
    drive("accepted")
    drive("rejected", applicant=COMPANY)
    drive("accepted", subitem="XK09901003")
    frozen_clock(at(2024, 11, 20, 10, 0))  # the accepted construction case is overdue now


def _page(username, **params):
    client = sign_in(Client(), username)
    return client, client.get("/stats/", {"from": "2024-09-01", "to": "2024-11-30", **params})


def test_the_page_shows_the_figures_with_links_to_the_cases_they_count(history):
    client, response = _page("supervisor1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "办件统计" in html and "受理" in html
    links = [unescape(h) for h in re.findall(r'href="(/cases/\?[^"]+)"', html)]
    assert links, "every non-zero figure is a link"
    for link in links:
        listed = client.get(link)
        assert listed.status_code == 200
    # the construction row's accepted figure lists exactly its two accepted cases
    accepted = next(
        link for link in links if "figure=accepted&" in link and "figure_key=construction" in link
    )
    listed = client.get(accepted).content.decode()
    numbers = set(re.findall(r"21\d{3}0\d{13}", listed))
    expected = set(Case.objects.filter(authority__code="construction").values_list("number", flat=True))
    assert numbers == expected
    data = json.loads(re.search(r'id="stats-chart-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert data["months"] == ["2024-09"] and data["accepted"] == [3]


def test_a_department_head_sees_their_department_and_the_clerk_is_refused(history):
    _client, response = _page("construction-head")
    assert response.status_code == 200
    assert "卫健" not in response.content.decode().split('id="stats-table"')[1]
    _client, other = _page("construction-head", department="health")
    assert other.status_code == 403
    clerk = sign_in(Client(), "clerk1")
    assert clerk.get("/stats/").status_code == 403


def test_bad_dates_say_why_and_change_nothing(history):
    _client, response = _page("supervisor1", to="2024-01-01")
    assert response.status_code == 422
    assert "结束日期早于开始日期" in response.content.decode()


def test_the_export_holds_the_same_numbers_as_the_page(history):
    client = sign_in(Client(), "supervisor1")
    params = {"from": "2024-09-01", "to": "2024-11-30", "by": "subitem"}
    response = client.get("/stats/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    tables = selectors.page_tables(
        user("supervisor1"), date_from="2024-09-01", date_to="2024-11-30", by="subitem"
    )
    from onewindow.stats.export import columns

    figures = [figure for figure, _heading in columns()]
    for sheet, rows in zip(
        book.worksheets[:3], (tables.rows, tables.by_month, tables.by_department), strict=True
    ):
        values = list(sheet.iter_rows(values_only=True))
        body = values[1:-1]
        assert [row[0] or None for row in body] == [row["key"] for row in rows]
        for got, row in zip(body, rows, strict=True):
            assert list(got[2:]) == [row[f] for f in figures]
        total = selectors.totals(rows)
        assert list(values[-1][2:]) == [total[f] for f in figures]
    assert sum(r["accepted"] for r in tables.rows) == 3


def test_the_lobby_screen_needs_no_login_and_shows_no_personal_data(history):
    people = [PERSON, COMPANY]
    page = Client().get("/lobby/")
    data = Client().get("/api/v1/public/lobby")
    assert page.status_code == 200 and data.status_code == 200
    text = page.content.decode() + data.content.decode()
    assert "今日受理" in page.content.decode()
    body = data.json()
    assert body["in_progress"] == 2 and body["departments"]
    for case in Case.objects.all():
        for secret in (case.applicant_name, case.applicant_id_number, case.applicant_phone):
            assert secret not in text
            assert secret[-4:] not in re.sub(r"\d{4}-\d{2}-\d{2}", "", text) or not secret[-4:].isdigit()
    for person in people:
        assert person["name"] not in text and person["id_number"] not in text and person["phone"] not in text
    assert "<script>" not in page.content.decode()  # no inline script (CSP)


def test_the_lobby_is_rate_limited_like_the_other_public_pages(history, settings):
    settings.ONEWINDOW_PUBLIC_RATE_LIMIT = 2
    client = Client()
    assert [client.get("/api/v1/public/lobby").status_code for _ in range(3)] == [200, 200, 429]
    assert client.get("/lobby/").status_code == 429
