"""`onewindow load-sample --cases N` (cases.generator): a bulk history that follows the live rules.

Every generated case is checked against the rules' own functions: the due date against `cases.clock`,
the authority against rule 1's selector, the seal against `handover.seals`, the result content against
the result service's, the order of its events against the transition table; the audit chain verifies;
a second run adds as many again without a collision, and the desk's next number follows on.
"""

from __future__ import annotations

import json
from collections import Counter

from django.db.models import Max

from onewindow.cases import clock as case_clock
from onewindow.cases import codes, generator
from onewindow.cases import transitions as t
from onewindow.cases.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Case,
    CaseSerial,
    CaseStatus,
    Closure,
    Result,
)
from onewindow.cases.services.results import _result_content
from onewindow.catalogue.selectors import implementer
from onewindow.core import audit, clock
from onewindow.core.models import AuditEntry
from onewindow.handover.seals import select_seal
from tests.cases.conftest import at
from tests.cases.test_ui_case_page import signed_in
from tests.conftest import ApiClient

N = 2000
TODAY = at(2024, 12, 20, 15, 0)
# Steps that come with the creation or the acceptance and do not bump the version.
CREATION = {"accept", "routed"}


def _generated(since_id: int = 0):
    return list(
        Case.objects.filter(pk__gt=since_id)
        .select_related("region", "subitem", "guide", "authority", "decided_by__staff", "decided_department")
        .prefetch_related("events", "suspensions", "extensions")
        .order_by("pk")
    )


def _check_events(case: Case) -> None:
    """The events read as the services write them: allowed by the transition table, in time order,
    the last one's status is the case's, the version counts the steps."""
    events = list(case.events.all())
    assert events, case.number
    assert [e.at for e in events] == sorted(e.at for e in events)
    first = events[0]
    assert first.action in ("request_supplement", "accept"), case.number
    status = first.status_after
    bumps = 0
    for previous, event in zip(events, events[1:], strict=False):
        if event.action in CREATION:
            assert event.status_after == CaseStatus.ACCEPTED
            assert (
                previous.action in ("accept", "supplement", "request_supplement") or event.action == "accept"
            )
        else:
            transition = t.TABLE.get((status, event.action))
            assert transition is not None, (case.number, status, event.action)
            assert event.status_after in transition.to, (case.number, status, event.action)
            assert event.role in transition.roles or event.actor_id is None, (case.number, event.action)
            bumps += 1
        status = event.status_after
    assert status == case.status
    assert case.version == 1 + bumps


def _check_case(case: Case) -> None:
    local = clock.local_date(case.received_at)
    assert case.number.startswith(f"{case.region.code}{local:%Y%m%d}") and len(case.number) == 19
    _check_events(case)
    if case.status in FINAL_STATUSES:
        assert case.ended_at is not None
        expected = {CaseStatus.REJECTED: Closure.REJECTED, CaseStatus.WITHDRAWN: Closure.WITHDRAWN}
        assert case.closure == expected.get(case.status, "")
    else:
        assert case.ended_at is None and case.closure == ""
    if case.accepted_at is None:
        assert case.status in (CaseStatus.SUPPLEMENT_REQUESTED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)
        assert case.due_date is None and case.authority_id is None
        return
    # Rule 1/2: the authority is the implementer at acceptance.
    assert case.authority == implementer(case.subitem, case.accepted_at)
    # Rule 4: the due date as the clock computes it today (and as the daily tick would store it).
    computed = case_clock.case_clock(case, strict=True)
    assert (case.due_date, case.due_provisional) == (computed.due_date, computed.provisional), case.number
    assert not case_clock.refresh_due_dates(case), case.number
    extended = sum(e.days for e in case.extensions.all())
    assert extended <= case.subitem.extension_cap_days
    for s in case.suspensions.all():
        assert s.procedure in case.subitem.special_procedures
        assert s.started_at >= case.accepted_at
        assert s.ended_on is None or s.ended_on >= s.started_on
        assert (s.ended_at is None) == (case.status == CaseStatus.SUSPENDED)
    if case.decided_at is not None:
        assert case.decided_at >= case.accepted_at
        # Rule 3: the department implementing the sub-item when it decided; signed by its approver.
        assert case.decided_department == implementer(case.subitem, case.decided_at)
        assert case.decided_by.staff.organisation_id == case.decided_department_id


