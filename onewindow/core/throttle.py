"""Fixed-window rate limits of the login-free pages and endpoints, counted in the database so that every
worker process shares them: per client address, and per subject (a case number) for failed look-ups."""

from __future__ import annotations

import contextlib
import hashlib

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from onewindow.core import clock
from onewindow.core.errors import NotFound, TooManyRequests
from onewindow.core.models import RateCounter


def client_ip(request) -> str:
    """The client's address; behind a trusted proxy (ONEWINDOW_BEHIND_PROXY) the last X-Forwarded-For
    entry, the one the proxy itself appended (earlier entries come from the client and can be forged)."""
    if getattr(settings, "ONEWINDOW_BEHIND_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(scope: str, who: str, slot: int) -> str:
    if len(who) > 80:  # keys stay short whatever a client sends as a case number
        who = hashlib.sha256(who.encode()).hexdigest()
    return f"{scope}:{who}:{slot}"


def _slot(window: int) -> tuple[int, float]:
    now = clock.now().timestamp()
    return int(now // window), now


def _hit(key: str, expires_at: float) -> int:
    """Add one hit to `key` and return its count: one statement, atomic across processes."""
    table, k, hits = (connection.ops.quote_name(n) for n in (RateCounter._meta.db_table, "key", "hits"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({k}, {hits}, expires_at) VALUES (%s, 1, %s) "
            f"ON CONFLICT ({k}) DO UPDATE SET {hits} = {table}.{hits} + 1 RETURNING {hits}",
            [key, expires_at],
        )
        hits = cursor.fetchone()[0]
    if hits == 1:  # a new slot began: forget the expired ones
        RateCounter.objects.filter(expires_at__lt=expires_at - 3600).delete()
    return hits


def _refuse(message, *, slot: int, window: int, now: float):
    raise TooManyRequests(message, code="rate_limited", retry_after=max(1, int((slot + 1) * window - now)))


def check(request, scope: str) -> None:
    """Count this request of `scope` from its address; `TooManyRequests` (429, with `retry_after`
    seconds) when the address is over ONEWINDOW_PUBLIC_RATE_LIMIT in ONEWINDOW_PUBLIC_RATE_WINDOW."""
    limit = int(getattr(settings, "ONEWINDOW_PUBLIC_RATE_LIMIT", 10))
    window = int(getattr(settings, "ONEWINDOW_PUBLIC_RATE_WINDOW", 60))
    slot, now = _slot(window)
    if _hit(_key(f"ip:{scope}", client_ip(request), slot), (slot + 1) * window) > limit:
        _refuse(
            _("Too many queries from your address; try again in a minute."), slot=slot, window=window, now=now
        )


@contextlib.contextmanager
def guarded(request, scope: str, subject: str):
    """Per address as `check`, and per `subject` (e.g. a case number): once ONEWINDOW_PUBLIC_SUBJECT_FAILURES
    look-ups of it failed (NotFound) within ONEWINDOW_PUBLIC_SUBJECT_WINDOW seconds, from any address, it is
    refused until the window passes, so that guessing its check digits from many addresses is slow too.
    Unknown subjects are counted alike: the answers never tell whether one exists."""
    check(request, scope)
    limit = int(getattr(settings, "ONEWINDOW_PUBLIC_SUBJECT_FAILURES", 10))
    window = int(getattr(settings, "ONEWINDOW_PUBLIC_SUBJECT_WINDOW", 3600))
    slot, now = _slot(window)
    key = _key(f"subject:{scope}", subject.strip(), slot)
    counter = RateCounter.objects.filter(key=key).values_list("hits", flat=True).first()
    if counter is not None and counter >= limit:
        _refuse(
            _("Too many failed queries for this number; try again later."), slot=slot, window=window, now=now
        )
    try:
        yield
    except NotFound:
        _hit(key, (slot + 1) * window)
        raise
