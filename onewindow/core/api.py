"""What every API router shares: the renderer, problem+json errors, the one pagination convention.

(Bearer authentication is the org app's: `onewindow.org.access.BearerAuth`.)
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from onewindow.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str = "", *, code: str = "", errors: dict | None = None, **extra
) -> JsonResponse:
    """An RFC 9457 problem document."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "status": status,
        "title": str(title),
        "detail": str(detail),
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = {field: [str(m) for m in messages] for field, messages in errors.items()}
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False})


class HallTimeEncoder(NinjaJSONEncoder):
    """Times in the hall's own offset (ONEWINDOW_TIME_ZONE), e.g. 2026-11-27T09:30:00+08:00."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            return timezone.localtime(o).isoformat()
        return super().default(o)


class Renderer(JSONRenderer):
    encoder_class = HallTimeEncoder
    json_dumps_params = {"ensure_ascii": False}


def install_problem_handlers(api) -> None:
    """Every error of the API, 404 and 500 and auth failures included, is application/problem+json."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        response = problem(exc.status, exc.title, exc.message, code=exc.code, errors=exc.errors)
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
            errors.setdefault(".".join(loc) or "body", []).append(err.get("msg", ""))
        return problem(
            400,
            _("Malformed request"),
            _("The request does not match the expected shape."),
            code="malformed",
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request, exc):
        return problem(
            401, _("Not authenticated"), _("Send a valid, unexpired Bearer token."), code="unauthenticated"
        )

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return problem(404, _("Not found"), _("Not found, or outside your scope."), code="not_found")

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return problem(
            413,
            _("Request too large"),
            _("The request body is larger than this server accepts."),
            code="too_large",
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return problem(400, _("Malformed request"), _("The request could not be read."), code="malformed")

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return problem(exc.status_code, str(exc), str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc):
        logger.exception("unhandled API error", exc_info=exc)
        return problem(
            500,
            _("Server error"),
            _("An unexpected error occurred; nothing was changed."),
            code="server_error",
        )


PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000
# Far beyond any real list, low enough that the offset stays a database integer (else a 500).
PAGE_MAX = 1_000_000


class Page(PaginationBase):
    """`?page=N&page_size=M` (M ≤ 1000) → `{count, next, previous, results}`, next/previous as URLs or null."""

    items_attribute = "results"

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int = Field(PAGE_SIZE_DEFAULT, ge=1, le=PAGE_SIZE_MAX)

    class Output(Schema):
        count: int
        next: str | None
        previous: str | None
        results: list[Any]

    def paginate_queryset(self, queryset, pagination: Input, request: HttpRequest, **params):
        size = pagination.page_size
        offset = (pagination.page - 1) * size
        count = self._items_count(queryset)
        results = list(queryset[offset : offset + size])

        def link(page: int) -> str:
            query = request.GET.copy()
            query["page"] = str(page)
            query["page_size"] = str(size)
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return {
            "count": count,
            "next": link(pagination.page + 1) if offset + size < count else None,
            "previous": link(pagination.page - 1) if pagination.page > 1 and offset - size < count else None,
            "results": results,
        }
