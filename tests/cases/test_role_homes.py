"""Each role's home shows today's counts, each a link to the list it counts, in a handful of queries;
the lists say working days, show a finished case's outcome, and keep the approver's queue to the
department's back-office work."""

from __future__ import annotations

import re

from django.test import Client

from onewindow.supervision import services as supervision_services
from tests.cases.conftest import at, drive, user
from tests.conftest import DEMO_PASSWORD, sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def counts(page: str) -> dict[str, int]:
    """{count name: n} of the home's tiles."""
    found = re.findall(r'data-count="(\w+)">\s*<span class="tile-count">(\d+)</span>', page)
    return {name: int(n) for name, n in found}


def numbers_listed(client: Client, url: str) -> set[str]:
    page = client.get(url).content.decode()
    return set(re.findall(r'data-number="([^"]+)"', page))


def tile_url(page: str, name: str) -> str:
    url = re.search(rf'href="([^"]+)" data-count="{name}"', page).group(1)
    return url.replace("&amp;", "&")


def test_the_window_clerks_home_counts_todays_work_and_links_to_it(world):
    mine = [drive("accepted"), drive("accepted", deferred=True)]
    waiting = drive("supplement_requested")
    clerk = signed_in("clerk1")
    page = clerk.get("/").content.decode()
    assert counts(page) == {"accepted_today_mine": 2, "supplement": 1, "deferred_due": 1}
    assert numbers_listed(clerk, tile_url(page, "accepted_today_mine")) == {c.number for c in mine}
    assert numbers_listed(clerk, tile_url(page, "supplement")) == {waiting.number}
    assert numbers_listed(clerk, tile_url(page, "deferred_due")) == {mine[1].number}
    # Another clerk accepted nothing today.
    assert counts(signed_in("clerk2").get("/").content.decode())["accepted_today_mine"] == 0


def test_the_approvers_home_counts_the_queue_levels_and_unread_reminders(world, frozen_clock):
    to_claim = drive("accepted")
    review = drive("in_review")
    drive("supplement_requested")  # still at the window: not the department's work
    drive("accepted", subitem="XK09901003")  # health's
    approver = signed_in("construction-approver")
    page = approver.get("/").content.decode()
    assert counts(page) == {
        "to_claim": 1,
        "in_review": 1,
        "suspended": 0,
        "warning": 0,
        "overdue": 0,
        "unread_notifications": 0,
    }
    assert numbers_listed(approver, tile_url(page, "to_claim")) == {to_claim.number}
    # Due 2024-10-10: on the 9th both are near the limit; on the 14th both overdue.
    frozen_clock(at(2024, 10, 9, 9, 0))
    assert counts(approver.get("/").content.decode())["warning"] == 2
    frozen_clock(at(2024, 10, 14, 9, 0))
    supervision_services.remind(actor=user("supervisor1"), case=review.number, message="请尽快办理")
    page = approver.get("/").content.decode()
    assert counts(page)["overdue"] == 2 and counts(page)["unread_notifications"] == 1
    assert numbers_listed(approver, tile_url(page, "overdue")) == {to_claim.number, review.number}
    assert 'id="unread-count">1<' in page  # the header's badge
    # Reading the reminder clears the reader's badge; read state is each person's own (issue 9), so the
    # head's copy stays unread until the head reads it too.
    notifications = approver.get("/org/notifications/").content.decode()
    assert "请尽快办理" in notifications
    assert approver.post("/org/notifications/").status_code == 302
    page = approver.get("/").content.decode()
    assert counts(page)["unread_notifications"] == 0 and 'id="unread-count"' not in page
    head = signed_in("construction-head")
    assert counts(head.get("/").content.decode())["unread_notifications"] == 1
    assert head.post("/org/notifications/").status_code == 302
    page = head.get("/").content.decode()
    assert counts(page)["unread_notifications"] == 0 and 'id="unread-count"' not in page


def test_the_issuing_clerks_home_flags_results_waiting_beyond_article_44(world, frozen_clock):
    ready = drive("result_ready")
    issuer = signed_in("issuer1")
    assert counts(issuer.get("/").content.decode()) == {"waiting": 1, "issue_late": 0, "issued_today": 0}
    frozen_clock(at(2024, 10, 30, 9, 0))  # more than 10 working days after the decision
    page = issuer.get("/").content.decode()
    assert counts(page)["issue_late"] == 1
    assert numbers_listed(issuer, tile_url(page, "issue_late")) == {ready.number}


def test_the_supervisors_home_counts_today_and_levels_by_department(world, frozen_clock):
    drive("accepted")
    drive("issued")
    drive("accepted", subitem="XK09901003")
    supervisor = signed_in("supervisor1")
    page = supervisor.get("/").content.decode()
    found = counts(page)
    assert found["accepted_today"] == 3 and found["completed_today"] == 1
    frozen_clock(at(2024, 10, 14, 9, 0))  # construction's case due 10-10, health's (10 days) 10-16
    page = supervisor.get("/").content.decode()
    assert counts(page)["overdue"] == 1 and counts(page)["warning"] == 1
    assert 'data-department="construction"' in page and 'data-department="health"' in page
    assert "level=overdue&amp;department=construction" in page
    assert "level=warning&amp;department=health" in page


