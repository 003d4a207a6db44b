"""What every API router shares: the renderer, problem+json errors, the one pagination convention.

(Bearer authentication is the org app's: `onewindow.org.access.BearerAuth`.)
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, include, path
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import PaginationBase
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from onewindow.core import clock, refusals, validators
from onewindow.core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM = "application/problem+json"
# The pydantic error type of a field check the schema cannot state (check digits): alone it answers 422.
BEYOND_SCHEMA = "beyond_schema"


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


def by_first_segment(patterns: list, *, first: tuple[str, ...] = ()) -> list:
    """The API's URL patterns with those that share a literal first segment (`cases/…`) under one
    `include`: a request is matched against the ~30 segments, then only against its segment's patterns,
    instead of against up to 100 patterns one by one (0.1 ms a request in cProfile on the case path).
    Patterns of different literal first segments never match the same path, so the outcome is the flat
    list's, and the segments named in `first` may be tried before the others (a segment that does not
    match costs an exception in Django's resolver); a list with a first segment that is not literal (a
    converter) is returned as it is."""
    routes = [getattr(p.pattern, "_route", None) if isinstance(p, URLPattern) else None for p in patterns]
    if any(not isinstance(route, str) or "<" in route.partition("/")[0] for route in routes):
        return patterns
    grouped: list = []
    groups: dict[str, list] = {}
    for pattern, route in zip(patterns, routes, strict=True):
        head, slash, rest = route.partition("/")
        if not slash or not rest:
            grouped.append(pattern)  # `cases`, `` or `cases/`: matched as it is
            continue
        if head not in groups:
            groups[head] = []
            grouped.append(path(f"{head}/", include(groups[head])))
        route_pattern = RoutePattern(rest, name=pattern.pattern.name, is_endpoint=True)
        groups[head].append(URLPattern(route_pattern, pattern.callback, pattern.default_args, pattern.name))
    rank = {head: n for n, head in enumerate(first)}
    return sorted(grouped, key=lambda p: rank.get(str(p.pattern).partition("/")[0], len(rank)))


class HallTimeEncoder(NinjaJSONEncoder):
    """Times in the hall's own offset (ONEWINDOW_TIME_ZONE), e.g. 2026-11-27T09:30:00+08:00."""

    def default(self, o):
        if isinstance(o, dt.datetime) and timezone.is_aware(o):
            return clock.local(o).isoformat()
        return super().default(o)


class Renderer(JSONRenderer):
    """The API's answers in UTF-8 JSON by orjson; every time and date (and decimal, lazy text…) goes
    through HallTimeEncoder's `default`, so the values are written as `json.dumps(data,
    cls=HallTimeEncoder)` writes them (without the blanks after `,` and `:`). For a case's answer (4 KB,
    sixteen times and dates): 60 µs with the standard library's encoder, 30 µs with orjson."""

    encoder_class = HallTimeEncoder
    OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=_HALL_TIME.default, option=self.OPTIONS)


_HALL_TIME = HallTimeEncoder()


_RENDERER = Renderer()


def answer_as_is(schema: type[Schema], data: dict, *, status: int = 200) -> HttpResponse:
    """An answer a selector built in `schema`'s shape, rendered as it is. Returned as a dict, ninja would
    have pydantic validate it and dump it again to write the same JSON: 4–5 % of a worker's time on the
    case path (py-spy). With ONEWINDOW_CHECK_ANSWERS (on in the test suite, so every test that acts on a
    case checks its answer) it is validated and must write what the validated answer writes."""
    content = _RENDERER.render(None, data, response_status=status)
    if settings.ONEWINDOW_CHECK_ANSWERS:
        validated = _RENDERER.render(None, schema.model_validate(data).model_dump(), response_status=status)
        if orjson.loads(validated) != orjson.loads(content):
            raise AssertionError(f"answer_as_is: the answer is not {schema.__name__} as validated")
    content_type = f"{_RENDERER.media_type}; charset={_RENDERER.charset}"  # as ninja's own answers
    return HttpResponse(content, status=status, content_type=content_type)


