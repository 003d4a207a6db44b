"""The tamper-evident audit chain: entries written in the caller's transaction, chained by one sealer.

Writers never wait for each other here. `record()` inserts the entry inside the transaction of the change
it records, with an id from the table's sequence and no place in the chain yet (`seq`, `prev_hash`, `hash`
empty). After commit the sealer (`seal()`: the loop `onewindow serve` starts, every `onewindow tick`, and
`onewindow audit verify` before it walks) takes the chain head's lock, reads the committed unsealed entries
in id order and gives each the next `seq`, the previous entry's hash and its own SM3 hash. An entry whose
transaction commits late (a lower id than some sealed one) is simply sealed in the next run: the chain's
order is the order entries became visible to the sealer; `at` keeps the writer's time. A rolled-back
writer leaves an unused id, never a hole in `seq`; so a missing `seq`, a broken link or a hash that does
not match is tampering, and `verify()` names the first such entry.

In `inline` mode (ONEWINDOW_AUDIT_SEALING=inline) `record()` seals its own entry under the head's lock, as
the chain did before the sealer: every audited write of the system then queues on that one row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.conf import settings
from django.db import connection, transaction

from onewindow.core import bulk, clock, prepared
from onewindow.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
SYSTEM = "system"
SEAL_BATCH = 5000


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


def _entry_hash(entry: AuditEntry) -> str:
    payload = {
        "seq": entry.seq,
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor": entry.actor,
        "role": entry.role,
        "organisation": entry.organisation,
        "region": entry.region,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "success": entry.success,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return sm3_hex(canonical.encode("utf-8"))


def inline() -> bool:
    """True when each writer seals its own entry (ONEWINDOW_AUDIT_SEALING=inline)."""
    return getattr(settings, "ONEWINDOW_AUDIT_SEALING", "deferred") == "inline"


def _entry(
    *,
    action: str,
    actor=None,
    role: str = "",
    organisation: str = "",
    region: str = "",
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    success: bool = True,
    at: dt.datetime | None = None,
) -> AuditEntry:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEntry(
        at=(at or clock.now()).astimezone(dt.UTC),
        actor_id=getattr(actor, "pk", None),
        actor=getattr(actor, "username", None) or SYSTEM,
        role=role,
        organisation=organisation,
        region=region,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        success=success,
        detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction of the change")


def _chain_inline(entries: list[AuditEntry]) -> None:
    """Inline mode: give `entries` their places under the head's lock (held to the caller's commit)."""
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    seq, prev = head.seq, head.hash
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = _entry_hash(entry)
    AuditChainHead.objects.filter(pk=1).update(seq=seq, hash=prev, sealed_at=clock.now(), lag_ms=0)


INSERT = prepared.Insert(AuditEntry)  # one row, the SQL built once (AuditEntry has no save())


def entry(**fields) -> AuditEntry:
    """The entry `record` appends (the fields of `_entry`), not yet written: for a caller that writes it
    together with its own rows (`writes.insert(audit.INSERT, entry)` inside `core.prepared.gathering()`,
    as the case services do) in the transaction of the change. In inline mode it already has its place in the chain (the head stays locked
    to the commit)."""
    _require_transaction()
    made = _entry(**fields)
    if inline():
        _chain_inline([made])
    return made


def record(**fields) -> AuditEntry:
    """Append one entry (the fields of `entry`); must run inside the transaction of the change it records.

    The caller names the organisation and region the act belongs to (org.selectors.audit_context
    gives the actor's own); the chain knows nothing of organisations. Deferred mode: one INSERT, no lock;
    the entry gets its `seq` and hash from the sealer once the transaction has committed.
    """
    return INSERT(entry(**fields))


# The columns record_many writes (the sealer fills seq, prev_hash and hash in deferred mode).
_BULK_FIELDS = (
    "at",
    "actor_id",
    "actor",
    "role",
    "organisation",
    "region",
    "action",
    "object_type",
    "object_id",
    "success",
    "detail",
)
SEALED_FIELDS = (*_BULK_FIELDS, "seq", "prev_hash", "hash")

_enc = json.encoder.encode_basestring  # the string writer of json.dumps(ensure_ascii=False)


def _detail_text(detail: dict | None) -> str:
    """The canonical text of a detail: what is stored, and what `_entry_hash` will write for it."""
    return json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _bulk_row(
    *,
    action: str,
    actor=None,
    role: str = "",
    organisation: str = "",
    region: str = "",
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
    success: bool = True,
    at: dt.datetime | None = None,
) -> tuple:
    """`_entry`'s values as a row of _BULK_FIELDS (no model instance: bulk loads write millions)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return (
        (at or clock.now()).astimezone(dt.UTC),
        getattr(actor, "pk", None),
        getattr(actor, "username", None) or SYSTEM,
        role,
        organisation,
        region,
        action,
        object_type,
        str(object_id),
        success,
        _detail_text(detail),
    )