def test_the_home_needs_a_handful_of_queries(world, django_assert_max_num_queries):
    for _ in range(3):
        drive("in_review")
    for username in ("clerk1", "construction-approver", "issuer1", "supervisor1", "auditor1"):
        client = signed_in(username)
        with django_assert_max_num_queries(9):
            assert client.get("/").status_code == 200


def test_every_page_has_the_roles_navigation_bar(world):
    page = signed_in("construction-approver").get("/cases/").content.decode()
    nav = re.search(r'<nav class="mainnav.*?</nav>', page, re.S).group(0)
    assert 'href="/cases/"' in nav and 'href="/handovers/"' in nav
    assert "/desk/accept/" not in nav  # a window clerk's page


def test_the_home_of_the_administrators_and_the_office_says_what_they_do(world):
    page = signed_in("auditor1").get("/").content.decode()
    assert 'data-role="auditor"' in page and "审计" in page
    page = signed_in("assessor1").get("/").content.decode()
    assert 'data-role="assessment_office"' in page and "/catalogue/" in page


def test_lists_count_working_days_and_show_the_outcome_of_finished_cases(world, frozen_clock):
    running = drive("accepted")
    issued = drive("issued")
    rejected = drive("rejected")
    page = signed_in("supervisor1").get("/cases/", {"status": "all"}).content.decode()
    row = re.search(rf'data-number="{running.number}".*?</tr>', page, re.S).group(0)
    assert "5 个工作日" in row and "天" not in row
    row = re.search(rf'data-number="{issued.number}".*?</tr>', page, re.S).group(0)
    assert "已办结·按时" in row and "正常" not in row and "个工作日" not in row
    row = re.search(rf'data-number="{rejected.number}".*?</tr>', page, re.S).group(0)
    assert "不予受理" in row and "正常" not in row


def test_the_approvers_queue_leaves_cases_still_at_the_window_out(world):
    waiting = drive("supplement_requested")
    accepted = drive("accepted")
    approver = signed_in("construction-approver")
    listed = numbers_listed(approver, "/cases/?status=all")
    assert accepted.number in listed and waiting.number not in listed
    assert waiting.number not in numbers_listed(approver, "/cases/?status=supplement_requested")
    # The hall still sees it.
    assert waiting.number in numbers_listed(signed_in("clerk1"), "/cases/")


def test_the_staff_page_names_roles_in_chinese(world):
    page = signed_in("supervisor1").get("/org/staff/").content.decode()
    assert "综合受理窗口" in page or "受理" in page
    assert ">window_clerk<" not in page and ">approver<" not in page


def test_the_issue_slip_button_has_no_stray_character(world):
    ready = drive("result_ready")
    issuer = signed_in("issuer1")
    issuer.post(
        f"/cases/{ready.number}/actions/issue/",
        {"version": ready.version, "method": "pickup", "next": "desk"},
    )
    page = issuer.get("/issue/").content.decode()
    label = re.search(r'data-doc="issue-slip"[^>]*>([^<]*)</a>', page)
    assert label is not None and label.group(1).strip() == "出件交接单"


def test_an_account_without_a_staff_record_cannot_mark_notifications_read(world):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user(username="bare", password=DEMO_PASSWORD)
    client = signed_in("bare")
    assert client.get("/org/notifications/").status_code == 200  # an empty list
    assert client.post("/org/notifications/").status_code == 403


def test_the_home_names_the_halls_date_from_the_one_clock(world, frozen_clock):
    frozen_clock(at(2024, 10, 9, 9, 0))
    page = signed_in("clerk1").get("/").content.decode()
    assert "2024-10-09" in page


def test_a_long_navigation_bar_is_grouped_into_labelled_menus_each_page_once(world):
    """The supervisor's two dozen pages come under five labelled menus, the current one marked; a
    window clerk's few pages stay one flat row (the desk one click away)."""
    page = signed_in("supervisor1").get("/stats/").content.decode()
    nav = re.search(r'<nav class="mainnav.*?</nav>', page, re.S).group(0)
    labels = re.findall(r'<span class="navgroup-label">([^<]+)</span>', nav)
    assert labels == ["办件", "督查督办", "统计考核", "事项与交接", "人员"]
    hrefs = re.findall(r'<a href="([^"]+)"', nav)
    assert len(hrefs) == len(set(hrefs)) > 10 and "/stats/" in hrefs and "/cases/" in hrefs
    current = re.search(r'<span class="navgroup current"[^>]*aria-label="([^"]+)"', nav)
    assert current and current.group(1) == "统计考核"

    clerk = signed_in("clerk1").get("/").content.decode()
    nav = re.search(r'<nav class="mainnav.*?</nav>', clerk, re.S).group(0)
    assert "navgroup" not in nav and 'href="/desk/accept/"' in nav
