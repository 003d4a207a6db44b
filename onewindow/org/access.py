"""Who may come in: the role gate of the HTML views and the Bearer authentication of the JSON API."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer
from ninja.utils import check_csrf

from onewindow.core.errors import PermissionDenied as Forbidden
from onewindow.org import roles as r
from onewindow.org.services import user_for_token


def role_required(*roles: str):
    """Login, then one of `roles`; anyone else gets 403."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not r.has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class BearerAuth(HttpBearer):
    """`Authorization: Bearer <token>`; also accepts a logged-in browser session (same services either way).

    A session call must carry the CSRF token like any form post, or a page of another site could make
    the browser act with its cookie; a Bearer call needs none (no browser sends the header by itself)."""

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META:
            if check_csrf(request) is not None:
                raise Forbidden(
                    _("A call with the browser's session needs the CSRF token (X-CSRFToken header)."),
                    code="csrf_failed",
                )
            return user
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user
