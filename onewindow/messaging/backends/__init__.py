"""Pluggable SMS senders in the style of Django's mail backends: ONEWINDOW_SMS_BACKEND names a class
(dotted path) with `send(message) -> str` that returns the gateway's reference or raises SmsError.

Shipped: `console` (prints, for development), `file` (one JSON line per message in the day's file of a folder),
`http` (a JSON gateway configured by URL and key), `locmem` (kept in memory, for tests)."""

from __future__ import annotations

import functools

from django.conf import settings
from django.utils.module_loading import import_string

from onewindow.messaging.backends.base import BaseSmsBackend, SmsError

__all__ = ["BaseSmsBackend", "SmsError", "get_backend"]

SHORT_NAMES = {
    "console": "onewindow.messaging.backends.console.SmsBackend",
    "file": "onewindow.messaging.backends.file.SmsBackend",
    "http": "onewindow.messaging.backends.http.SmsBackend",
    "locmem": "onewindow.messaging.backends.locmem.SmsBackend",
}


def get_backend(path: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of the configured sender (or of `path`)."""
    path = path or settings.ONEWINDOW_SMS_BACKEND
    return _backend_class(SHORT_NAMES.get(path, path))(**kwargs)


@functools.lru_cache(maxsize=16)
def _backend_class(dotted: str) -> type[BaseSmsBackend]:
    """The class once per path: one is asked for after every request that queued a text."""
    return import_string(dotted)
