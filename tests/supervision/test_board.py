"""The supervisor's board: per department counts by level that add up to the case list they link to,
the most urgent and oldest case, reminders and orders; sortable; one click reminds a department."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.supervision import services
from tests.cases.conftest import at, drive, user
from tests.conftest import sign_in


def _listed(client, url) -> set[str]:
    return set(re.findall(r'href="/cases/(\d{19})/"', client.get(url).content.decode()))


def test_the_board_counts_what_its_links_list(world, frozen_clock, client):
    cases = [drive("in_review"), drive("accepted"), drive("accepted", subitem="XK09901003")]
    frozen_clock(at(2024, 10, 9, 9, 0))  # construction's two due 10-10: warning; health's due later
    services.remind(actor=user("supervisor1"), case=cases[0].number, message="请加快")
    supervisor = sign_in(client, "supervisor1")
    figures = {row["department"]["code"]: row for row in _api_board()}
    construction = figures["construction"]
    assert (construction["warning"], construction["overdue"], construction["normal"]) == (2, 0, 0)
    assert construction["unacknowledged"] == 1 and construction["least_remaining_days"] == 1
    assert construction["oldest_case"]["number"] == cases[0].number
    assert (figures["health"]["normal"], figures["health"]["warning"]) == (1, 0)
    page = supervisor.get("/supervision/board/").content.decode()
    link = re.search(r'data-count="warning" href="([^"]+department=construction[^"]*)"', page).group(1)
    assert _listed(supervisor, link.replace("&amp;", "&")) == {cases[0].number, cases[1].number}
    # One click: remind construction about both.
    assert supervisor.post("/supervision/board/construction/remind/").status_code == 302
    assert figures_after()["construction"]["unacknowledged"] == 2


def _api_board():
    from tests.conftest import ApiClient

    response = ApiClient("supervisor1").get("/supervision/board", {"sort": "warning"})
    assert response.status_code == 200, response.content
    return response.json()


def figures_after():
    return {row["department"]["code"]: row for row in _api_board()}


def test_the_board_is_sorted_and_its_queries_do_not_grow_with_the_cases(world, frozen_clock):
    from tests.conftest import ApiClient

    drive("in_review")
    api = ApiClient("supervisor1")
    with CaptureQueriesContext(connection) as few:
        api.get("/supervision/board")
    for _ in range(5):
        drive("accepted", subitem="XK09901003")
    with CaptureQueriesContext(connection) as many:
        rows = api.get("/supervision/board", {"sort": "normal", "order": "desc"}).json()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert rows[0]["department"]["code"] == "health" and rows[0]["normal"] == 5
    assert api.get("/supervision/board", {"sort": "nonsense"}).status_code == 400
    assert ApiClient("construction-head").get("/supervision/board").status_code == 403