def _canonical(row: tuple, seq: int, prev_hash: str) -> str:
    """`_entry_hash`'s canonical text of a bulk row, written directly (sorted keys, compact separators);
    tests/core/test_audit_chain.py holds the two to the same text."""
    at, actor_id, actor, role, organisation, region, action, object_type, object_id, success, detail = row
    return (
        f'{{"action":{_enc(action)},"actor":{_enc(actor)},"actor_id":{"null" if actor_id is None else int(actor_id)},'
        f'"at":"{at.isoformat(timespec="microseconds")}","detail":{detail},"object_id":{_enc(object_id)},'
        f'"object_type":{_enc(object_type)},"organisation":{_enc(organisation)},"prev_hash":{_enc(prev_hash)},'
        f'"region":{_enc(region)},"role":{_enc(role)},"seq":{seq},"success":{"true" if success else "false"}}}'
    )


class Chainer:
    """Seals bulk rows as they are written, for a writer that holds the chain head's lock (`sealing_here`)."""

    def __init__(self, seq: int, prev: str):
        self.seq, self.prev = seq, prev

    def rows(self, entries: Iterable[dict]) -> list[tuple]:
        """Rows of SEALED_FIELDS for `entries` (record()'s keyword arguments, plus an optional `at`),
        each with the next seq, the previous hash and its own SM3 hash."""
        out = []
        seq, prev = self.seq, self.prev
        for fields in entries:
            row = _bulk_row(**fields)
            seq += 1
            digest = sm3_hex(_canonical(row, seq, prev).encode("utf-8"))
            out.append((*row, seq, prev, digest))
            prev = digest
        self.seq, self.prev = seq, prev
        return out


@contextmanager
def sealing_here():
    """For a bulk writer inside ONE transaction: seal what has committed, keep the chain head's lock to the
    end of the transaction and seal the writer's own entries as they are written (`Chainer.rows`), in
    the order written; the head moves when the block ends. The lock makes every other sealer wait (or skip
    its turn) until the writer commits; entries of other writers are sealed after."""
    _require_transaction()
    if not inline():
        seal_all(wait=True)
    AuditChainHead.objects.get_or_create(pk=1)
    head = AuditChainHead.objects.select_for_update().get(pk=1)
    chainer = Chainer(head.seq, head.hash)
    yield chainer
    if chainer.seq != head.seq:
        AuditChainHead.objects.filter(pk=1).update(
            seq=chainer.seq, hash=chainer.prev, sealed_at=clock.now(), lag_ms=0
        )


def record_many(entries: Iterable[dict], *, sealed: bool = False) -> int:
    """Append many entries at once (bulk loads); each dict holds record()'s keyword arguments, plus an
    optional `at`. Same transaction rule as record(); written with core.bulk (COPY on PostgreSQL).
    `sealed` (or inline mode): chained in this transaction under the head's lock (`sealing_here`)."""
    _require_transaction()
    if sealed or inline():
        with sealing_here() as chainer:
            rows = chainer.rows(entries)
            bulk.insert_rows(AuditEntry, SEALED_FIELDS, rows)
        return len(rows)
    return bulk.insert_rows(AuditEntry, _BULK_FIELDS, (_bulk_row(**fields) for fields in entries))


# --------------------------------------------------------------------------------------------------
# The sealer
# --------------------------------------------------------------------------------------------------


def _write_seals(entries: list[AuditEntry]) -> None:
    """Store seq, prev_hash and hash of freshly sealed entries (the one UPDATE the guards allow)."""
    rows = [(e.id, e.seq, e.prev_hash, e.hash) for e in entries]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "UPDATE core_auditentry AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[]) "
                "AS v(id, seq, prev_hash, hash) WHERE e.id = v.id AND e.hash IS NULL AND e.seq IS NULL",
                [list(column) for column in zip(*rows, strict=True)],
            )
            written = cursor.rowcount
        else:  # one UPDATE … FROM a JSON array (SQLite ≥ 3.33): the write lock is held for one statement
            cursor.execute(
                "UPDATE core_auditentry AS e SET seq = v.seq, prev_hash = v.prev_hash, hash = v.hash "
                "FROM (SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS seq, "
                "json_extract(value, '$[2]') AS prev_hash, json_extract(value, '$[3]') AS hash "
                "FROM json_each(%s)) AS v "
                "WHERE e.id = v.id AND e.hash IS NULL AND e.seq IS NULL",
                [json.dumps(rows)],
            )
            written = cursor.rowcount
    if written != len(rows):  # only a second sealer without the lock could cause this
        raise RuntimeError(f"sealing wrote {written} of {len(rows)} entries; nothing sealed")


