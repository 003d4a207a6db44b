"""Refused business actions in the audit chain (success=false), written after the request's own
transactions ended: the refused change rolled back, its refusal is recorded in a transaction of its own."""

from __future__ import annotations

import logging

from django.db import transaction

from onewindow.core import audit, refusals
from onewindow.org import roles as r
from onewindow.org.selectors import audit_context

logger = logging.getLogger(__name__)
ACTION_PREFIX = "refused."


def record_refusal(*, user, exc, method: str, path: str) -> None:
    """One entry: `refused.<error code>`, the caller, what was asked and why it was refused."""
    code = str(getattr(exc, "code", "") or exc.__class__.__name__)
    with transaction.atomic():
        audit.record(
            action=(ACTION_PREFIX + code)[:80],
            actor=user,
            role=",".join(sorted(r.roles_of(user)))[:40],
            **audit_context(user),
            object_type="request",
            object_id=path[:80],
            detail={
                "method": method,
                "path": path,
                "status": exc.status,
                "code": code,
                "message": str(getattr(exc, "message", exc))[:500],
            },
            success=False,
        )


class RefusalAuditMiddleware:
    """After the view: every refusal the faces noted (core.refusals.note) becomes an audit entry."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for user, exc in refusals.noted(request):
            try:
                record_refusal(user=user, exc=exc, method=request.method, path=request.path)
            except Exception:  # noqa: BLE001 — the answer stands; a lost refusal entry is logged loudly
                logger.exception("could not record a refused action in the audit chain")
        return response
