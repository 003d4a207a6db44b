"""The access log of `onewindow serve`, without the phone digits of the public progress query."""

from __future__ import annotations

import re

from gunicorn.config import AccessLogFormat
from gunicorn.glogging import Logger

_CHECK = re.compile(r"(?i)(\bcheck=)[^&\s\"]*")
# Gunicorn's default format (Apache's combined log): h l u t "r" s b "f" "a".
_COMBINED = AccessLogFormat.default


def mask(text):
    """`…?number=N&check=5678` → `…?number=N&check=****` (the check is the last 4 digits of a phone)."""
    if isinstance(text, str) and "=" in text:  # most atoms have none: no pattern search for them
        return _CHECK.sub(r"\1****", text)
    return text


class MaskingLogger(Logger):
    """Gunicorn's logger, with `check=` masked in every atom (request line, query, referrer, environ) and
    the X-Check header."""

    def atoms(self, resp, req, environ, request_time):
        if self.cfg.access_log_format == _COMBINED:
            return self._combined_atoms(resp, environ)
        atoms = {key: mask(value) for key, value in super().atoms(resp, req, environ, request_time).items()}
        if "{x-check}i" in atoms:
            atoms["{x-check}i"] = "****"
        return atoms

    def _combined_atoms(self, resp, environ):
        """The atoms of the default format alone: gunicorn's `atoms` also copies every request and
        response header and every environ entry, then each is searched for a check (2–3 % of a worker's
        time on the case path, py-spy), for a line that shows nine of them."""
        status = resp.status
        if isinstance(status, str):
            status = status.split(None, 1)[0]
        sent = getattr(resp, "sent", None)
        return {
            "h": environ.get("REMOTE_ADDR", "-"),
            "l": "-",
            "u": self._get_user(environ) or "-",
            "t": self.now(),
            "r": mask(f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}"),
            "s": status,
            "b": str(sent) if sent is not None else "-",
            "f": mask(environ.get("HTTP_REFERER", "-")),
            "a": environ.get("HTTP_USER_AGENT", "-"),
        }
