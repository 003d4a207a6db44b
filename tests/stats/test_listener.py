"""The statistics' case-event listener reads only what it must: what the case service already knows spares
its reads, an action that leaves every figure as it was writes nothing, and what it writes goes out in as
few statements as the engine allows. Its exactness is tests/stats/test_figures_property.py's job."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onewindow.cases import hooks
from onewindow.cases.models import Case
from onewindow.stats import figures
from onewindow.stats.models import CaseFigures
from onewindow.stats.services import record_case_event
from tests.cases.conftest import act, drive, new_case, ok
from tests.writes import written_by

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def _statements(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].upper().startswith(CONTROL)]


class _Recorder:
    """A case whose attribute reads are written down."""

    def __init__(self, case):
        object.__setattr__(self, "_case", case)
        object.__setattr__(self, "read", set())

    def __getattr__(self, name):
        self.read.add(name)
        return getattr(self._case, name)


def test_the_figures_read_no_case_column_but_those_the_listener_compares(world):
    """figures.CASE_COLUMNS is what lets the listener skip an action that changed none of them: facts()
    must read no other column of the case (directly or through the case's clock)."""
    columns = {f.name: f for f in Case._meta.concrete_fields}
    allowed = set()
    for name in figures.CASE_COLUMNS:
        allowed |= {name, columns[name].attname}
    for status in ("accepted", "in_review", "decided", "issued", "rejected", "supplement_requested"):
        case = Case.objects.get(pk=drive(status).pk)
        recorder = _Recorder(case)
        figures.facts(recorder, supplemented=False)
        read_columns = {
            name for name in recorder.read if name in columns or name in {f.attname for f in columns.values()}
        }
        assert read_columns - {"id"} <= allowed, (status, read_columns - allowed)


def _listened(monkeypatch):
    """Writes of the listeners, per action (the SMS queue's and the statistics'): statements they run and
    writes they add to the case change's (tests.writes)."""
    counts: dict[str, int] = {}

    def counted(listener):
        def run(case, event):
            _result, writes = written_by(listener, case, event)
            step = case._test_step
            counts[step] = counts.get(step, 0) + writes

        return run

    monkeypatch.setattr(hooks, "on_case_event", [counted(listener) for listener in hooks.on_case_event])
    return counts


# Writes of the case-event listeners per step of a granted case's life: the applicant's text (one
# INSERT at accept, produce_result and issue) and the statistics (one upsert of the figures row at accept,
# decide and issue, whose triggers move the old and new contributions into both monthly roll-ups; nothing
# at claim and produce_result, which change no figure). The same on both engines. 31 before issue 14's
# listener work, then 8 on PostgreSQL and 14 on SQLite (the old figures read first, the roll-ups written
# from Python). Each is a statement of its own on SQLite; on PostgreSQL they go out in the statement of the
# case change's own writes (core.prepared.gathering).
LISTENED = {
    "postgresql": {"accept": 2, "claim": 0, "decide": 1, "produce_result": 1, "issue": 2},
    "sqlite": {"accept": 2, "claim": 0, "decide": 1, "produce_result": 1, "issue": 2},
}


def test_a_granted_case_costs_the_listeners_few_statements(clients, world, monkeypatch):
    counts = _listened(monkeypatch)
    step = {"name": "accept"}
    original_event = hooks.on_case_event[:]

    def tagging(case, event):
        case._test_step = step["name"]

    monkeypatch.setattr(hooks, "on_case_event", [tagging, *original_event])
    case = new_case(clients.clerk)
    for name, client, params in (
        ("claim", clients.approver, {}),
        ("decide", clients.approver, {"decision": "grant", "reason": "符合"}),
        ("produce_result", clients.approver, {}),
        ("issue", clients.issuer, {"method": "pickup"}),
    ):
        step["name"] = name
        case = ok(act(client, case, name, **params))
    assert case["status"] == "issued"
    expected = LISTENED[connection.vendor]
    assert {name: counts.get(name, 0) for name in expected} == expected
    # ... and the figures they kept are those a fresh computation gives.
    stored = CaseFigures.objects.get(case__number=case["number"])
    fresh = figures.facts(Case.objects.get(number=case["number"]))
    assert {name: getattr(stored, name) for name in figures.Facts.__dataclass_fields__} == fresh.as_dict()


def test_an_action_that_changes_no_figure_reads_and_writes_nothing(clients, world):
    case = new_case(clients.clerk)
    before = CaseFigures.objects.get(case__number=case["number"])
    with CaptureQueriesContext(connection) as captured:
        claimed = ok(act(clients.approver, case, "claim"))
    assert claimed["status"] == "in_review"
    assert not [sql for sql in _statements(captured) if "stats_" in sql]
    after = CaseFigures.objects.get(case__number=case["number"])
    assert {n: getattr(after, n) for n in figures.Facts.__dataclass_fields__} == {
        n: getattr(before, n) for n in figures.Facts.__dataclass_fields__
    }


@pytest.mark.parametrize("status", ["accepted", "in_review", "suspended", "decided", "issued"])
def test_the_listener_called_on_a_case_read_cold_keeps_the_figures_exact(world, status):
    """Without anything the service knew (a case read afresh, not locked), the listener reads what it needs
    and finds the figures as they are: nothing to change."""
    case = Case.objects.get(pk=drive(status).pk)
    before = list(CaseFigures.objects.filter(case=case).values())
    record_case_event(case, None)
    assert list(CaseFigures.objects.filter(case=case).values()) == before
    assert before and before[0]["department_id"] == figures.facts(case).department_id


def test_a_granted_cases_life_costs_its_listeners_and_texts_nine_statements(
    clients, world, monkeypatch, django_capture_on_commit_callbacks
):
    """Listeners (6 writes: three figures upserts, three outbox rows, gathered with the case change's own)
    and the texts sent after each commit (3: one UPDATE each, the message queued leased to its request) —
    14 on PostgreSQL and 20 on SQLite before."""
    from onewindow.messaging import services as messaging

    counts = {"listeners": 0, "delivery": 0}

    def counted(listener, kind):
        def run(*args, **kwargs):
            result, writes = written_by(listener, *args, **kwargs)
            counts[kind] += writes
            return result

        return run

    monkeypatch.setattr(hooks, "on_case_event", [counted(x, "listeners") for x in hooks.on_case_event])
    monkeypatch.setattr(messaging, "deliver", counted(messaging.deliver, "delivery"))
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(clients.clerk)
    for name, client, params in (
        ("claim", clients.approver, {}),
        ("decide", clients.approver, {"decision": "grant", "reason": "符合"}),
        ("produce_result", clients.approver, {}),
        ("issue", clients.issuer, {"method": "pickup"}),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            case = ok(act(client, case, name, **params))
    assert case["status"] == "issued"
    assert counts == {"listeners": 6, "delivery": 3}
