"""Response hardening for every page and API answer that is not a static file: the Content-Security-Policy,
no caching of (possibly personal) data, and problem+json for every error under /api/."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.utils.http import http_date
from django.utils.translation import gettext as _

from onewindow.core.api import PROBLEM, problem

# Scripts only from our own static files (no inline script, no eval); styles from our files, plus the
# style attributes that draw progress bars; no plugin, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# A stored scan (PDF or image) served to the case page's viewer frame: nothing in it may load or run
# anything, and only our own pages may frame it (the pages themselves are never framed).
STORED_FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


# What django.utils.cache.add_never_cache_headers writes on a response without Cache-Control.
NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _titles() -> dict[int, str]:
    return {
        400: _("Malformed request"),
        401: _("Not authenticated"),
        403: _("Permission denied"),
        404: _("Not found"),
        405: _("Method not allowed"),
        413: _("Request too large"),
    }


class WebHardeningMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._refuse_nul(request) or self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if request.path.startswith("/api/") and response.status_code >= 400:
            response = self._as_problem(response)
        if "Cache-Control" not in response.headers:  # add_never_cache_headers' result, without its parsing
            if "Expires" not in response.headers:
                response.headers["Expires"] = http_date()
            response.headers["Cache-Control"] = NEVER_CACHE
        return response

    @staticmethod
    def _refuse_nul(request):
        """A NUL character in an API path, query or JSON body is 400: PostgreSQL cannot store or even
        compare one (it would surface as a 500), and no field of ours ever holds one."""
        if not request.path.startswith("/api/"):
            return None
        suspect = "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "")
        if not suspect and request.content_type == "application/json":
            try:
                body = request.body
            except RequestDataTooBig:
                return None  # the API answers 413 itself
            suspect = b"\\u0000" in body or b"\x00" in body
        if suspect:
            title = _titles()[400]
            return problem(400, title, _("The request contains a NUL character."), code="malformed")
        return None

    @staticmethod
    def _as_problem(response):
        """Django's own answers (405 of a path view, 400 of a forged Host…) say it in HTML or plain text."""
        if response.get("Content-Type", "").startswith(PROBLEM):
            return response
        status = response.status_code
        title = _titles().get(status) or HTTPStatus(status).phrase
        converted = problem(status, title, title, code=HTTPStatus(status).phrase.lower().replace(" ", "_"))
        for header in ("Allow", "Retry-After", "Content-Security-Policy"):
            if header in response.headers:
                converted[header] = response[header]
        return converted
