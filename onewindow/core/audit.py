"""The tamper-evident audit chain: append inside the caller's transaction, verify from the first entry."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from django.db import transaction

from onewindow.core import clock
from onewindow.core.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64
SYSTEM = "system"


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


def record(
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
) -> AuditEntry:
    """Append one entry; must run inside the transaction of the change it records.

    The caller names the organisation and region the act belongs to (org.selectors.audit_context
    gives the actor's own); the chain knows nothing of organisations.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record() must be called inside the transaction of the change")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditEntry(
        seq=head.seq + 1,
        at=clock.now().astimezone(dt.UTC),
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
        prev_hash=head.hash,
    )
    entry.hash = _entry_hash(entry)
    entry.save(force_insert=True)
    AuditChainHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    reason: str = ""


def verify(batch_size: int = 2000) -> VerifyResult:
    """Walk the chain in order; report the first entry that was changed, removed or put out of order."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch_size):
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
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.seq != checked:
        return VerifyResult(
            False, checked, checked + 1, f"chain head says {head.seq} entries, found {checked}"
        )
    return VerifyResult(True, checked)
