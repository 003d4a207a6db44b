"""Reads of the outbox (the supervisor's page and its export)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from onewindow.core.errors import PermissionDenied
from onewindow.messaging.models import SmsMessage
from onewindow.org import roles as r


def mask_phone(phone: str) -> str:
    """138****1234: enough to tell two applicants apart, too little to call one."""
    phone = phone or ""
    if len(phone) < 8:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def outbox(user, *, status: str = "", kind: str = "", number: str = "") -> QuerySet[SmsMessage]:
    """The messages of the user's region, newest first, filtered by status, kind and case number (the
    supervisor's page: the supervisor reads the region, rule 10)."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return SmsMessage.objects.none()
    qs = SmsMessage.objects.select_related("case").filter(region_id=staff.organisation.region_id)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if number:
        qs = qs.filter(case__number=number)
    return qs.order_by("-created_at", "-pk")


def outbox_of(user, *, status: str = "", kind: str = "", number: str = "") -> QuerySet[SmsMessage]:
    """outbox() for the API, which has no page decorator to keep other roles out: the supervisor's only."""
    if not r.has_role(user, r.SUPERVISOR):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor reads the applicants' messages."), code="messaging.forbidden"
        )
    return outbox(user, status=status, kind=kind, number=number)


def sms_summary(m: SmsMessage) -> dict:
    """A message as the API shows it: the phone masked, never the clear number."""
    return {
        "id": m.pk,
        "case": m.case.number,
        "kind": m.kind,
        "phone": mask_phone(m.phone),
        "text": m.text,
        "status": m.status,
        "attempts": m.attempts,
        "queued_at": m.created_at,
        "sent_at": m.sent_at,
        "next_attempt_at": m.next_attempt_at,
        "last_error": m.last_error,
    }


def export_rows(qs: QuerySet[SmsMessage]):
    """The outbox as rows for a CSV: the phone masked, the text as sent."""
    for m in qs.iterator(chunk_size=2000):
        yield [
            m.created_at.isoformat(),
            m.case.number,
            m.get_kind_display(),
            mask_phone(m.phone),
            m.get_status_display(),
            m.attempts,
            m.sent_at.isoformat() if m.sent_at else "",
            m.last_error,
            m.text,
        ]