def install_problem_handlers(api) -> None:
    """Every error of the API, 404 and 500 and auth failures included, is application/problem+json."""

    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        # A refused act of a signed-in caller is audited after its transaction rolled back (org.refusals).
        refusals.note(request, exc, user=getattr(request, "auth", None))
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
        if all(err.get("type") == BEYOND_SCHEMA for err in exc.errors):
            # Only checks the schema cannot state (check digits) failed: the request matched it.
            return problem(422, _("Invalid input"), _("A value is not valid."), code="invalid", errors=errors)
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


class Rendered:
    """A queryset the paginator slices, each row of the page rendered by `render` (only the page is
    built): `@paginate(Page)` over `Rendered(qs, summary)`."""

    def __init__(self, qs, render):
        self.qs, self.render = qs, render

    def __len__(self):
        return self.qs.count()

    def count(self):
        return self.qs.count()

    def __getitem__(self, item):
        return [self.render(row) for row in self.qs[item]]


def beyond_schema(check, message):
    """A field validator for what a pattern cannot say (a check digit): `check(value)` false → the field
    error `message`; when no other field is malformed the request answers 422, not 400."""

    def validate(value):
        if value is not None and not check(value):
            raise PydanticCustomError(BEYOND_SCHEMA, str(message))
        return value

    return AfterValidator(validate)


# --------------------------------------------------------------------------------------------------
# The published schema: every operation's errors, and bodies described more exactly than they parse
# --------------------------------------------------------------------------------------------------

# Every error an operation can answer, each an application/problem+json document (CONTRACT.md).
ERROR_RESPONSES = {
    400: "Malformed request: the request does not match this schema (`errors` names the fields)",
    401: "Not authenticated: no valid, unexpired Bearer token (or session)",
    403: "Not allowed: the caller's role may not do this, or a session call lacks its CSRF token",
    404: "Unknown, or outside the caller's scope",
    409: "Wrong state or stale `version`: nothing was changed",
    413: "Request body too large",
    422: "Well-formed, but a check the schema cannot state failed: a check digit, an unknown code, "
    "a business rule (`code` names it, `errors` the fields)",
    429: "Too many requests (`Retry-After` says when to try again)",
}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem document",
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer", "enum": sorted(ERROR_RESPONSES) + [405, 500]},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "status", "title", "detail"],
}
_EXACT_BODY = "x-exact-body"
_BODY_COMPONENTS: dict[str, dict] = {}


def exact_body(*variants: type[Schema], description: str = "") -> dict:
    """`openapi_extra` of an operation whose body is one of several shapes (`oneOf`) that the service
    tells apart itself (so that scope, role and state are answered first): the operation parses a
    lenient model whose fields use the same types, the schema publishes the exact variants."""
    refs = []
    for model in variants:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        _BODY_COMPONENTS.update(schema.pop("$defs", {}))
        _BODY_COMPONENTS[model.__name__] = schema
        refs.append({"$ref": f"#/components/schemas/{model.__name__}"})
    return {_EXACT_BODY: {"oneOf": refs, **({"description": description} if description else {})}}


def finish_openapi(schema: dict) -> dict:
    """Declare every operation's problem+json errors and put the exact bodies in place."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    components.update(_BODY_COMPONENTS)
    problem_content = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            exact = operation.pop(_EXACT_BODY, None)
            if exact is not None:
                operation["requestBody"]["content"]["application/json"]["schema"] = exact
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses[str(status)] = {"description": description, "content": problem_content}
                responses.pop(status, None)
    return schema


# --------------------------------------------------------------------------------------------------
# Exact schemas: the shared field types every router declares its operations with
# --------------------------------------------------------------------------------------------------
# A request is 400 exactly when it does not match /api/v1/schema; a schema-valid request is refused
# only by a rule the schema cannot state (a check digit, an unknown code, the state: 404/409/422).
# So each field says here what the service checks: its enum, format, length and that it is not blank.

# Characters never accepted (core.validators): C0 controls (a line also refuses tab and newline), DEL,
# C1, and the bidirectional embeddings, overrides and isolates. Literal characters, not escapes, so
# the pattern reads the same to pydantic (Rust regex), Python's re and a client's ECMA-262 engine.
_REFUSED_IN_TEXT = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_LINE = "\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069"


def _text_pattern(*, multiline: bool, blank: bool) -> str:
    allowed = f"[^{_REFUSED_IN_TEXT if multiline else _REFUSED_IN_LINE}]"
    if blank:
        return f"^{allowed}*$"
    visible = f"[^\\s{_REFUSED_IN_TEXT if multiline else _REFUSED_IN_LINE}]"
    return f"^{allowed}*{visible}{allowed}*$"  # at least one character that strip() keeps


def line(max_length: int, *, blank: bool = False, description: str | None = None):
    """One line of printable text of at most `max_length` characters; not blank unless `blank`."""
    return Annotated[
        str,
        Field(
            min_length=0 if blank else 1,
            max_length=max_length,
            pattern=_text_pattern(multiline=False, blank=blank),
            description=description,
        ),
    ]


def text(max_length: int, *, blank: bool = False, description: str | None = None):
    """Free text (lines and tabs allowed) of at most `max_length` characters; not blank unless `blank`."""
    return Annotated[
        str,
        Field(
            min_length=0 if blank else 1,
            max_length=max_length,
            pattern=_text_pattern(multiline=True, blank=blank),
            description=description,
        ),
    ]


def one_of(values, *, description: str | None = None):
    """An enum from a model's choices (`CaseStatus.values`) or a tuple of codes."""
    annotation = Literal[tuple(values)]  # type: ignore[valid-type]
    return Annotated[annotation, Field(description=description)] if description else annotation


