"""The navigation bar of every page: each app's `nav` module offers its pages per role; the composition
root merges them for the signed-in user's roles."""

from __future__ import annotations

from importlib import import_module

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

# Each context lists the pages it offers each role, in this order, and the labelled group (menu) it
# appears under when a person has too many pages for one plain row (the supervisor has two dozen).
CASES, SUPERVISION, FIGURES, ITEMS, PEOPLE = (
    _("Cases"),
    _("Supervision"),
    _("Statistics and assessment"),
    _("Items and handover"),
    _("People"),
)
NAV_MODULES = [
    ("onewindow.cases.nav", CASES),
    ("onewindow.ratings.nav", CASES),
    ("onewindow.supervision.nav", SUPERVISION),
    ("onewindow.assessment.nav", FIGURES),
    ("onewindow.catalogue.nav", ITEMS),
    ("onewindow.workdays.nav", ITEMS),
    ("onewindow.stats.nav", FIGURES),
    ("onewindow.handover.nav", ITEMS),
    ("onewindow.staffing.nav", PEOPLE),
    ("onewindow.org.nav", PEOPLE),
    ("onewindow.messaging.nav", SUPERVISION),
]
MENU_ORDER = [CASES, SUPERVISION, FIGURES, ITEMS, PEOPLE]
# Up to this many pages stay one flat row (a window clerk's desk one click away); more go into menus.
FLAT_MAX = 10


def role_links(role: str) -> list[tuple[str, str]]:
    """(url name, label) of the pages `role` works with."""
    return [(name, label) for name, label, _menu in _role_entries(role)]


def _role_entries(role: str) -> list[tuple[str, str, str]]:
    entries = []
    for module, menu in NAV_MODULES:
        entries.extend((name, label, menu) for name, label in import_module(module).LINKS.get(role, []))
    return entries


def nav_links(user) -> list[dict]:
    """The user's pages over all their roles, each once: [{url, label, name, menu}]."""
    seen, links = set(), []
    mine = r.roles_of(user)
    for role in r.ROLES:
        if role not in mine:
            continue
        for name, label, menu in _role_entries(role):
            if name in seen:
                continue
            seen.add(name)
            try:
                links.append({"name": name, "url": reverse(name), "label": label, "menu": menu})
            except NoReverseMatch:  # a page of an app this deployment does not mount
                continue
    return links


def nav_menus(links: list[dict], path: str) -> list[dict]:
    """The links grouped into menus [{label, links, current}] in MENU_ORDER; `current` marks the menu
    holding the page being shown."""
    menus = []
    for menu in MENU_ORDER:
        mine = [link for link in links if link["menu"] == menu]
        if mine:
            menus.append({"label": menu, "links": mine, "current": any(x["url"] == path for x in mine)})
    return menus


def navigation(request):
    """Context processor: `nav_links` for the bar under the header (empty for anonymous visitors)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "nav_menus": []}
    links = nav_links(user)
    menus = nav_menus(links, request.path) if len(links) > FLAT_MAX else []
    return {"nav_links": links, "nav_menus": menus}
