"""`onewindow tick` runs every registered job, in order, and `--only` one of them."""

from io import StringIO

import pytest
from django.core.management import call_command

from onewindow.core import periodic


@pytest.fixture
def jobs(monkeypatch):
    monkeypatch.setattr(periodic, "_jobs", {})
    ran = []
    periodic.register("b.second", lambda: ran.append("b") or "b done", order=20)
    periodic.register("a.first", lambda: ran.append("a") or "a done", order=10)
    return ran


def test_tick_runs_every_job_in_order(jobs):
    out = StringIO()
    call_command("tick", stdout=out)
    assert jobs == ["a", "b"]
    assert out.getvalue().splitlines() == ["a.first: a done", "b.second: b done"]


def test_tick_only_runs_the_named_job(jobs):
    call_command("tick", "--only", "b.second", stdout=StringIO())
    assert jobs == ["b"]


def test_registering_again_replaces_the_job(jobs):
    periodic.register("a.first", lambda: "again", order=10)
    assert [job.name for job in periodic.jobs()] == ["a.first", "b.second"]


def test_the_cases_jobs_are_registered():
    names = [job.name for job in periodic.jobs()]
    assert names.index("cases.deferrals") < names.index("cases.due_dates")
