"""The case as CONTRACT.md writes it: every key there, with the types it says (extra keys are allowed)."""

from __future__ import annotations

from tests.cases.conftest import act, new_case, ok
from tests.conftest import ApiClient

CASE_KEYS = {
    "number",
    "status",
    "version",
    "subitem",
    "applicant",
    "authority",
    "department",
    "accepted_at",
    "due_date",
    "clock",
    "result",
    "events",
}
CLOCK_KEYS = {
    "allowed_days",
    "used_days",
    "suspended_days",
    "extended_days",
    "remaining_days",
    "level",
    "provisional",
}
EVENT_KEYS = {"at", "action", "actor", "role", "organisation", "comment"}


def test_a_case_has_every_key_of_the_contract(clients):
    case = new_case(clients.clerk)
    assert set(case) >= CASE_KEYS
    assert set(case["subitem"]) >= {"code", "name"}
    assert set(case["applicant"]) >= {"kind", "name", "id_number"}
    assert set(case["authority"]) >= {"code", "name"} and set(case["department"]) >= {"code", "name"}
    assert set(case["clock"]) >= CLOCK_KEYS and case["clock"]["level"] in {"normal", "warning", "overdue"}
    assert case["result"] is None
    assert all(set(e) >= EVENT_KEYS for e in case["events"])
    assert isinstance(case["version"], int) and isinstance(case["missing_materials"], list)


def test_a_result_has_number_code_and_seal(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    case = ok(act(clients.approver, case, "decide", decision="grant", reason="符合"))
    result = ok(act(clients.approver, case, "produce_result"))["result"]
    assert {"number", "verification_code", "seal"} <= set(result)
    assert {"id", "name", "organisation"} <= set(result["seal"])
    body = ok(ApiClient().get(f"/public/results/{result['verification_code']}"))
    assert {"genuine", "number", "authority", "seal", "issued_at"} <= set(body)


def test_the_schema_documents_the_case_endpoints(clients):
    paths = ApiClient().get("/schema").json()["paths"]
    for path in (
        "/api/v1/cases",
        "/api/v1/cases/{number}",
        "/api/v1/cases/{number}/actions",
        "/api/v1/cases/{number}/reminders",
        "/api/v1/public/cases/{number}",
        "/api/v1/public/results/{code}",
    ):
        assert path in paths, path