def seal(*, batch: int = SEAL_BATCH, wait: bool = False) -> int:
    """Chain up to `batch` committed, unsealed entries in id order; return how many were sealed.

    One sealer at a time: the chain head's row lock. Without `wait`, a run that finds the lock taken
    (another process is sealing) returns 0 at once. The entries are read and hashed before the lock is
    taken, from the head as it was then, so the write transaction holds the lock (on SQLite: every
    writer's) only for the writes; if the head moved meanwhile (another sealer ran), the hashing is done
    again under the lock from the head it holds.
    """
    waiting = AuditEntry.objects.filter(hash__isnull=True, seq__isnull=True).order_by("id")
    pending = list(waiting[:batch])  # a read, outside any write transaction
    if not pending:
        return 0
    seen = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or _EMPTY_HEAD
    _chain(pending, *seen)
    with transaction.atomic():
        AuditChainHead.objects.get_or_create(pk=1)
        heads = AuditChainHead.objects.select_for_update(skip_locked=not wait).filter(pk=1)
        head = heads.first()
        if head is None:
            return 0
        if (head.seq, head.hash) != seen:  # another sealer chained entries meanwhile: from its head
            pending = list(waiting[:batch])
            if not pending:
                return 0
            _chain(pending, head.seq, head.hash)
        _write_seals(pending)
        now = clock.now()
        lag = max(0, int((now - pending[0].at).total_seconds() * 1000))
        last = pending[-1]
        AuditChainHead.objects.filter(pk=1).update(seq=last.seq, hash=last.hash, sealed_at=now, lag_ms=lag)
    return len(pending)


_EMPTY_HEAD = (0, AuditChainHead._meta.get_field("hash").default)  # as get_or_create makes it


def _chain(entries: list[AuditEntry], seq: int, prev: str) -> None:
    """Number and hash `entries` in order after the head (seq, hash)."""
    for entry in entries:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.hash = prev = _entry_hash(entry)


def seal_all(*, wait: bool = True) -> int:
    """Seal until nothing committed is left unsealed; return how many were sealed."""
    total = 0
    while (done := seal(wait=wait)) > 0:
        total += done
        if done < SEAL_BATCH:
            break
    return total


@dataclass(frozen=True)
class SealStatus:
    sealed: int  # entries in the chain
    unsealed: int  # committed entries waiting for the sealer
    oldest_unsealed_at: dt.datetime | None
    sealed_at: dt.datetime | None  # the last sealing run
    lag_ms: int  # how long the oldest entry of the last run waited

    @property
    def waiting_seconds(self) -> float:
        """Age of the oldest entry still waiting (0 when none): the sealing lag right now."""
        if self.oldest_unsealed_at is None:
            return 0.0
        return max(0.0, (clock.now() - self.oldest_unsealed_at).total_seconds())

    def describe(self) -> str:
        text = f"sealed through #{self.sealed}"
        if self.sealed_at is not None:
            text += f", last sealing {self.sealed_at.astimezone(dt.UTC):%Y-%m-%d %H:%M:%S} UTC (lag {self.lag_ms} ms)"
        if self.unsealed:
            text += f"; {self.unsealed} entries waiting for the sealer, oldest {self.waiting_seconds:.1f} s"
        else:
            text += "; none waiting"
        return text


def status() -> SealStatus:
    head = AuditChainHead.objects.filter(pk=1).first()
    waiting = AuditEntry.objects.filter(hash__isnull=True, seq__isnull=True)
    oldest = waiting.order_by("id").values_list("at", flat=True).first()
    return SealStatus(
        sealed=head.seq if head else 0,
        unsealed=waiting.count() if oldest is not None else 0,
        oldest_unsealed_at=oldest,
        sealed_at=head.sealed_at if head else None,
        lag_ms=head.lag_ms if head else 0,
    )


# --------------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""
    sealing: SealStatus | None = None


def verify(batch_size: int = 2000, *, seal_first: bool = True) -> VerifyResult:
    """Seal what has committed, then walk the chain in order; report the first entry that was changed,
    removed or put out of order (by its `seq`). Entries still unsealed afterwards (committed during the
    walk) are reported in `sealing`, not failed."""
    if seal_first:
        seal_all()
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    chain = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    for entry in chain.iterator(chunk_size=batch_size):
        if entry.seq != expected_seq:
            return VerifyResult(
                False, checked, entry.seq, f"expected entry #{expected_seq}, found #{entry.seq}"
            )
        if entry.prev_hash != expected_prev:
            return VerifyResult(False, checked, entry.seq, "previous-hash link broken")
        if _entry_hash(entry) != entry.hash:
            return VerifyResult(False, checked, entry.seq, "content does not match its hash")
        expected_prev = entry.hash
        expected_seq += 1
        checked += 1
    state = status()
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != checked:
        return VerifyResult(
            False, checked, checked + 1, f"chain head says {head.seq} entries, found {checked}", state
        )
    if head is not None and checked and head.hash != expected_prev:
        return VerifyResult(False, checked, checked, "the chain head's hash is not the last entry's", state)
    return VerifyResult(True, checked, sealing=state)
