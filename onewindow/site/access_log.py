"""The access log of `onewindow serve`, without the phone digits of the public progress query."""

from __future__ import annotations

import re

from gunicorn.glogging import Logger

_CHECK = re.compile(r"(?i)(\bcheck=)[^&\s\"]*")


def mask(text):
    """`…?number=N&check=5678` → `…?number=N&check=****` (the check is the last 4 digits of a phone)."""
    if isinstance(text, str) and "=" in text:  # most atoms have none: no pattern search for them
        return _CHECK.sub(r"\1****", text)
    return text


class MaskingLogger(Logger):
    """Gunicorn's logger, with `check=` masked in every atom (request line, query, referrer, environ) and
    the X-Check header."""

    def atoms(self, resp, req, environ, request_time):
        atoms = {key: mask(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
        if "{x-check}i" in atoms:
            atoms["{x-check}i"] = "****"
        return atoms
