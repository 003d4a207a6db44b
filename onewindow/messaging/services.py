"""Writes of the outbox: queue a message at a case step (inside the case's transaction), deliver it after
the commit, retry on failure with backoff until a maximum of attempts, and the supervisor's retry.

A message is queued already leased to the request that wrote it (its next attempt a lease ahead, in the
same INSERT), so its delivery after the commit claims nothing: one UPDATE records the outcome. Every other
attempt (a tick, a retry, or the lease holder's own thread before its commit) claims the row before sending
(an UPDATE that pushes its next attempt a lease ahead), so the on-commit delivery, two `onewindow tick`s and
a retry button never send one message twice; a request that died after its commit leaves the message to
the first tick after the lease."""

from __future__ import annotations

import datetime as dt
import logging
import re

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.core import audit, clock, prepared
from onewindow.core.errors import Conflict, PermissionDenied
from onewindow.messaging import texts
from onewindow.messaging.backends import SmsError, get_backend
from onewindow.messaging.backends.base import Sms
from onewindow.messaging.models import SmsKind, SmsMessage, SmsStatus
from onewindow.org import roles as r
from onewindow.org.selectors import audit_context

logger = logging.getLogger(__name__)

# Mainland mobile numbers only: a landline cannot receive a text.
MOBILE = re.compile(r"^1[3-9]\d{9}$")
# How long a claimed message is left to its sender before another worker may try it again.
LEASE = dt.timedelta(minutes=5)
_INSERT = prepared.Insert(SmsMessage)


def _kind_of(case, event) -> str | None:
    if event.action == "supplement" and case.status == "supplement_requested":
        return SmsKind.SUPPLEMENT  # materials handed in, some still missing: a new supplement request
    return texts.KIND_OF_ACTION.get(event.action)


def on_case_event(case, event) -> SmsMessage | None:
    """The `cases.hooks.on_case_event` listener: queue the applicant's message of this step, in the case
    change's transaction (a rolled-back change leaves no message), and deliver it once that commits."""
    kind = _kind_of(case, event)
    phone = "".join((case.applicant_phone or "").split())
    if kind is None or not MOBILE.match(phone):
        return None
    now = clock.now()
    with translation.override(settings.LANGUAGE_CODE):  # the hall's language, whoever acted
        text = texts.text_for(kind, number=case.number, due=case.due_date)
    message = SmsMessage(
        region_id=case.region_id,
        case=case,
        event=event,
        kind=kind,
        phone=phone,
        text=text[:300],
        created_at=now,
        next_attempt_at=now + LEASE,  # leased to this request's delivery after the commit
    )
    prepared.add(_INSERT, message)  # with the case change's writes (its event's id known then)
    # robust: whatever happens in delivery, the committed case change still answers its request.
    transaction.on_commit(_Delivery(message), robust=True)
    return message


class _Delivery:
    """The delivery after the commit of a message its request queued leased to itself. Until it runs it
    is pending in the connection's on-commit list: what this thread may still deliver at once (`_held`)."""

    def __init__(self, message: SmsMessage):
        self.message = message
        self.pending = True

    def __call__(self):
        if self.pending:  # not used meanwhile by this thread's own tick or deliver
            self.pending = False
            deliver(self.message.pk, message=self.message, leased_until=self.message.next_attempt_at)


def _held() -> dict[int, _Delivery]:
    """The messages leased to this thread's open transaction whose delivery has not run: this thread may
    use its lease at once (a tick or a deliver before the commit); nobody else may before the lease ends.
    A rolled-back transaction's on-commit list is dropped, and its leases with it."""
    return {
        func.message.pk: func
        for _sids, func, _robust in connection.run_on_commit
        if isinstance(func, _Delivery) and func.pending
    }


def _backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… minutes after the n-th failed attempt, at most an hour."""
    return min(dt.timedelta(minutes=2 ** max(0, attempts - 1)), dt.timedelta(hours=1))


def _claim(pk: int, now: dt.datetime, *, held: bool = False) -> int | None:
    """Take the message for one attempt if it is queued and due (or `held`: leased to this thread): its
    attempts so far, this one included; None when someone else has it. One statement (UPDATE … RETURNING)."""
    q = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    due = "" if held else f"AND {q('next_attempt_at')} <= %s "
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(SmsMessage._meta.db_table)} SET {q('attempts')} = {q('attempts')} + 1, "
            f"{q('next_attempt_at')} = %s WHERE {q('id')} = %s AND {q('status')} = %s "
            f"{due}RETURNING {q('attempts')}",
            [adapt(now + LEASE), pk, SmsStatus.QUEUED, *([] if held else [adapt(now)])],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _mark_sent(pk: int, *, attempts: int, gateway_id: str) -> None:
    """Record a delivery: one UPDATE whose text is built once (after each request that queued a text,
    the ORM's UPDATE compiled anew cost more than the statement)."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {q(SmsMessage._meta.db_table)} SET {q('status')} = %s, {q('attempts')} = %s, "
            f"{q('sent_at')} = %s, {q('next_attempt_at')} = NULL, {q('last_error')} = '', "
            f"{q('gateway_id')} = %s WHERE {q('id')} = %s",
            [
                SmsStatus.SENT.value,
                attempts,
                connection.ops.adapt_datetimefield_value(clock.now()),
                gateway_id,
                pk,
            ],
        )