def _check_result(result: Result) -> None:
    case = result.case
    assert result.authority_id == case.authority_id
    # Rule 2: the seal handover.seals chooses for the authority when the result was produced.
    assert result.seal == select_seal(authority=case.authority, at=result.produced_at)
    assert result.produced_at >= case.decided_at
    if result.issued_at:
        assert result.issued_at == case.issued_at >= result.produced_at
    content = _result_content(
        case, number=result.number, code=result.verification_code, seal=result.seal, at=result.produced_at
    )
    assert result.content == {**content, "synthetic": True}
    canonical = json.dumps(result.content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert result.content_hash == audit.sm3_hex(canonical.encode("utf-8"))
    assert len(result.verification_code) == 16 and set(result.verification_code) <= set(codes.ALPHABET)


def test_generated_cases_follow_the_rules_and_a_second_run_adds_as_many(world, frozen_clock):
    frozen_clock(TODAY)
    entries_before = AuditEntry.objects.count()
    tally = generator.generate(N, days=200, seed=7)
    assert tally["cases"] == N == Case.objects.count()
    assert AuditEntry.objects.count() == entries_before + N
    assert audit.verify().ok

    cases = _generated()
    for case in cases:
        _check_case(case)
    results = list(
        Result.objects.select_related("case__region", "case__subitem", "case__guide", "case__authority")
        .select_related("case__decided_by__staff", "case__decided_department", "seal__organisation")
        .order_by("pk")
    )
    for result in results:
        _check_result(result)

    # Shares in the stated bands; open cases today in every state, some of them overdue.
    statuses = Counter(c.status for c in cases)
    assert set(OPEN_STATUSES) <= set(statuses), statuses
    assert statuses[CaseStatus.REJECTED] and statuses[CaseStatus.WITHDRAWN]
    decided = [c for c in cases if c.decided_at]
    late = [c for c in decided if clock.local_date(c.decided_at) > c.due_date]
    assert 0.03 <= len(late) / len(decided) <= 0.08
    supplements = [c for c in cases if c.events.all()[0].action == "request_supplement"]
    assert 0.03 <= len(supplements) / N <= 0.07
    assert any(c.suspensions.all() for c in cases) and any(c.extensions.all() for c in cases)
    assert sum(c.decision == "deny" for c in decided) > 0
    today = clock.today()
    open_overdue = [c for c in cases if c.status in case_clock.CLOCK_STATUSES and c.due_date < today]
    assert open_overdue

    # A second run adds as many again; numbers stay unique and the counters know every serial.
    last_id = max(c.pk for c in cases)
    generator.generate(N, days=200, seed=8)
    assert Case.objects.count() == 2 * N
    assert Case.objects.values("number").distinct().count() == 2 * N
    for case in _generated(last_id)[:200]:
        _check_case(case)
    per_day = Counter()
    for number in Case.objects.values_list("number", flat=True):
        per_day[number[6:14]] = max(per_day[number[6:14]], int(number[14:]))
    counters = dict(CaseSerial.objects.filter(scope="case").values_list("key", "last"))
    assert counters == dict(per_day)
    top = Result.objects.aggregate(top=Max("number"))["top"]
    assert int(top.rsplit("-", 1)[1]) == CaseSerial.objects.get(scope="result", key=top.split("-")[1]).last
    assert audit.verify().ok

    # The desk's next case of today follows the generated ones.
    body = ApiClient("clerk1").post(
        "/cases",
        {
            "subitem": "XK09901001",
            "applicant": {
                "kind": "person",
                "name": "张三",
                "id_number": "11010519491231002X",
                "phone": "13812345678",
            },
            "materials": ["M01", "M02", "M03"],
        },
        **{"Idempotency-Key": "after-the-history"},
    )
    assert body.status_code == 201, body.content
    assert int(body.json()["number"][14:]) == per_day[f"{today:%Y%m%d}"] + 1


def test_generated_cases_render_on_the_case_page_and_verify_publicly(world, frozen_clock):
    frozen_clock(TODAY)
    generator.generate(300, days=120, seed=11)
    supervisor = signed_in("supervisor1")
    shown = set()
    for case in Case.objects.order_by("pk"):
        if case.status in shown:
            continue
        shown.add(case.status)
        page = supervisor.get(f"/cases/{case.number}/")
        assert page.status_code == 200, case.number
        text = page.content.decode()
        assert case.number in text and 'id="timeline"' in text
        for event in case.events.all():
            assert f'data-event="{event.action}"' in text
    issued = Result.objects.filter(case__status=CaseStatus.ISSUED).first()
    body = ApiClient().get(f"/public/results/{issued.verification_code}").json()
    assert body["genuine"] is True and body["number"] == issued.number


def test_a_large_load_builds_every_index_and_foreign_key_again(world, frozen_clock):
    """Large loads drop the secondary indexes (and PostgreSQL's foreign keys) for the load, in one
    transaction, and build them again: the schema afterwards is what it was."""
    from django.db import connection

    def schema():
        with connection.cursor() as cursor:
            return {
                model._meta.db_table: {
                    name: (c["columns"], c["unique"], c["foreign_key"], c["index"])
                    for name, c in connection.introspection.get_constraints(
                        cursor, model._meta.db_table
                    ).items()
                }
                for model in generator.OFFLINE_TABLES
            }

    frozen_clock(TODAY)
    before = schema()
    tally = generator.generate(300, days=120, seed=5, offline=True)
    assert tally["cases"] == 300
    assert schema() == before
    assert audit.verify().ok
    for case in _generated()[:50]:
        _check_case(case)


def _definitions() -> dict:
    """Every index and constraint of the offline tables with its full definition (PostgreSQL's own text;
    SQLite's CREATE statements), so a rebuilt one must be the same, not just on the same columns."""
    from django.db import connection

    tables = [model._meta.db_table for model in generator.OFFLINE_TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [tables]
            )
            found = {("index", *row) for row in cursor.fetchall()}
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) || ' ' || "
                "condeferrable::text || condeferred::text || convalidated::text FROM pg_constraint "
                "WHERE conrelid::regclass::text = ANY(%s)",
                [tables],
            )
            found |= {("constraint", *row) for row in cursor.fetchall()}
            return found
        cursor.execute(
            f"SELECT tbl_name, name, sql FROM sqlite_master WHERE tbl_name IN ({', '.join(['%s'] * len(tables))})",
            tables,
        )
        return {("sqlite", *row) for row in cursor.fetchall()}


