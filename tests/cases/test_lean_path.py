"""The lean request path keeps every rule: a lifecycle's queries are counted, and what the process caches
(reference data) is dropped the moment the database changes — whoever changed it — while what must count
at once (tokens, roles, passwords) is never cached; a handover still flips the implementer at its instant."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.cases.models import Case, visible_row
from onewindow.catalogue.models import GuideMaterial, ServiceGuide
from onewindow.catalogue.selectors import implementer
from onewindow.catalogue.services import start_assignment
from onewindow.core import stamps
from onewindow.org.models import Organisation, OrganisationAlias
from tests.cases.conftest import act, at, drive, new_case, ok, user
from tests.conftest import ApiClient
from tests.writes import statements as _statements

# SQL statements per request of a granted case's life, caches warm (transaction control not counted), the
# writes of the apps listening to case events (statistics figures, applicant's texts: 6 writes per life,
# tests/stats/test_listener.py) included: 35 before the row lock read the case's events with it, 78 before
# issue 14. On PostgreSQL an action's writes after the lock (the case row's UPDATE, its events, its audit
# entry, the listeners' rows, a new result's row or the issued result's stamp) are one statement (core.prepared.gathering).
EXPECTED = {
    "sqlite": {"accept": 7, "claim": 5, "decide": 6, "produce_result": 8, "issue": 8},
    "postgresql": {"accept": 4, "claim": 3, "decide": 3, "produce_result": 4, "issue": 3},
}[connection.vendor]


def _lifecycle(clients, counts=None):
    def run(step, call):
        with CaptureQueriesContext(connection) as captured:
            response = call()
        if counts is not None:
            counts[step] = _statements(captured)
        return ok(response) if response.status_code == 200 else response.json()

    case = run("accept", lambda: clients.clerk.post("/cases", _body(), **{"Idempotency-Key": _key()}))
    case = run("claim", lambda: act(clients.approver, case, "claim"))
    case = run("decide", lambda: act(clients.approver, case, "decide", decision="grant", reason="符合"))
    case = run("produce_result", lambda: act(clients.approver, case, "produce_result"))
    return run("issue", lambda: act(clients.issuer, case, "issue", method="pickup"))


_n = iter(range(1, 10_000))


def _key() -> str:
    return f"lean-{next(_n)}"


def _body(subitem="XK09901001", materials=("M01", "M02", "M03")) -> dict:
    return {
        "subitem": subitem,
        "applicant": {
            "kind": "person",
            "name": "张三",
            "id_number": "11010519491231002X",
            "phone": "13812345678",
        },
        "materials": list(materials),
    }


def test_a_granted_case_from_window_to_applicant_costs_34_statements_or_17_on_postgresql(clients):
    """The case path's statements with what the apps listening to case events write in its transaction."""
    assert _lifecycle(clients)["status"] == "issued"  # the first one fills the process caches
    counts = {}
    assert _lifecycle(clients, counts)["status"] == "issued"
    per_step = {step: len(sql) for step, sql in counts.items()}
    assert per_step == EXPECTED, {step: sql for step, sql in counts.items()}
    assert sum(per_step.values()) == (17 if connection.vendor == "postgresql" else 34)
    # The row lock is the bare row (its scope checked on it), and an UPDATE names only what changed.
    lock = next(
        sql for sql in counts["claim"] if "FOR UPDATE" in sql or sql.startswith('SELECT "cases_case"')
    )
    assert "catalogue_assignment" not in lock.split("FROM", 1)[1].split("WHERE", 1)[0]
    update = next(sql for sql in counts["claim"] if 'UPDATE "cases_case"' in sql)
    update = update.split('UPDATE "cases_case"', 1)[1].split("WHERE", 1)[0]
    assert '"applicant_name"' not in update and '"claimed_by_id"' in update and '"version"' in update


