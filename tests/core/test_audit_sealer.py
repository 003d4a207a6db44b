"""Deferred sealing: writers insert unsealed entries without waiting for each other, one sealer chains the
committed ones after commit, and the chain still shows any entry changed, removed or put out of order."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import override_settings

from onewindow.core import audit, periodic
from onewindow.core.models import AuditChainHead, AuditEntry

deferred = override_settings(ONEWINDOW_AUDIT_SEALING="deferred")


def _write(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():
            audit.record(action="test.event", object_type="thing", object_id=str(i), detail={"i": i})


def _disable_triggers():
    from onewindow.core import db_guards

    db_guards.remove(connection)


@deferred
def test_a_writer_inserts_its_entry_unsealed_and_takes_no_lock(db):
    with transaction.atomic():
        entry = audit.record(action="test.event", detail={"名称": "甲"})
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert not AuditChainHead.objects.exists()  # a writer never touches the head
    assert audit.status().unsealed == 1


@deferred
def test_the_sealer_chains_committed_entries_in_id_order_and_verify_passes(db):
    _write(5)
    assert audit.seal() == 5
    assert audit.seal() == 0  # idempotent
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    state = audit.status()
    assert state.sealed == 5 and state.unsealed == 0 and state.sealed_at is not None
    result = audit.verify()
    assert result.ok and result.checked == 5


@deferred
def test_an_entry_that_commits_after_later_ones_were_sealed_is_sealed_next(db):
    """Ids are handed out at INSERT but transactions commit in any order: the late one joins the chain's end."""
    _write(3)
    audit.seal()
    late_id = AuditEntry.objects.order_by("id").first().pk - 1  # a smaller id than everything sealed
    with transaction.atomic():
        entry = audit._entry(action="test.late", object_id="late")
        entry.pk = late_id
        entry.save(force_insert=True)
    _write(1, start=3)
    assert audit.seal() == 2
    chain = list(AuditEntry.objects.order_by("seq").values_list("object_id", flat=True))
    assert chain == ["0", "1", "2", "late", "3"]
    assert audit.verify().ok


@deferred
def test_a_rolled_back_writer_leaves_no_hole_in_the_chain(db):
    _write(2)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        audit.record(action="test.rolled_back")
        raise ZeroDivisionError
    _write(2, start=2)
    result = audit.verify()
    assert result.ok and result.checked == 4
    assert not AuditEntry.objects.filter(action="test.rolled_back").exists()


@deferred
@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder", "unseal"])
def test_a_sealed_entry_changed_removed_or_reordered_is_named(db, tamper):
    _write(6)
    audit.seal_all()
    _disable_triggers()
    if tamper == "edit":
        AuditEntry.objects.filter(seq=3).update(actor="mallory")
        bad = 3
    elif tamper == "delete":
        AuditEntry.objects.filter(seq=4).delete()
        bad = 5
    elif tamper == "reorder":
        AuditEntry.objects.filter(seq=4).update(seq=1000)
        AuditEntry.objects.filter(seq=5).update(seq=4)
        AuditEntry.objects.filter(seq=1000).update(seq=5)
        bad = 4
    else:  # made to look unsealed again, so that the sealer would chain it anew at the end
        AuditEntry.objects.filter(seq=2).update(seq=None, prev_hash=None, hash=None)
        bad = 3
    result = audit.verify()
    assert not result.ok
    assert result.bad_seq == bad
    with pytest.raises(CommandError, match=f"#{bad}"):
        call_command("audit", "verify")


@deferred
def test_removing_the_last_sealed_entry_is_seen_by_the_head(db):
    _write(3)
    audit.seal_all()
    _disable_triggers()
    AuditEntry.objects.filter(seq=3).delete()
    result = audit.verify()
    assert not result.ok and result.bad_seq == 3


@deferred
def test_the_database_lets_sealing_through_but_no_other_change(db):
    _write(2)
    first, second = AuditEntry.objects.order_by("id")
    with pytest.raises(DatabaseError), transaction.atomic():  # sealing while changing the content
        AuditEntry.objects.filter(pk=first.pk).update(
            seq=1, prev_hash="0" * 64, hash="f" * 64, actor="mallory"
        )
    with pytest.raises(DatabaseError), transaction.atomic():  # changing an unsealed entry
        AuditEntry.objects.filter(pk=first.pk).update(detail={"i": 99})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=second.pk).delete()
    audit.seal_all()
    with pytest.raises(DatabaseError), transaction.atomic():  # re-sealing a sealed entry
        AuditEntry.objects.filter(pk=first.pk).update(hash="f" * 64)
    assert audit.verify().ok


@deferred
def test_verify_seals_first_and_reports_the_sealing_state(db):
    _write(3)
    out = StringIO()
    call_command("audit", "verify", stdout=out)
    assert "audit chain intact: 3 entries; sealed through #3" in out.getvalue()
    assert "none waiting" in out.getvalue()


