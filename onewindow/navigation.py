"""The navigation bar of every page: each app's `nav` module offers its pages per role; the composition
root merges them for the signed-in user's roles."""

from __future__ import annotations

from importlib import import_module

from django.urls import NoReverseMatch, reverse

from onewindow.org import roles as r

# Each context lists the pages it offers each role, in this order.
NAV_MODULES = [
    "onewindow.cases.nav",
    "onewindow.ratings.nav",
    "onewindow.supervision.nav",
    "onewindow.assessment.nav",
    "onewindow.catalogue.nav",
    "onewindow.workdays.nav",
    "onewindow.stats.nav",
    "onewindow.handover.nav",
    "onewindow.staffing.nav",
    "onewindow.org.nav",
    "onewindow.messaging.nav",
]


def role_links(role: str) -> list[tuple[str, str]]:
    """(url name, label) of the pages `role` works with."""
    links = []
    for module in NAV_MODULES:
        links.extend(import_module(module).LINKS.get(role, []))
    return links


def nav_links(user) -> list[dict]:
    """The user's pages over all their roles, each once: [{url, label, name}]."""
    seen, links = set(), []
    mine = r.roles_of(user)
    for role in r.ROLES:
        if role not in mine:
            continue
        for name, label in role_links(role):
            if name in seen:
                continue
            seen.add(name)
            try:
                links.append({"name": name, "url": reverse(name), "label": label})
            except NoReverseMatch:  # a page of an app this deployment does not mount
                continue
    return links


def navigation(request):
    """Context processor: `nav_links` for the bar under the header (empty for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {"nav_links": nav_links(user)}