def code(max_length: int = 40, *, description: str | None = None):
    """A catalogue or organisation code: letters, digits, `.`, `_`, `-` (unknown codes are 404/422)."""
    return Annotated[
        str, Field(min_length=1, max_length=max_length, pattern=r"^[0-9A-Za-z._-]+$", description=description)
    ]


# Lengths of the free texts, one per kind of text, the same in the forms, services and models.
NAME_MAX = validators.NAME_MAX
SHORT_TEXT_MAX = validators.SHORT_TEXT_MAX
TEXT_MAX = validators.TEXT_MAX
LONG_TEXT_MAX = validators.LONG_TEXT_MAX

# 居民身份证 (GB 11643): 17 digits and a check character; the check digit and the birth date are the
# service's (422). 统一社会信用代码 (GB 32100): 18 characters of its alphabet, check character the same.
RESIDENT_ID_PATTERN = r"^[0-9]{17}[0-9Xx]$"
CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXYa-hj-npqrtuwxy]{18}$"
PHONE_PATTERN = r"^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$"
ID_NUMBER_PATTERN = CREDIT_CODE_PATTERN  # either of the two (the resident ID's alphabet is within it)
ResidentId = Annotated[
    str,
    Field(min_length=18, max_length=18, pattern=RESIDENT_ID_PATTERN, description="居民身份证号码"),
    beyond_schema(validators.is_valid_resident_id, validators.RESIDENT_ID_MESSAGE),
]
IdNumber = Annotated[
    str,
    Field(
        min_length=18,
        max_length=18,
        pattern=ID_NUMBER_PATTERN,
        description="居民身份证号码 (person) or 统一社会信用代码 (organisation); check character validated",
    ),
    beyond_schema(
        lambda v: validators.is_valid_resident_id(v) or validators.is_valid_credit_code(v),
        validators.ID_NUMBER_MESSAGE,
    ),
]
Phone = Annotated[
    str, Field(min_length=7, max_length=13, pattern=PHONE_PATTERN, description="mobile or fixed-line number")
]
# Database integers (a larger one is no row of ours, and would overflow a query): ids and counts.
DbInt = Annotated[int, Field(ge=0, le=2**31 - 1)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


class Out(Schema):
    """Base of an answer's shape the selectors build as dicts: a dict is validated by pydantic alone. (ninja's
    Schema wraps every object in a getter first, for model instances: for a page of 50 cases that cost a
    third of the request.) Anything else still goes through ninja's getter, so resolvers keep working."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info) -> Any:  # replaces ninja's, by name
        if type(values) is dict:
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class In(Schema):
    """Base of every request body: an unknown field is 400 (`additionalProperties: false`)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler, info) -> Any:  # replaces ninja's, by name
        """A JSON body (a dict) is validated once: ninja's validates a model that forbids extra fields
        twice, the second time through its getter for model instances."""
        if type(values) is dict:
            return handler(values)
        return super()._run_root_validator(values, handler, info)
