import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from onewindow.core import audit
from onewindow.core.models import AuditEntry


def _append(n):
    for i in range(n):
        with transaction.atomic():
            audit.record(
                action="test.event", object_type="thing", object_id=str(i), detail={"i": i, "名称": "甲"}
            )
    audit.seal_all()  # what the sealer does after commit (a no-op when each writer seals its own entry)


def _disable_triggers():
    """What an attacker with database access would do first."""
    from onewindow.core import db_guards

    db_guards.remove(connection)


def test_intact_chain_verifies(db):
    _append(5)
    result = audit.verify()
    assert result.ok and result.checked == 5
    call_command("audit", "verify")


def test_record_many_extends_the_same_chain_as_record(db):
    _append(2)
    with transaction.atomic():
        added = audit.record_many(
            {"action": "test.bulk", "object_type": "thing", "object_id": i, "detail": {"i": i, "名称": "乙"}}
            for i in range(50)
        )
    _append(1)
    assert added == 50
    result = audit.verify()
    assert result.ok and result.checked == 53
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == list(range(1, 54))
    assert entries[2].action == "test.bulk" and entries[2].detail == {"i": 0, "名称": "乙"}
    assert entries[2].prev_hash == entries[1].hash and entries[-1].prev_hash == entries[-2].hash
    call_command("audit", "verify")


def test_bulk_canonical_text_is_the_verifiers(db):
    """The bulk writer's direct canonical text equals `_entry_hash`'s json.dumps for awkward values."""
    import datetime as dt

    at = dt.datetime(2024, 3, 1, 8, 30, 5, tzinfo=dt.UTC)
    for detail, object_id, actor in (
        ({}, "", None),
        ({"b": [1, 2.5, None], "a": {"z": '引号"\\', "y": True}}, "1\n2", None),
        ({"number": "2103002024030100001", "status": "issued", "version": 6}, "x\u202e", None),
    ):
        row = audit._bulk_row(
            action="test.bulk", region="210300", object_id=object_id, detail=detail, at=at, actor=actor
        )
        entry = AuditEntry(**dict(zip(audit._BULK_FIELDS, row, strict=True)), seq=7, prev_hash="ab" * 32)
        entry.detail = __import__("json").loads(entry.detail)
        canonical = audit._canonical(row, 7, "ab" * 32)
        assert audit.sm3_hex(canonical.encode()) == audit._entry_hash(entry)


def test_sealed_bulk_entries_join_the_chain_in_the_writers_transaction(db):
    _append(2)
    with transaction.atomic():
        audit.record(action="test.unsealed")  # committed with the bulk: sealed first, then the bulk
        assert (
            audit.record_many(({"action": "test.bulk", "object_id": str(i)} for i in range(30)), sealed=True)
            == 30
        )
    assert not AuditEntry.objects.filter(hash__isnull=True).exists()
    _append(1)
    result = audit.verify()
    assert result.ok and result.checked == 34


def test_record_many_outside_a_transaction_is_refused(db):
    with pytest.raises(RuntimeError):
        connection.in_atomic_block = False
        try:
            audit.record_many([{"action": "x"}])
        finally:
            connection.in_atomic_block = True


def test_record_outside_a_transaction_is_refused(db):
    # pytest-django wraps tests in a transaction; leave it to see the guard.
    with pytest.raises(RuntimeError):
        connection.in_atomic_block = False
        try:
            audit.record(action="x")
        finally:
            connection.in_atomic_block = True


def test_database_refuses_update_and_delete(db):
    _append(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=1).update(actor="mallory")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(seq=2).delete()


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_tampered_chain_fails_verification_and_names_the_entry(db, tamper):
    _append(6)
    _disable_triggers()
    if tamper == "edit":
        AuditEntry.objects.filter(seq=3).update(detail={"i": 99})
        bad = 3
    elif tamper == "delete":
        AuditEntry.objects.filter(seq=4).delete()
        bad = 5
    else:
        e4 = AuditEntry.objects.get(seq=4)
        AuditEntry.objects.filter(seq=4).update(seq=1000)
        AuditEntry.objects.filter(seq=5).update(seq=4)
        AuditEntry.objects.filter(seq=1000).update(seq=5)
        assert e4.pk
        bad = 4
    result = audit.verify()
    assert not result.ok
    assert result.bad_seq == bad
    with pytest.raises(CommandError, match=f"#{bad}"):
        call_command("audit", "verify")


def test_every_user_creation_is_audited(sample_org):
    entries = AuditEntry.objects.filter(action="org.user.create")
    assert entries.count() >= 30
    assert audit.verify().ok
