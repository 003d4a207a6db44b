"""The JSON API under /api/v1: one NinjaAPI, one router per bounded context."""

from ninja import NinjaAPI

from onewindow.assessment.api import router as assessment_router
from onewindow.cases.api import router as cases_router
from onewindow.catalogue.api import router as catalogue_router
from onewindow.core.api import Renderer, by_first_segment, finish_openapi, install_problem_handlers
from onewindow.handover.api import router as handover_router
from onewindow.messaging.api import router as messaging_router
from onewindow.org.access import BearerAuth
from onewindow.org.api import router as org_router
from onewindow.ratings.api import router as ratings_router
from onewindow.staffing.api import router as staffing_router
from onewindow.stats.api import router as stats_router
from onewindow.supervision.api import router as supervision_router
from onewindow.workdays.api import router as workdays_router


class OneWindowAPI(NinjaAPI):
    """The schema declares, for every operation, the problem+json errors it may answer."""

    def get_openapi_schema(self, *args, **kwargs):
        return finish_openapi(super().get_openapi_schema(*args, **kwargs))

    def _get_urls(self):
        return by_first_segment(super()._get_urls(), first=("cases",))  # the hall's busiest


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
api.add_router("", staffing_router)
api.add_router("", cases_router)
api.add_router("", ratings_router)
api.add_router("", stats_router)
api.add_router("", supervision_router)
api.add_router("", messaging_router)
api.add_router("", assessment_router)
