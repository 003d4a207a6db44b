"""The home page per role — today's counts, each a link to the list it counts, and the role's pages —
and the error pages (problem+json under /api/)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases import ui_selectors as case_counts
from onewindow.core import clock
from onewindow.core.api import problem
from onewindow.navigation import role_links
from onewindow.org import roles as r


def home_links(role: str) -> list[tuple[str, str]]:
    """The pages a role works with (kept for callers of the earlier name)."""
    return role_links(role)


def _cases(**query) -> str:
    return reverse("cases:list") + "?" + urlencode(query)


# Each role's counts: (count name, label, link, tone when not zero). The counts come from
# cases.ui_selectors.home_counts; the link lists exactly what was counted.
TILES = {
    r.WINDOW_CLERK: [
        (
            "accepted_today_mine",
            gettext_lazy("Accepted by me today"),
            lambda: _cases(view=case_counts.ACCEPTED_TODAY_MINE, status="all"),
            "",
        ),
        (
            "supplement",
            gettext_lazy("Waiting for the applicant's supplement"),
            lambda: _cases(status="supplement_requested"),
            "",
        ),
        (
            "deferred_due",
            gettext_lazy("Deferred materials (容缺) still owed"),
            lambda: _cases(view=case_counts.DEFERRED_DUE),
            "warning",
        ),
    ],
    r.APPROVER: [
        ("to_claim", gettext_lazy("To claim"), lambda: _cases(status="accepted"), ""),
        ("in_review", gettext_lazy("In review"), lambda: _cases(status="in_review"), ""),
        ("suspended", gettext_lazy("In a special procedure"), lambda: _cases(status="suspended"), ""),
        ("warning", gettext_lazy("Near the time limit"), lambda: _cases(level="warning"), "warning"),
        ("overdue", gettext_lazy("Overdue"), lambda: _cases(level="overdue"), "overdue"),
    ],
    r.ISSUING_CLERK: [
        ("waiting", gettext_lazy("Results waiting to be handed out"), lambda: reverse("cases:issuance"), ""),
        (
            "issue_late",
            gettext_lazy("Waiting beyond 10 working days (art. 44)"),
            lambda: _cases(view=case_counts.ISSUE_LATE),
            "overdue",
        ),
        (
            "issued_today",
            gettext_lazy("Handed out today"),
            lambda: _cases(view=case_counts.COMPLETED_TODAY, status="all"),
            "",
        ),
    ],
    r.SUPERVISOR: [
        (
            "accepted_today",
            gettext_lazy("Accepted today"),
            lambda: _cases(view=case_counts.ACCEPTED_TODAY, status="all"),
            "",
        ),
        (
            "completed_today",
            gettext_lazy("Completed today (results handed out)"),
            lambda: _cases(view=case_counts.COMPLETED_TODAY, status="all"),
            "",
        ),
        ("warning", gettext_lazy("Near the time limit"), lambda: _cases(level="warning"), "warning"),
        ("overdue", gettext_lazy("Overdue"), lambda: _cases(level="overdue"), "overdue"),
    ],
}
TILES[r.DEPARTMENT_HEAD] = TILES[r.APPROVER]

# Roles whose home shows the header's unread notifications as a count too (reminders are addressed to
# the department; published guides to the Data Bureau).
NOTIFIED_ROLES = {r.APPROVER, r.DEPARTMENT_HEAD, r.SUPERVISOR}

# What each role does here, in a sentence (the next step after the counts).
ABOUT = {
    r.WINDOW_CLERK: gettext_lazy(
        "Accept any item at your window: search the sub-item, tick the materials received, print the "
        "receipt. Missing materials get one complete supplement notice."
    ),
    r.ISSUING_CLERK: gettext_lazy(
        "Hand out the results the departments produced, oldest first; record who received each one and "
        "print the hand-over slip."
    ),
    r.APPROVER: gettext_lazy(
        "Claim the cases of your department, the oldest and most urgent first; decide within the "
        "promised working days and produce the result for the issuing window."
    ),
    r.DEPARTMENT_HEAD: gettext_lazy(
        "Watch your department's queue and time limits, grant extensions, and sign handover agreements "
        "for your department."
    ),
    r.SUPERVISOR: gettext_lazy(
        "Follow time limits across departments, send reminders on cases near or past their limit, keep "
        "the calendar and the catalogue, and carry the handover of items to the departments."
    ),
    r.ASSESSMENT_OFFICE: gettext_lazy(
        "Read the catalogue, the guide changes and the handover agreements; assessments reach you for "
        "filing once the Data Bureau has confirmed them."
    ),
    r.SYSADMIN: gettext_lazy(
        "Create user accounts and keep the hall, windows and configuration; you see no business data."
    ),
    r.SECADMIN: gettext_lazy("Give users their roles and permissions; you see no business data."),
    r.AUDITOR: gettext_lazy(
        "Read the tamper-evident audit log of every action (who, when, what); you see no business data."
    ),
}


def _tiles(role: str, counts: dict) -> list[dict]:
    return [
        {"name": name, "label": label, "count": counts.get(name, 0), "url": link(), "tone": tone}
        for name, label, link, tone in TILES.get(role, [])
    ]


@login_required
def home(request):
    mine = r.roles_of(request.user)
    counts = case_counts.home_counts(request.user)
    sections = []
    for role in r.ROLES:
        if role not in mine:
            continue
        role_counts = counts.get(role, {})
        sections.append(
            {
                "role": role,
                "label": r.ROLE_LABELS[role],
                "about": ABOUT.get(role, ""),
                "tiles": _tiles(role, role_counts),
                "notified": role in NOTIFIED_ROLES,
                "by_department": role_counts.get("by_department"),
                "links": [(name, label) for name, label in role_links(role)],
            }
        )
    staff = getattr(request.user, "staff", None)
    return render(request, "home.html", {"sections": sections, "staff": staff, "today": clock.today()})


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
