"""The JSON API under /api/v1: one NinjaAPI, one router per bounded context."""

from ninja import NinjaAPI

from onewindow.cases.api import router as cases_router
from onewindow.catalogue.api import router as catalogue_router
from onewindow.core.api import Renderer, install_problem_handlers
from onewindow.handover.api import router as handover_router
from onewindow.org.access import BearerAuth
from onewindow.org.api import router as org_router
from onewindow.workdays.api import router as workdays_router

# Every error an operation can answer, each an application/problem+json document (CONTRACT.md).
ERROR_RESPONSES = {
    400: "Malformed request: the body, a parameter or a field is not valid (`errors` names the fields)",
    401: "Not authenticated: no valid, unexpired Bearer token (or session)",
    403: "Not allowed: the caller's role may not do this, or a session call lacks its CSRF token",
    404: "Unknown, or outside the caller's scope",
    409: "Wrong state or stale `version`: nothing was changed",
    413: "Request body too large",
    422: "A business rule is broken (`code` names it)",
    429: "Too many requests (`Retry-After` says when to try again)",
}
PROBLEM_SCHEMA = {
    "title": "Problem",
    "type": "object",
    "description": "RFC 9457 problem document",
    "properties": {
        "type": {"type": "string"},
        "status": {"type": "integer"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["type", "status", "title", "detail"],
}


class OneWindowAPI(NinjaAPI):
    """The schema declares, for every operation, the problem+json errors it may answer."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_RESPONSES.items():
                    responses[str(status)] = {"description": description, "content": problem}
                    responses.pop(status, None)
        return schema


api = OneWindowAPI(
    title="OneWindow API",
    version="1",
    description="一窗通 — comprehensive acceptance, back-office approval, unified issuance. "
    "Errors are application/problem+json; lists are {count, next, previous, results}.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/schema",
    auth=BearerAuth(),
    renderer=Renderer(),
)
install_problem_handlers(api)
api.add_router("", org_router)
api.add_router("", workdays_router)
api.add_router("", catalogue_router)
api.add_router("", handover_router)
api.add_router("", cases_router)