@deferred
def test_the_seal_command_and_the_tick_job_seal_what_has_committed(db):
    _write(2)
    out = StringIO()
    call_command("audit", "seal", stdout=out)
    assert out.getvalue().startswith("sealed 2 entries")
    _write(1, start=2)
    out = StringIO()
    call_command("tick", "--only", "audit.seal", stdout=out)
    assert out.getvalue().startswith("audit.seal: sealed 1 audit entries")
    assert periodic.jobs()[-1].name == "audit.seal"  # after the jobs whose entries it seals


@deferred
def test_bulk_entries_are_inserted_unsealed_and_sealed_in_order(db):
    with transaction.atomic():
        assert audit.record_many({"action": "test.bulk", "object_id": str(i)} for i in range(250)) == 250
    assert audit.status().unsealed == 250
    assert audit.seal_all() == 250
    assert list(AuditEntry.objects.order_by("seq").values_list("object_id", flat=True)[:3]) == ["0", "1", "2"]
    assert audit.verify().ok


@override_settings(ONEWINDOW_AUDIT_SEALING="inline")
def test_inline_mode_seals_each_entry_in_its_writers_transaction(db):
    with transaction.atomic():
        entry = audit.record(action="test.event")
        audit.record_many([{"action": "test.bulk"}, {"action": "test.bulk"}])
    assert entry.seq == 1 and AuditEntry.objects.filter(hash__isnull=True).count() == 0
    assert audit.seal() == 0
    assert audit.verify().ok and audit.verify().checked == 3


@deferred
def test_concurrent_writers_commit_out_of_order_and_every_entry_is_sealed_once(transactional_db):
    """Writer A takes its id first and commits last; the sealer runs in between and never waits for A."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer at a time: A would hold the lock B waits for")
    from django.db import connections

    a_inserted, b_done = threading.Event(), threading.Event()
    errors = []

    def writer_a():
        try:
            with transaction.atomic():
                audit.record(action="test.a")
                a_inserted.set()
                b_done.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=writer_a)
    thread.start()
    a_inserted.wait(10)
    with transaction.atomic():
        audit.record(action="test.b")
    assert audit.seal() == 1  # B is committed, A is not visible yet: nothing waits
    b_done.set()
    thread.join(10)
    assert not errors
    assert audit.seal() == 1
    a, b = AuditEntry.objects.get(action="test.a"), AuditEntry.objects.get(action="test.b")
    assert a.pk < b.pk and (b.seq, a.seq) == (1, 2)
    assert audit.verify().ok


@deferred
def test_the_auditor_sees_entries_before_they_are_sealed_and_the_sealing_lag(sample_org):
    from django.test import Client

    from tests.conftest import ApiClient, sign_in

    audit.seal_all()
    with transaction.atomic():
        audit.record(action="test.waiting")
    auditor = ApiClient("auditor1")  # its token issue is audited (and waits) as well
    newest = auditor.get("/audit", {"action": "test.waiting"}).json()["results"][0]
    assert newest["seq"] is None and newest["action"] == "test.waiting"
    page = sign_in(Client(), "auditor1").get("/org/audit/").content.decode()
    assert "哈希链已封存至第" in page and "条记录等待封存" in page
    audit.seal_all()
    assert auditor.get("/audit", {"action": "test.waiting"}).json()["results"][0]["seq"] > 0
    assert "没有等待封存的记录" in sign_in(Client(), "auditor1").get("/org/audit/").content.decode()


def test_the_sealing_mode_is_read_from_the_environment(monkeypatch):
    from onewindow import config

    monkeypatch.delenv("ONEWINDOW_AUDIT_SEALING", raising=False)
    assert config.audit_sealing() == "deferred"
    monkeypatch.setenv("ONEWINDOW_AUDIT_SEALING", "inline")
    assert config.audit_sealing() == "inline"
    monkeypatch.setenv("ONEWINDOW_AUDIT_SEALING", "sometimes")
    with pytest.raises(config.ConfigError, match="inline or deferred"):
        config.audit_sealing()


@deferred
def test_the_sealer_hashes_before_it_locks_and_chains_from_the_head_it_holds_if_that_moved(db, monkeypatch):
    """Entries are hashed outside the write transaction (the lock is held only for the writes); another
    sealer that chained some of them meanwhile makes this one hash the rest again from the moved head."""
    _write(3)
    real = audit._chain
    calls = []

    def chain(entries, seq, prev):
        real(entries, seq, prev)
        if not calls:
            calls.append(len(entries))
            assert audit.seal(batch=1) == 1  # another sealer takes the first entry meanwhile

    monkeypatch.setattr(audit, "_chain", chain)
    assert audit.seal() == 2
    assert calls == [3]
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    result = audit.verify()
    assert result.ok and result.checked == 3
