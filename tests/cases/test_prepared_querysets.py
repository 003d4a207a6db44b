"""core.prepared (tried on the case tables): a queryset compiled once gives the very instances the ORM gives, on every call's own
values and on the calling thread's connection, and refuses a queryset it cannot prepare."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.db.models import Value
from django.test.utils import CaptureQueriesContext

from onewindow.cases.models import Case, CaseEvent
from onewindow.core.prepared import Prepared
from onewindow.org.models import Staff
from tests.cases.conftest import drive

EVENTS = Prepared(
    lambda case_id: (
        CaseEvent.objects.filter(case_id=case_id).select_related("organisation").order_by("at", "pk")
    ),
    case_id=int,
)


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def test_the_instances_are_those_the_orm_gives_with_their_related_rows_and_converted_values(world):
    first, second = drive("decided"), drive("in_review")
    names = [f.attname for f in CaseEvent._meta.concrete_fields]
    for case in (first, second):
        expected = list(
            CaseEvent.objects.filter(case_id=case.pk).select_related("organisation").order_by("at", "pk")
        )
        got = EVENTS.all(case_id=case.pk)
        assert [_fields(e, names) for e in got] == [_fields(e, names) for e in expected]
        assert all(isinstance(e.data, dict) for e in got)  # JSON decoded by the field's converter
        assert [e.organisation.code if e.organisation else None for e in got] == [
            e.organisation.code if e.organisation else None for e in expected
        ]
        with CaptureQueriesContext(connection) as captured:
            [e.organisation for e in got]
        assert not captured.captured_queries  # the related row came with the query
    assert EVENTS.all(case_id=0) == []


def test_annotations_and_encrypted_columns_come_back_as_the_orm_reads_them(world):
    case = drive("accepted")
    prepared = Prepared(
        lambda number: Case.objects.annotate(_marker=Value(7)).filter(number=number).order_by()[:1],
        number=str,
    )
    got = prepared.first(number=case.number)
    assert got.pk == case.pk and got._marker == 7
    assert got.applicant_phone == Case.objects.get(pk=case.pk).applicant_phone  # decrypted
    assert prepared.first(number="nope") is None


def test_a_locking_queryset_compiles_inside_a_transaction(world):
    case = drive("accepted")
    locking = Prepared(
        lambda number: Case.objects.select_for_update(of=("self",)).filter(number=number).order_by()[:1],
        number=str,
    )
    with transaction.atomic():
        assert locking.first(number=case.number).pk == case.pk


def test_another_thread_runs_it_on_its_own_connection(world_tx):
    case = drive("accepted")
    EVENTS.all(case_id=case.pk)  # compiled on this thread's connection
    seen = {}

    def other():
        try:
            seen["events"] = [e.action for e in EVENTS.all(case_id=case.pk)]
            seen["connection"] = id(connection.connection)
        finally:
            connection.close()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen["events"] == ["accept", "routed"]
    assert seen["connection"] != id(connection.connection)


def test_it_refuses_a_builder_whose_values_do_not_reach_the_sql(world):
    with pytest.raises(ValueError, match="kind of every parameter"):
        Prepared(lambda number: Case.objects.filter(number=number))
    ignored = Prepared(lambda number: Case.objects.all()[:1], number=str)
    with pytest.raises(ValueError, match="does not reach"):
        ignored.first(number="x")
    rewritten = Prepared(lambda name: Staff.objects.filter(full_name__contains=name), name=str)
    with pytest.raises(ValueError, match="rewritten|does not reach"):
        rewritten.all(name="x")


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side PREPARE")


@postgresql_only
def test_on_postgresql_it_runs_a_statement_prepared_once_per_connection(world):
    case = drive("decided")
    EVENTS.all(case_id=case.pk)
    with CaptureQueriesContext(connection) as captured:
        got = EVENTS.all(case_id=case.pk)
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert sql.startswith("EXECUTE onewindow_prepared_") and '"cases_caseevent"' in sql  # the text as comment
    assert [e.action for e in got] == ["accept", "routed", "claim", "decide"]
    # (Another connection prepares it in its own session: test_another_thread_runs_it_on_its_own_connection.)


@postgresql_only
def test_a_statement_the_server_refuses_to_prepare_runs_as_plain_sql_in_the_same_transaction(world):
    case = drive("accepted")
    refused = Prepared(lambda case_id: CaseEvent.objects.filter(case_id=case_id).order_by("pk"), case_id=int)
    with transaction.atomic():
        compiled = refused._get(connection)
        name, _prepare, execute = compiled.server
        compiled.server = (name, "PREPARE broken AS SELEC 1", execute)
        with CaptureQueriesContext(connection) as captured:
            assert [e.action for e in refused.all(case_id=case.pk)] == ["accept", "routed"]
        assert captured.captured_queries[0]["sql"].startswith("SELECT")
        assert Case.objects.filter(pk=case.pk).exists()  # the transaction goes on


def test_a_compiled_insert_writes_the_row_save_writes_and_refuses_an_existing_one(world):
    from onewindow.core import clock
    from onewindow.core.prepared import Insert

    case = drive("in_review")
    names = [f.attname for f in CaseEvent._meta.concrete_fields if not f.primary_key]

    def event():
        return CaseEvent(
            case=case,
            at=clock.now(),
            action="note",
            actor_name="system",
            comment="多行\n备注",
            status_after=case.status,
            data={"materials": ["A01", "B02"], "due": "2026-12-01", "n": 3},
        )

    saved, inserted = event(), event()
    with transaction.atomic():
        saved.save(force_insert=True)
        with CaptureQueriesContext(connection) as captured:
            Insert(CaseEvent)(inserted)
    assert len([q for q in captured.captured_queries if q["sql"].startswith("INSERT")]) == 1
    assert inserted.pk is not None and inserted.pk != saved.pk and not inserted._state.adding
    stored = {e.pk: _fields(e, names) for e in CaseEvent.objects.filter(pk__in=[saved.pk, inserted.pk])}
    assert {**stored[inserted.pk], "at": None} == {**stored[saved.pk], "at": None}
    with pytest.raises(ValueError):
        Insert(CaseEvent)(inserted)  # already written: an INSERT never updates


def test_rows_inserted_together_get_their_ids_in_order_in_one_statement_on_postgresql(world):
    from onewindow.core import audit, clock
    from onewindow.core.models import AuditEntry
    from onewindow.core.prepared import Insert, insert_together

    case = drive("in_review")
    events = [
        CaseEvent(case=case, at=clock.now(), action=f"note{n}", actor_name="system", status_after=case.status)
        for n in range(3)
    ]
    with transaction.atomic():
        entry = audit.entry(action="cases.note", object_type="cases.case", object_id=case.number)
        with CaptureQueriesContext(connection) as captured:
            insert_together(*[(Insert(CaseEvent), e) for e in events], (audit.INSERT, entry))
    inserts = [q for q in captured.captured_queries if "INSERT" in q["sql"]]
    assert len(inserts) == (1 if connection.vendor == "postgresql" else 2)  # the events in one INSERT
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    stored = {e.pk: e.action for e in CaseEvent.objects.filter(pk__in=[e.pk for e in events])}
    assert stored == {e.pk: e.action for e in events}
    assert AuditEntry.objects.get(pk=entry.pk).object_id == case.number
