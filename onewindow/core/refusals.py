"""Refused actions for the audit chain: the faces note a refusal; org's middleware records it after the
refused transaction rolled back, in a transaction of its own (the refused one left nothing behind)."""

from __future__ import annotations

# A business refusal: not allowed (403), wrong state or stale version (409), a rule broken (422).
# Malformed input (400) and unknown things (404) are no attempted act on a thing of ours.
REFUSED_STATUSES = frozenset({403, 409, 422})
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ATTRIBUTE = "_onewindow_refusals"


def note(request, exc, *, user=None) -> None:
    """Remember that this request's act was refused with the domain error `exc` (a write by a signed-in
    user only); `user` defaults to the session's."""
    if request is None or request.method not in WRITE_METHODS:
        return
    status = getattr(exc, "status", None)
    if status not in REFUSED_STATUSES:
        return
    user = user if user is not None else getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return
    refusals = getattr(request, ATTRIBUTE, None)
    if refusals is None:
        refusals = []
        setattr(request, ATTRIBUTE, refusals)
    refusals.append((user, exc))


def noted(request) -> list:
    return getattr(request, ATTRIBUTE, None) or []
