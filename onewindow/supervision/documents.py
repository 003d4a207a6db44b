"""The printable 督办通知书 of a supervision order (PDF, in Chinese, the bureau's seal), drawn like the
case notices (cases/pdf/base.html)."""

from __future__ import annotations

from django.utils import translation

from onewindow.core import clock
from onewindow.core.pdf import render_pdf
from onewindow.handover.documents import seal_data_uri
from onewindow.handover.seals import seal_for_notice
from onewindow.supervision.models import SupervisionOrder


def cn_date(value) -> str:
    """2026年11月27日 (a time is first taken to the hall's local date)."""
    import datetime as dt

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = clock.local_date(value)
    return f"{value.year}年{value.month}月{value.day}日"


def order_context(order: SupervisionOrder) -> dict:
    from onewindow.org.selectors import bureau_of

    bureau = bureau_of(order.region)
    seal = seal_for_notice(authority=bureau, at=order.issued_at) if bureau is not None else None
    case = order.case
    return {
        "title": "督办通知书",
        "doc_number": order.number,
        "order": order,
        "case": case,
        "subitem": case.subitem,
        "department": order.department,
        "bureau": bureau,
        "signer_name": bureau.name if bureau else "",
        "seal_uri": seal_data_uri(seal) if seal is not None else "",
        "date": cn_date(order.issued_at),
        "accepted_on": cn_date(case.accepted_at),
        "case_due": cn_date(order.case_due_date),
        "explanation_due": cn_date(order.explanation_due),
        "explained_on": cn_date(order.explained_at),
        "closed_on": cn_date(order.closed_at),
    }


def order_notice(order: SupervisionOrder) -> bytes:
    """The 督办通知书 in Chinese, whatever the caller's language."""
    with translation.override("zh-hans"):
        return render_pdf("supervision/pdf/order_notice.html", order_context(order))
