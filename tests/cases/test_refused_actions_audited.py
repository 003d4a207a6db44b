"""Refused business actions reach the audit chain (issue 13, 安全审计): one entry with success=false,
written after the refused transaction rolled back, which itself left nothing behind."""

from __future__ import annotations

from django.test import Client

from onewindow.cases.models import Case, CaseEvent
from onewindow.core import audit
from onewindow.core.models import AuditEntry
from onewindow.handover.models import Seal
from onewindow.org import roles
from tests.cases.conftest import act, new_case, user
from tests.conftest import sign_in


def _refusals():
    return list(AuditEntry.objects.filter(success=False, action__startswith="refused.").order_by("pk"))


def test_a_stale_case_action_changes_nothing_and_leaves_one_refusal_entry(clients):
    case = new_case(clients.clerk, materials=["M01"])  # supplement requested: the window may reject it
    before = Case.objects.get(number=case["number"])
    events, entries = CaseEvent.objects.count(), AuditEntry.objects.count()
    response = act(
        clients.clerk, {**case, "version": case["version"] - 1}, "reject", reason="不属于本机关职权"
    )
    assert response.status_code == 409
    after = Case.objects.get(number=case["number"])
    assert (after.status, after.version) == (before.status, before.version)
    assert CaseEvent.objects.count() == events
    assert AuditEntry.objects.count() == entries + 1
    (entry,) = _refusals()
    assert entry.success is False and entry.actor == "clerk1"
    assert entry.action == f"refused.{response.json()['code']}"
    assert entry.detail["status"] == 409 and entry.detail["path"].endswith("/actions")
    assert entry.organisation  # the caller's organisation, as every entry
    assert audit.verify().ok


def test_an_action_the_role_may_not_take_is_audited_as_refused(clients):
    case = new_case(clients.clerk)
    response = act(clients.clerk, case, "decide", decision="grant")
    assert response.status_code == 403
    (entry,) = _refusals()
    assert entry.detail["status"] == 403 and entry.actor == "clerk1"
    assert Case.objects.get(number=case["number"]).version == case["version"]
    assert audit.verify().ok


def test_reads_malformed_requests_and_successes_leave_no_refusal_entry(clients):
    case = new_case(clients.clerk, materials=["M01"])
    assert clients.clerk.get("/audit").status_code == 403  # a read
    assert act(clients.clerk, case, "reject").status_code == 400  # malformed: no reason
    assert (
        clients.clerk.post("/cases/210300202409279999/actions", {"action": "claim", "version": 1}).status_code
        == 404
    )
    assert act(clients.clerk, case, "reject", reason="不属于本机关职权").status_code == 200
    assert _refusals() == []


def test_voiding_a_void_seal_through_the_api_and_the_page_is_audited_each_time(clients):
    seal = Seal.objects.filter(void=False).first()
    ok = clients.supervisor.post(f"/seals/{seal.pk}/void", {"reason": "交接协议生效，旧章即行作废"})
    assert ok.status_code == 200
    assert clients.supervisor.post(f"/seals/{seal.pk}/void", {"reason": "再次作废"}).status_code == 409
    browser = sign_in(Client(), "supervisor1")
    browser.post(f"/seals/{seal.pk}/void/", {"reason": "再次作废"})
    entries = _refusals()
    assert [e.detail["status"] for e in entries] == [409, 409]
    assert {e.actor for e in entries} == {"supervisor1"}
    seal.refresh_from_db()
    assert seal.void_reason == "交接协议生效，旧章即行作废"
    assert audit.verify().ok


def test_a_refused_role_grant_through_the_page_is_audited_and_grants_nothing(clients):
    browser = sign_in(Client(), "secadmin1")
    browser.post("/org/roles/secadmin1/", {"op": "grant", "role": "auditor"})  # never his own roles
    browser.post("/org/roles/sysadmin1/", {"op": "grant", "role": "auditor"})  # never two of the three
    assert roles.roles_of(user("secadmin1")) == {"secadmin"}
    assert roles.roles_of(user("sysadmin1")) == {"sysadmin"}
    entries = _refusals()
    assert sorted(e.detail["status"] for e in entries) == [403, 422]
    assert [e.actor for e in entries] == ["secadmin1", "secadmin1"]
    assert audit.verify().ok
