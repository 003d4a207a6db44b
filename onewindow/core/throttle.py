"""A fixed-window rate limit per client address, in Django's cache: the login-free pages and endpoints."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from onewindow.core import clock
from onewindow.core.errors import TooManyRequests


def _client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def check(request, scope: str) -> None:
    """Count this request of `scope` from its address; `TooManyRequests` (429, with `retry_after`
    seconds) when the address is over ONEWINDOW_PUBLIC_RATE_LIMIT in ONEWINDOW_PUBLIC_RATE_WINDOW."""
    limit = int(getattr(settings, "ONEWINDOW_PUBLIC_RATE_LIMIT", 10))
    window = int(getattr(settings, "ONEWINDOW_PUBLIC_RATE_WINDOW", 60))
    now = clock.now().timestamp()
    slot = int(now // window)
    key = f"onewindow:rate:{scope}:{_client_ip(request)}:{slot}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    if count > limit:
        raise TooManyRequests(
            _("Too many queries from your address; try again in a minute."),
            code="rate_limited",
            retry_after=max(1, int((slot + 1) * window - now)),
        )
