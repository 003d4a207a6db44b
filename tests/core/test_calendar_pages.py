"""The supervisor's calendar pages: see each year, create a provisional one, upload the official schedule."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from onewindow.workdays import services as workdays_services
from onewindow.workdays.models import CalendarYear
from tests.conftest import sign_in


def login(username):
    client = Client()
    sign_in(client, username)
    return client


@pytest.fixture
def supervisor(sample_org):
    workdays_services.seed_from_package()
    return login("supervisor1")


def test_the_supervisor_sees_every_year_with_its_status_in_chinese(supervisor):
    page = supervisor.get("/calendar/").content.decode()
    assert "工作日历" in page
    assert "2026" in page and "2004" in page
    assert "正式" in page


def test_the_home_page_links_the_supervisor_to_the_calendar(supervisor):
    assert "/calendar/" in supervisor.get("/").content.decode()


def test_a_year_page_shows_the_make_up_days_and_holidays(supervisor):
    page = supervisor.get("/calendar/2024/").content.decode()
    assert "国庆节调休上班" in page
    assert "2024-09-29" in page


def test_a_year_without_schedule_says_so(supervisor):
    page = supervisor.get("/calendar/2031/").content.decode()
    assert "2031" in page and "cal-month" not in page


def test_creating_a_provisional_year_from_the_page(supervisor):
    response = supervisor.post("/calendar/provisional/", {"year": "2027"})
    assert response.status_code == 302 and response["Location"] == "/calendar/2027/"
    assert CalendarYear.objects.get(year=2027).status == "provisional"
    page = supervisor.get("/calendar/2027/").content.decode()
    assert "暂定" in page


def test_uploading_the_official_schedule_replaces_the_provisional_year(supervisor):
    supervisor.post("/calendar/provisional/", {"year": "2027"})
    upload = SimpleUploadedFile(
        "2027.csv", "date,kind,name\n2027-02-08,off,春节\n2027-02-20,work,春节调休上班\n".encode()
    )
    response = supervisor.post("/calendar/upload/", {"file": upload})
    assert response.status_code == 302
    year = CalendarYear.objects.get(year=2027)
    assert year.status == "official" and year.loaded_by.username == "supervisor1"


def test_a_bad_upload_shows_the_row_errors_and_changes_nothing(supervisor):
    upload = SimpleUploadedFile("2027.csv", b"date,kind\n2027-02-08,off\n2027-02-31,off\n")
    response = supervisor.post("/calendar/upload/", {"file": upload})
    assert response.status_code == 400
    page = response.content.decode()
    assert "2027-02-31" in page
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_other_roles_cannot_open_or_change_the_calendar(sample_org):
    clerk = login("clerk1")
    assert clerk.get("/calendar/").status_code == 403
    assert clerk.post("/calendar/provisional/", {"year": "2027"}).status_code == 403
    assert not CalendarYear.objects.exists()
