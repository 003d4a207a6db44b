"""Least privilege on stationings: postings and qualifications are their own department's and the supervisor's."""

import datetime as dt

from django.test import Client

from onewindow.org import selectors
from onewindow.org.models import Stationing
from tests.conftest import sign_in


def browser(username):
    return sign_in(Client(), username)


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.select_related("staff__organisation").get(username=username)


def test_a_department_head_sees_only_the_own_departments_postings(sample_org):
    page = browser("construction-head").get("/org/stationings/").content.decode()
    construction = Stationing.objects.get(department__code="construction")
    health = Stationing.objects.get(department__code="health")
    assert construction.qualification_number in page
    assert health.qualification_number not in page and health.staff.full_name not in page


def test_the_supervisor_sees_every_departments_postings(sample_org):
    page = browser("supervisor1").get("/org/stationings/").content.decode()
    assert all(s.qualification_number in page for s in Stationing.objects.all())


def test_everyone_else_is_refused_the_stationing_page(sample_org):
    for username in ("construction-approver", "clerk1", "sysadmin1", "auditor1"):
        assert browser(username).get("/org/stationings/").status_code == 403, username


def test_the_stationing_selector_scopes_by_department(sample_org):
    def departments(username):
        return {s.department.code for s in selectors.visible_stationings(_user(username))}

    assert departments("construction-approver") == {"construction"}
    assert departments("health-head") == {"health"}
    assert len(departments("supervisor1")) == Stationing.objects.values("department").distinct().count() > 2
    assert departments("secadmin1") == set() and departments("assessor1") == set()
    assert Stationing.objects.valid_on(dt.date(2024, 9, 2)).count() == Stationing.objects.count()