def test_a_load_made_by_worker_processes_follows_the_rules_and_leaves_the_schema_as_it_was(
    world, frozen_clock
):
    """The path of large loads at a small size: two forked workers simulate and format the chunks, the
    indexes and foreign keys are offline meanwhile; every case follows the rules, the chain verifies,
    and every index and constraint is back with its exact definition."""
    frozen_clock(TODAY)
    before = _definitions()
    generator.CHUNK, chunk = 400, generator.CHUNK  # several chunks, so each worker makes more than one
    try:
        tally = generator.generate(1500, days=200, seed=9, offline=True, workers=2)
    finally:
        generator.CHUNK = chunk
    assert tally["cases"] == 1500 == Case.objects.count()
    assert _definitions() == before
    assert audit.verify().ok
    cases = _generated()
    for case in cases:
        _check_case(case)
    results = Result.objects.select_related(
        "case__region", "case__subitem", "case__guide", "case__authority", "case__decided_by__staff"
    ).select_related("case__decided_department", "seal__organisation")
    for result in results.order_by("pk")[:300]:
        _check_result(result)
    assert Case.objects.values("number").distinct().count() == 1500
    per_day = Counter()
    for number in Case.objects.values_list("number", flat=True):
        per_day[number[6:14]] = max(per_day[number[6:14]], int(number[14:]))
    assert dict(CaseSerial.objects.filter(scope="case").values_list("key", "last")) == dict(per_day)


def test_a_seeded_load_makes_the_same_cases_with_or_without_workers(world, frozen_clock):
    frozen_clock(TODAY)

    def made(since_id: int, through_id: int | None = None):
        cases = Case.objects.filter(pk__gt=since_id)
        if through_id is not None:
            cases = cases.filter(pk__lte=through_id)
        return list(
            cases.order_by("received_at", "number").values_list(
                "received_at", "status", "subitem_id", "due_date", "decided_at", "issued_at"
            )
        )

    generator.CHUNK, chunk = 250, generator.CHUNK
    try:
        generator.generate(600, days=150, seed=21, workers=0)
        last_id = Case.objects.aggregate(top=Max("pk"))["top"]
        generator.generate(600, days=150, seed=21, workers=2)
    finally:
        generator.CHUNK = chunk
    alone = made(0, last_id)
    assert len(alone) == 600
    assert made(last_id) == alone


def test_a_workers_copy_text_is_what_core_bulk_makes_of_the_rows(world, frozen_clock):
    """The line writers of the worker path (`_copy_batches`) hold the same columns, in the same order and
    the same text, as the rows of the in-process path (`_batches`) through `core.bulk.copy_text`."""
    import random

    from django.utils import translation

    from onewindow.core import bulk

    frozen_clock(TODAY)
    rng = random.Random(3)
    world_ = generator._world(rng, 800)
    texts = generator._Texts()
    sim = generator._Simulator(world_, rng, clock.now(), texts)
    with translation.override("zh-hans"):
        days = generator._days(world_, 800, 200, rng, clock.now())
        sketch = generator._simulate_chunk(sim, world_, days, texts)
        serials = {(r, "case", f"{day:%Y%m%d}"): 1 for r, day in sketch.per_day}
        serials |= {(r, "result", str(year)): 1 for r, year in sketch.per_year}
        reserved = generator._Reserved(
            serials=serials,
            case_ids=list(range(1, len(sketch.made) + 1)),
            suspension_ids=list(range(1, sketch.suspensions + 1)),
        )
        generator._finish_chunk(sketch, world_, reserved)
    made = sketch.made
    # Text that needs COPY's escapes.
    made[0].events[-1].comment = "tab\there, back\\slash, new\nline"
    made[0].events[-1].data = {"note": 'a "quoted"\\ value'}
    assert any(m.result for m in made) and any(m.suspension for m in made) and any(m.extension for m in made)
    expected = [
        (model, fields, bulk.copy_text(model, fields, rows).data)
        for model, fields, rows in generator._batches(made)
    ]
    written = [(model, fields, text.data) for model, fields, text in generator._copy_batches(made)]
    assert [m for m, _f, _t in written] == [m for m, _f, _t in expected]
    for (model, _fields, text), (_model, _f, want) in zip(written, expected, strict=True):
        assert text.decode().splitlines() == want.decode().splitlines(), model.__name__