def test_a_revoked_token_an_ended_password_and_a_removed_role_count_at_once(clients, world):
    from onewindow.org import accounts

    assert clients.clerk.get("/cases").status_code == 200
    assert clients.clerk.client.delete("/api/v1/auth/token", headers=clients.clerk.headers).status_code == 204
    assert clients.clerk.get("/cases").status_code == 401

    clerk2 = ApiClient("clerk2")
    assert clerk2.get("/cases").status_code == 200
    accounts.reset_password(actor=user("sysadmin1"), user=user("clerk2"))
    assert clerk2.get("/cases").status_code == 401

    approver = ApiClient("construction-approver")
    case = new_case(ApiClient("clerk1"))
    assert approver.get(f"/cases/{case['number']}").status_code == 200
    accounts.revoke_role(actor=user("secadmin1"), user=user("construction-approver"), role="approver")
    assert approver.get(f"/cases/{case['number']}").status_code == 404
    assert act(approver, case, "claim").status_code == 404


def test_a_guide_published_by_another_process_is_used_by_the_next_request(clients, world):
    first = new_case(clients.clerk)
    assert first["guide_version"] == 1 and first["status"] == "accepted"
    # Another server publishes version 2 with one more required material: straight into the database.
    guide = ServiceGuide.objects.create(
        subitem=world.permit,
        version=2,
        status="published",
        promised_days=5,
        statutory_days=20,
        published_at=at(2024, 9, 1),
    )
    for n, code in enumerate(["M01", "M02", "M03", "M05"]):
        GuideMaterial.objects.create(guide=guide, code=code, name=code, required=True, sort_order=n)
    second = clients.clerk.post("/cases", _body(), **{"Idempotency-Key": _key()}).json()
    assert second["guide_version"] == 2
    assert second["status"] == "supplement_requested" and second["missing_materials"] == ["M05"]


def test_a_renamed_department_shows_in_the_next_answer(clients, world):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    Organisation.objects.filter(pk=world.construction.pk).update(name="鞍山高新区住房和城乡建设局（更名）")
    again = ok(act(clients.approver, case, "decide", decision="grant", reason="符合"))
    assert again["department"]["name"] == "鞍山高新区住房和城乡建设局（更名）"


def test_a_new_name_of_a_department_shows_in_the_next_list(clients, world):
    def names_of_health():
        rows = clients.clerk.get("/departments", {"page_size": 100}).json()["results"]
        return next(row["names"] for row in rows if row["code"] == "health")

    assert "鞍山高新区卫生健康局（别名）" not in names_of_health()  # the list is cached now
    OrganisationAlias.objects.create(
        organisation=world.health, name="鞍山高新区卫生健康局（别名）", sort_order=9
    )
    assert "鞍山高新区卫生健康局（别名）" in names_of_health()


def test_a_handover_flips_the_implementer_at_its_instant_with_warm_caches(clients, world, frozen_clock):
    """Signed long before, effective at T: no write happens at T, the cached ranges decide by the clock."""
    effective = at(2024, 9, 30, 9, 0)
    start_assignment(subitem=world.handed, organisation=world.construction, at=effective, agreement_id=None)
    frozen_clock(effective - dt.timedelta(seconds=1))
    before = new_case(clients.clerk, subitem="XK09901002")
    assert before["authority"]["code"] == "data-bureau" and before["department"]["code"] == "data-bureau"
    assert clients.approver.get(f"/cases/{before['number']}").status_code == 404  # not construction's yet
    assert act(clients.approver, before, "claim").status_code == 404

    frozen_clock(effective)
    after = new_case(clients.clerk, subitem="XK09901002")
    assert after["authority"]["code"] == "construction"
    # The case accepted a second before keeps the bureau's authority but is worked by construction now.
    claimed = ok(act(clients.approver, before, "claim"))
    assert claimed["authority"]["code"] == "data-bureau" and claimed["department"]["code"] == "construction"
    assert implementer(world.handed, effective).code == "construction"


def test_the_stamp_moves_with_reference_data_and_not_with_cases(clients, world):
    before = stamps.read()
    new_case(clients.clerk)
    assert stamps.read() == before  # cases, events and audit entries are not reference data
    Organisation.objects.filter(pk=world.health.pk).update(short_name="卫健")
    moved = stamps.read()
    assert moved != before
    ServiceGuide.objects.filter(subitem=world.hygiene).update(statutory_days=21)
    assert stamps.read() != moved


