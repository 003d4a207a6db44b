"""The approver's queue (own department only, with levels), the supervisor's list and its Excel export,
and the issuance desk."""

from __future__ import annotations

import datetime as dt
import io

from django.test import Client

from onewindow.cases.models import CaseStatus
from tests.cases.conftest import at, drive
from tests.conftest import sign_in


def signed_in(username: str) -> Client:
    client = Client()
    sign_in(client, username)
    return client


def test_the_approver_queue_holds_only_the_departments_cases(world):
    mine = drive("accepted")
    theirs = drive("accepted", subitem="XK09901003")  # implemented by health
    page = signed_in("construction-approver").get("/cases/").content.decode()
    assert mine.number in page and theirs.number not in page
    page = signed_in("health-approver").get("/cases/").content.decode()
    assert theirs.number in page and mine.number not in page


def test_levels_are_coloured_and_filterable(world, frozen_clock):
    case = drive("accepted")  # 5 working days from 2024-09-27: due 2024-10-10
    approver = signed_in("construction-approver")
    frozen_clock(at(2024, 10, 14, 9, 0))
    page = approver.get("/cases/", {"level": "overdue"}).content.decode()
    assert case.number in page and "row-overdue" in page
    assert case.number not in approver.get("/cases/", {"level": "normal"}).content.decode()
    frozen_clock(at(2024, 10, 9, 9, 0))
    page = approver.get("/cases/", {"level": "warning"}).content.decode()
    assert case.number in page and "row-warning" in page


def test_the_status_filter(world):
    accepted = drive("accepted")
    review = drive("in_review")
    page = signed_in("construction-approver").get("/cases/", {"status": "in_review"}).content.decode()
    assert review.number in page and accepted.number not in page


def test_the_supervisor_sees_every_department_and_exports_the_list(world):
    from openpyxl import load_workbook

    one = drive("accepted")
    two = drive("accepted", subitem="XK09901003")
    supervisor = signed_in("supervisor1")
    page = supervisor.get("/cases/").content.decode()
    assert one.number in page and two.number in page and 'id="export"' in page
    response = supervisor.get("/cases/export.xlsx", {"department": "health", "status": "all"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "办件编号"
    assert [r[0] for r in rows[1:]] == [two.number]
    due = rows[1][8]
    assert (due.date() if isinstance(due, dt.datetime) else due) == dt.date(2024, 10, 16)


def test_only_the_supervisor_exports(world):
    assert signed_in("construction-approver").get("/cases/export.xlsx").status_code == 403
    assert signed_in("clerk1").get("/cases/export.xlsx").status_code == 403


def test_the_issuance_desk_lists_ready_results_and_issues_them(world):
    ready = drive("result_ready")
    issuer = signed_in("issuer1")
    page = issuer.get("/issue/").content.decode()
    assert ready.number in page
    response = issuer.post(
        f"/cases/{ready.number}/actions/issue/", {"version": ready.version, "method": "mail", "next": "desk"}
    )
    assert response.status_code == 302 and response.url == "/issue/"
    ready.refresh_from_db()
    assert ready.status == CaseStatus.ISSUED and ready.issue_recipient == ready.applicant_name
    page = issuer.get("/issue/").content.decode()
    assert f"/cases/{ready.number}/documents/issue-slip.pdf" in page


def test_only_issuing_clerks_use_the_issuance_desk(world):
    ready = drive("result_ready")
    assert signed_in("clerk1").get("/issue/").status_code == 403
    response = signed_in("construction-approver").post(
        f"/cases/{ready.number}/actions/issue/", {"version": ready.version, "method": "pickup"}
    )
    assert response.status_code == 403
    ready.refresh_from_db()
    assert ready.status == CaseStatus.RESULT_READY


def test_the_home_page_links_each_role_to_its_desk(world):
    assert "/desk/accept/" in signed_in("clerk1").get("/").content.decode()
    assert "/issue/" in signed_in("issuer1").get("/").content.decode()
    assert "/cases/" in signed_in("construction-approver").get("/").content.decode()
