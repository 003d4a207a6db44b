"""The session guard: idle timeout, and no page for a session that has not finished its login
(second factor, set-up of one, a new password) — whatever way the session was opened."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from onewindow.org import roles as r
from onewindow.org import security

LAST_SEEN_KEY = "onewindow_last_seen"
# The stored time is refreshed at most this often (seconds): one session write a minute, not per request.
TOUCH_EVERY = 30

GATE_URLS = {
    security.GATE_OTP: "account_verify",
    security.GATE_ENROL: "account_two_factor",
    security.GATE_PASSWORD: "account_password",
}
# Reachable while a login is unfinished: the gate pages themselves, logout, static files, health.
OPEN_PREFIXES = ("/static/", "/healthz", "/accounts/logout/", "/accounts/login/")


def idle_limit_seconds(user) -> int:
    minutes = (
        settings.ONEWINDOW_ADMIN_IDLE_MINUTES
        if user.is_superuser or r.has_role(user, *r.ADMIN_ROLES)
        else settings.ONEWINDOW_IDLE_MINUTES
    )
    return minutes * 60


class SessionGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            response = self._guard(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _guard(self, request, user):
        session = request.session
        now = int(time.time())
        last_seen = session.get(LAST_SEEN_KEY)
        if last_seen is not None and now - int(last_seen) > idle_limit_seconds(user):
            request._onewindow_logout_reason = "idle"
            logout(request)
            if request.path.startswith("/api/"):
                return None  # the API answers 401 for the now anonymous request
            from django.contrib import messages

            messages.info(request, _("You were logged out after a period of inactivity."))
            return redirect(f"{reverse('login')}?next={request.path}")
        if last_seen is None or now - int(last_seen) >= TOUCH_EVERY:
            session[LAST_SEEN_KEY] = now

        gates = session.get(security.GATES_SESSION_KEY)
        if gates is None:
            # A session opened some other way than the login page (e.g. the admin site's): fail closed.
            gates = security.gates_for(user)
            session[security.GATES_SESSION_KEY] = gates
        if not gates:
            return None
        target = reverse(GATE_URLS[gates[0]])
        if request.path == target or request.path.startswith(OPEN_PREFIXES):
            return None
        if request.path.startswith("/api/"):
            from onewindow.core.api import problem

            return problem(
                403,
                _("Login not finished"),
                _("Finish logging in (second factor or new password) in the web pages first."),
                code="auth.login_incomplete",
            )
        return redirect(target)
