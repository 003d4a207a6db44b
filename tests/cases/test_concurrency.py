"""Concurrency on a real database file (SQLite WAL with IMMEDIATE transactions, or PostgreSQL): one
winner per version, unique case numbers, idempotent retries racing each other."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent
from onewindow.core import audit
from onewindow.core.errors import Conflict
from tests.cases.conftest import PERSON, drive, user
from tests.conftest import ApiClient

pytestmark = pytest.mark.django_db(transaction=True)


def race(n: int, work):
    """Run work(i) in n threads released together; each thread closes its own connection."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def test_fifty_threads_racing_on_one_cases_action_produce_exactly_one_success(world_tx):
    case = drive("accepted")
    approver = ApiClient("construction-approver")
    headers = approver.headers

    def claim(_i):
        client = ApiClient()
        client.headers = dict(headers)
        response = client.post(f"/cases/{case.number}/actions", {"action": "claim", "version": case.version})
        return response.status_code

    statuses = race(50, claim)
    assert sorted(statuses) == [200] + [409] * 49
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.version) == ("in_review", case.version + 1)
    assert CaseEvent.objects.filter(case=case, action="claim").count() == 1
    assert audit.verify().ok


def test_fifty_threads_with_different_actions_on_one_version_leave_one_consistent_change(world_tx):
    case = drive("in_review")
    approver, head = user("construction-approver"), user("construction-head")

    def act(i):
        try:
            if i % 2:
                services.extend(actor=head, case=case.number, version=case.version, days=1, reason=f"延期{i}")
            else:
                services.decide(
                    actor=approver, case=case.number, version=case.version, decision="grant", reason="符合"
                )
            return "ok"
        except Conflict:
            return "conflict"

    outcomes = race(50, act)
    assert outcomes.count("ok") == 1 and outcomes.count("conflict") == 49
    after = Case.objects.get(pk=case.pk)
    assert after.version == case.version + 1
    assert after.events.count() == CaseEvent.objects.filter(case=case).count()
    assert audit.verify().ok


def test_case_numbers_are_unique_under_concurrent_acceptance(world_tx):
    clerks = [user("clerk1"), user("clerk2")]

    def accept(i):
        case, _ = services.accept(
            actor=clerks[i % 2], subitem="XK09901001", applicant=PERSON, materials=["M01", "M02", "M03"]
        )
        return case.number

    numbers = race(30, accept)
    assert len(set(numbers)) == 30
    assert sorted(int(n[-5:]) for n in numbers) == list(range(1, 31))
    assert Case.objects.count() == 30


def test_retries_with_one_idempotency_key_racing_each_other_create_one_case(world_tx):
    clerk = user("clerk1")

    def accept(_i):
        case, created = services.accept(
            actor=clerk,
            subitem="XK09901001",
            applicant=PERSON,
            materials=["M01", "M02", "M03"],
            idempotency_key="same-key",
        )
        return case.number, created

    results = race(20, accept)
    assert len({number for number, _created in results}) == 1
    assert [created for _number, created in results].count(True) == 1
    assert Case.objects.count() == 1