def deliver(
    pk: int, *, backend=None, message: SmsMessage | None = None, leased_until: dt.datetime | None = None
) -> str | None:
    """One delivery attempt of message `pk` if it is due: its status after (None when not due or taken).
    A failure is recorded and retried later (backoff), until ONEWINDOW_SMS_MAX_ATTEMPTS: then `failed`.
    `message`: the row as its creator holds it (its phone and text never change), to spare reading it.
    `leased_until`: the message was queued leased to the caller until then, with no attempt yet (the
    delivery after the commit of the request that queued it): no claim while the lease lasts."""
    now = clock.now()
    if leased_until is not None and now < leased_until:
        attempts = 1
    else:
        held = _held().pop(pk, None)
        if held is not None:
            held.pending = False  # this attempt uses the lease: the delivery after the commit will not
        attempts = _claim(pk, now, held=held is not None)
    if attempts is None:
        return None
    if message is None:
        message = SmsMessage.objects.only("phone", "text").get(pk=pk)
    try:
        sender = backend or get_backend()
        reference = sender.send(Sms(phone=message.phone, text=message.text, reference=str(pk)))
    except SmsError as exc:
        error = str(exc)[:300]
    except Exception as exc:  # a broken sender must not break the request that committed the case change
        logger.exception("SMS backend crashed on message %s", pk)
        error = f"{type(exc).__name__}: {exc}"[:300]
    else:
        _mark_sent(pk, attempts=attempts, gateway_id=str(reference or "")[:100])
        return SmsStatus.SENT
    final = attempts >= settings.ONEWINDOW_SMS_MAX_ATTEMPTS
    SmsMessage.objects.filter(pk=pk).update(
        status=SmsStatus.FAILED if final else SmsStatus.QUEUED,
        attempts=attempts,
        next_attempt_at=None if final else now + _backoff(attempts),
        last_error=error,
    )
    logger.warning("SMS %s attempt %d failed%s: %s", pk, attempts, " for good" if final else "", error)
    return SmsStatus.FAILED if final else SmsStatus.QUEUED


def deliver_due(*, limit: int = 500) -> tuple[int, int, int]:
    """The tick job: try every queued message that is due (oldest first); (sent, failed for good, to retry)."""
    held = list(_held())  # leased to this thread: due for it now
    due_now = Q(next_attempt_at__lte=clock.now())
    due = list(
        SmsMessage.objects.filter(due_now | Q(pk__in=held) if held else due_now, status=SmsStatus.QUEUED)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    backend = get_backend() if due else None
    counts = {SmsStatus.SENT: 0, SmsStatus.FAILED: 0, SmsStatus.QUEUED: 0}
    for pk in due:
        outcome = deliver(pk, backend=backend)
        if outcome is not None:
            counts[outcome] += 1
    return counts[SmsStatus.SENT], counts[SmsStatus.FAILED], counts[SmsStatus.QUEUED]


def _regions_of(actor) -> list[int]:
    staff = getattr(actor, "staff", None)
    return [staff.organisation.region_id] if staff is not None else []


def retry(*, actor, message_id: int) -> SmsMessage:
    """The supervisor sends a failed message again (a fresh round of attempts), audited; delivered after
    the commit. Only a failed message: a queued one is being retried, a sent one was delivered."""
    if not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(_("Only the supervisor retries messages to applicants."), code="sms.forbidden")
    with transaction.atomic():
        message = (
            SmsMessage.objects.select_for_update(of=("self",))
            .select_related("region", "case")
            .filter(pk=message_id, region__in=_regions_of(actor))
            .first()
        )
        if message is None:
            from onewindow.core.scoping import not_found

            raise not_found()
        if message.status != SmsStatus.FAILED:
            raise Conflict(_("Only a failed message can be sent again."), code="sms.not_failed")
        message.status = SmsStatus.QUEUED
        message.attempts = 0
        message.next_attempt_at = clock.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        audit.record(
            action="messaging.sms.retry",
            actor=actor,
            role=r.SUPERVISOR,
            **audit_context(actor, region=message.region.code),
            obj=message,
            detail={"case": message.case.number, "kind": message.kind, "last_error": message.last_error},
        )
        transaction.on_commit(lambda: deliver(message.pk), robust=True)
    return message
