"""The one clock of the system: rules ask `now()`, tests move it with `frozen()` or `travel()`."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.utils import timezone

_global_override: list[dt.datetime | None] = [None]


def now() -> dt.datetime:
    """Current aware time (UTC), unless a test froze it."""
    override = _global_override[0]
    return override if override is not None else timezone.now()


def today() -> dt.date:
    """The hall's local date (ONEWINDOW_TIME_ZONE)."""
    return local_date(now())


def local(moment: dt.datetime) -> dt.datetime:
    """`moment` in the hall's time zone (ONEWINDOW_TIME_ZONE, which no request changes): Django's
    `localtime` without a zone looks up the active one in a context-local on every call."""
    return timezone.localtime(moment, timezone.get_default_timezone())


def local_date(moment: dt.datetime) -> dt.date:
    return local(moment).date()


@contextlib.contextmanager
def frozen(moment: dt.datetime):
    """Freeze the clock for every thread (live-server tests run requests in other threads)."""
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    previous = _global_override[0]
    _global_override[0] = moment
    try:
        yield
    finally:
        _global_override[0] = previous


def set_now(moment: dt.datetime | None) -> None:
    """Move the frozen clock (None to let real time run again)."""
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    _global_override[0] = moment
