"""WSGI entry point for `onewindow serve` and any WSGI server.

A call of the JSON API with a Bearer token takes a shorter middleware stack: it has no session, no cookie
to protect and no page to show, so the session, CSRF, authentication, messages and session-guard
middleware (whose work is for browsers) are left out; everything else (security headers, host check,
hardening) is the same. Browser calls of the API (session + CSRF token) take the whole stack.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.urls import set_urlconf
from django.utils.log import log_response
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")

# Browser-only middleware, not on the path of a Bearer call of the API.
BROWSER_ONLY = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "onewindow.org.middleware.SessionGuardMiddleware",
}


def is_bearer_api_call(request) -> bool:
    return (
        request.path.startswith("/api/")
        and request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
    )


class OneWindowWSGIHandler(WSGIHandler):
    def load_middleware(self, is_async=False):
        from django.conf import settings

        super().load_middleware(is_async)
        # The same middleware instances' hooks (process_view…) stay registered once, by the whole stack.
        handler = convert_exception_to_response(self._get_response)
        for path in reversed([p for p in settings.MIDDLEWARE if p not in BROWSER_ONLY]):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._api_chain = handler

    def get_response(self, request):
        from django.conf import settings
        from django.contrib.auth.models import AnonymousUser

        if not is_bearer_api_call(request):
            return super().get_response(request)
        set_urlconf(settings.ROOT_URLCONF)
        request.user = AnonymousUser()  # until the Bearer authentication sets the token's user
        response = self._api_chain(request)
        response._resource_closers.append(request.close)
        if response.status_code >= 400:
            log_response("%s: %s", response.reason_phrase, request.path, response=response, request=request)
        return response


def get_application() -> OneWindowWSGIHandler:
    import django

    django.setup(set_prefix=False)
    return OneWindowWSGIHandler()


application = get_application()
