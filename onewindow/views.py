"""The home page per role (each app's `nav` module offers its links), and the error pages (problem+json
under /api/)."""

from __future__ import annotations

from importlib import import_module

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from onewindow.core.api import problem
from onewindow.org import roles as r

# Each context lists the home-page links it offers each role, in this order.
NAV_MODULES = [
    "onewindow.cases.nav",
    "onewindow.catalogue.nav",
    "onewindow.workdays.nav",
    "onewindow.handover.nav",
    "onewindow.org.nav",
]


def home_links(role: str) -> list[tuple[str, str]]:
    links = []
    for module in NAV_MODULES:
        links.extend(import_module(module).LINKS.get(role, []))
    return links


@login_required
def home(request):
    mine = r.roles_of(request.user)
    sections = [
        {"role": role, "label": r.ROLE_LABELS[role], "links": home_links(role)}
        for role in r.ROLES
        if role in mine
    ]
    return render(request, "home.html", {"sections": sections, "staff": getattr(request.user, "staff", None)})


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return problem(404, _("Not found"), _("Not found, or outside your scope."), code="not_found")
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        return problem(
            500,
            _("Server error"),
            _("An unexpected error occurred; nothing was changed."),
            code="server_error",
        )
    return render(request, "500.html", status=500)