def test_the_scope_checked_on_the_locked_row_is_the_scope_of_every_list(world):
    cases = [drive(status) for status in ("accepted", "in_review", "decided")]
    cases.append(drive("accepted", subitem="XK09901003"))
    people = [
        "clerk1",
        "issuer1",
        "supervisor1",
        "construction-approver",
        "health-head",
        "auditor1",
        "sysadmin1",
    ]
    for username in people:
        person = user(username)
        visible = set(Case.objects.visible_to(person).values_list("pk", flat=True))
        for case in Case.objects.filter(pk__in=[c.pk for c in cases]).with_department():
            assert visible_row(case, person, case.department_id_now) == (case.pk in visible), (username, case)


@pytest.mark.parametrize("username", ["clerk1", "construction-approver"])
def test_an_api_request_asks_the_token_user_and_roles_in_one_query(world, username):
    client = ApiClient(username)
    client.get("/departments")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/departments").status_code == 200
    token_queries = [sql for sql in _statements(captured) if "org_apitoken" in sql]
    assert len(token_queries) == 1 and "auth_user_groups" in token_queries[0]
    assert not [sql for sql in _statements(captured) if sql.startswith('SELECT "auth_group"')]


# GET /cases: the token, the count, the page's rows, then its events, suspensions, extensions, results and
# holders, one query each whatever the page's size (a ten-table join and a prefetch per case before).
PAGE_QUERIES = 8


def test_the_issue_answer_with_the_result_the_lock_read_is_the_case_as_stored(clients, world):
    """The row lock reads the result's summary and `issue` stamps it with its other writes: what it answers
    (result number, seal, authority, produced and issued moments, revoked) is what a fresh read shows."""
    issued = _lifecycle(clients)
    assert issued["status"] == "issued" and issued["result"]["issued_at"]
    assert issued == clients.supervisor.get(f"/cases/{issued['number']}").json()


def test_a_page_of_cases_answers_each_case_as_it_answers_alone(clients, world):
    numbers = [drive(status).number for status in ("accepted", "in_review", "suspended", "decided", "issued")]
    numbers.append(drive("accepted", deferred=True).number)
    numbers.append(drive("supplement_requested").number)
    extended = drive("in_review")
    ok(
        act(
            clients.head,
            {"number": extended.number, "version": extended.version},
            "extend",
            days=2,
            reason="情况复杂",
        )
    )
    numbers.append(extended.number)
    page = clients.supervisor.get("/cases", {"page_size": 100}).json()["results"]
    listed = {case["number"]: case for case in page}
    assert set(numbers) <= set(listed)
    for number in numbers:
        assert listed[number] == clients.supervisor.get(f"/cases/{number}").json(), number


def test_a_page_of_cases_costs_the_same_queries_whatever_its_size(clients, world):
    for status in ("accepted", "in_review", "suspended", "decided", "issued"):
        drive(status)
    clients.supervisor.get("/cases", {"page_size": 2})  # warm the process caches

    def statements(size):
        with CaptureQueriesContext(connection) as captured:
            response = clients.supervisor.get("/cases", {"page_size": size})
        assert response.status_code == 200 and len(response.json()["results"]) == min(size, 5)
        return _statements(captured)

    small, large = statements(2), statements(50)
    assert len(small) == len(large) == PAGE_QUERIES, large
    # Organisations, sub-items and guides come from the process caches.
    assert not [sql for sql in large if sql.startswith(('SELECT "org_organisation"', 'SELECT "catalogue_'))]


def test_a_renamed_department_shows_in_the_next_list_of_departments(clients, world):
    def name_of_health():
        rows = clients.clerk.get("/departments", {"page_size": 100}).json()["results"]
        return next(row["name"] for row in rows if row["code"] == "health")

    assert name_of_health() != "鞍山高新区卫生健康局（新名）"
    Organisation.objects.filter(pk=world.health.pk).update(name="鞍山高新区卫生健康局（新名）")
    assert name_of_health() == "鞍山高新区卫生健康局（新名）"
