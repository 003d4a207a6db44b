"""Drill-down: the cases a figure of the statistics counts, as a condition over cases.Case (rule 15 a
third time, beside stats.figures and the SQL of stats.services.rebuild; the property test checks that
every figure equals the number of cases its condition selects).

The cases list applies it through `cases.hooks.case_list_filters` (registered in StatsConfig.ready), so
every number on the statistics page links to the cases list: `?status=all&figure=on_time&figure_from=…
&figure_to=…&figure_by=department&figure_key=construction[&figure_department=…][&figure_subitem=…]`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors as case_selectors
from onewindow.cases.models import OPEN_STATUSES, Case, CaseEvent, Extension, Suspension
from onewindow.catalogue.models import SubItem
from onewindow.core.errors import DomainError
from onewindow.org.models import Organisation, Window
from onewindow.stats import figures, selectors

FIGURE_LABELS = {
    "accepted": gettext_lazy("Accepted"),
    "completed": gettext_lazy("Completed"),
    "issued": gettext_lazy("Issued"),
    "on_time": gettext_lazy("Completed on time"),
    "overdue": gettext_lazy("Completed late"),
    "supplements": gettext_lazy("Supplements requested"),
    "rejections": gettext_lazy("Not accepted"),
    "withdrawals": gettext_lazy("Withdrawn"),
    "deferral_expired": gettext_lazy("Ended for missing deferred materials (退件)"),
    "suspensions": gettext_lazy("Completed after a special procedure"),
    "extensions": gettext_lazy("Completed with an extension"),
    "open_overdue": gettext_lazy("Open and overdue now"),
}
# The time column whose local date a figure counts on, and the staff column it counts under.
_DAY = {
    "accepted": "accepted_at",
    "issued": "issued_at",
    "supplements": "received_at",
    "rejections": "ended_at",
    "withdrawals": "ended_at",
    "deferral_expired": "ended_at",
}
_STAFF = {"accepted": "accepted_by_id", "issued": "issued_by_id", "open_overdue": "claimed_by_id"}
_RECEIVED = ("supplements", "rejections", "withdrawals", "deferral_expired")
_CLOSURE = {counter: closure for closure, counter in figures.CLOSURE_COUNTERS.items()}
NONE_KEY = "-"  # the key of "none" (at the window, no window, nobody) in a link


def _day_field(figure: str) -> str:
    return _DAY.get(figure, "decided_at")


def _staff_field(figure: str) -> str:
    if figure in _RECEIVED:
        return "created_by_id"
    return _STAFF.get(figure, "decided_by_id")


def _days(field: str, date_from: dt.date, date_to: dt.date) -> Q:
    """The hall's local days [date_from, date_to] of a time column, as an indexable range (rule 12)."""
    start = timezone.make_aware(dt.datetime.combine(date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min))
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def _department(department_id: int, figure: str) -> Q:
    if figure == "open_overdue":  # live: the department working the case now
        if not department_id:
            return Q(
                pk__in=Case.objects.with_department().filter(department_id_now__isnull=True).values("pk")
            )
        return Q(pk__in=Case.objects.of_department(Organisation(pk=department_id)).values("pk"))
    if not department_id:
        return Q(decided_department__isnull=True) & (Q(accepted_at__isnull=True) | Q(authority__isnull=True))
    return Q(decided_department_id=department_id) | Q(
        decided_department__isnull=True, accepted_at__isnull=False, authority_id=department_id
    )


def _nullable(field: str, value: int) -> Q:
    return Q(**{f"{field}__isnull": True}) if not value else Q(**{field: value})


def _since_acceptance(model, field: str) -> Exists:
    """A suspension started, or an extension granted, since the case's (latest) acceptance."""
    return Exists(model.objects.filter(case_id=OuterRef("pk"), **{f"{field}__gte": OuterRef("accepted_at")}))


def case_condition(
    figure: str,
    *,
    date_from: dt.date,
    date_to: dt.date,
    by: str | None = None,
    key=None,
    department_id: int | None = None,
    subitem_id: int | None = None,
) -> Q:
    """The cases `figure` counts in [date_from, date_to] under `key` of grouping `by` (a roll-up id, 0
    for none, or a month's first day), with the page's department and sub-item filters."""
    if figure == "open_overdue":
        condition = Q(status__in=OPEN_STATUSES) & case_selectors.level_condition(case_clock.OVERDUE)
    else:
        if by == "month" and key is not None:
            date_from = max(date_from, key)
            date_to = min(date_to, selectors._month_end(key))
        condition = _days(_day_field(figure), date_from, date_to)
        if figure in ("accepted", "issued"):
            pass
        elif figure in _CLOSURE:
            condition &= Q(closure=_CLOSURE[figure])
        elif figure == "supplements":
            condition &= Exists(
                CaseEvent.objects.filter(case_id=OuterRef("pk"), action__in=figures.SUPPLEMENT_ACTIONS)
            )
        else:  # the decision figures
            late = Q(due_date__isnull=False, decided_at__date__gt=F("due_date"))
            if figure == "on_time":
                condition &= ~late
            elif figure == "overdue":
                condition &= late
            elif figure == "suspensions":
                condition &= _since_acceptance(Suspension, "started_at")
            elif figure == "extensions":
                condition &= _since_acceptance(Extension, "granted_at")
    if department_id is not None:
        condition &= _department(department_id, figure)
    if subitem_id is not None:
        condition &= Q(subitem_id=subitem_id)
    if by in ("department", "subitem", "window", "staff") and key is not None:
        if by == "department":
            condition &= _department(key, figure)
        elif by == "subitem":
            condition &= Q(subitem_id=key)
        elif by == "window":
            condition &= _nullable("window_id", key)
        else:
            condition &= _nullable(_staff_field(figure), key)
    return condition


# --------------------------------------------------------------------------------------------------
# Links from the page, and the cases list's filter
# --------------------------------------------------------------------------------------------------


def link(figure: str, *, date_from, date_to, by, key, department=None, subitem=None) -> str:
    """The cases list URL of one figure of one row (`key` as the API shows it; None for none)."""
    params = {
        "status": "all",
        "figure": figure,
        "figure_from": date_from.isoformat(),
        "figure_to": date_to.isoformat(),
        "figure_by": by,
        "figure_key": NONE_KEY if key is None else key,
    }
    if department:
        params["figure_department"] = department
    if subitem:
        params["figure_subitem"] = subitem
    return f"{reverse('cases:list')}?{urlencode(params)}"


def _key_id(by: str, key: str, region_id: int):
    """The roll-up id of a key as links carry it; None when unknown."""
    if key == NONE_KEY:
        return 0
    if by == "department":
        return Organisation.objects.filter(code=key, region_id=region_id).values_list("pk", flat=True).first()
    if by == "subitem":
        return SubItem.objects.filter(code=key, region_id=region_id).values_list("pk", flat=True).first()
    if by == "window":
        return (
            Window.objects.filter(number=key, hall__region_id=region_id).values_list("pk", flat=True).first()
        )
    if by == "staff":
        return get_user_model().objects.filter(username=key).values_list("pk", flat=True).first()
    try:
        return dt.date.fromisoformat(f"{key}-01")
    except ValueError:
        return None


def case_list_filter(user, params: Mapping) -> tuple[Q, str] | None:
    """`cases.hooks.case_list_filters` entry: the condition of `?figure=…` and its words, or None when
    the list was not asked for a figure. A figure the caller may not read, or a malformed one, selects
    nothing (and says why) — the cases list still applies its own scope on top."""
    figure = params.get("figure")
    if not figure:
        return None
    nothing = Q(pk__in=[])
    if figure not in FIGURE_LABELS:
        return nothing, _("Unknown figure of the statistics.")
    try:
        scope = selectors.scope_for(user)
        date_from, date_to = selectors.check_range(params.get("figure_from"), params.get("figure_to"))
        department_id, subitem_id = selectors._resolve(
            scope, params.get("figure_department") or None, params.get("figure_subitem") or None
        )
    except DomainError as exc:
        return nothing, str(exc.message)
    by = params.get("figure_by") or None
    key = None
    if by in selectors.BY and params.get("figure_key"):
        key = _key_id(by, params["figure_key"], scope.region_id)
        if key is None:
            return nothing, _("Unknown key of the statistics.")
    elif by is not None:
        by = None
    condition = case_condition(
        figure,
        date_from=date_from,
        date_to=date_to,
        by=by,
        key=key,
        department_id=department_id,
        subitem_id=subitem_id,
    ) & Q(region_id=scope.region_id)
    words = _("Statistics: %(figure)s, %(from)s to %(to)s") % {
        "figure": FIGURE_LABELS[figure],
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
    }
    if figure == "open_overdue":
        words = _("Statistics: %(figure)s") % {"figure": FIGURE_LABELS[figure]}
    if by is not None and key is not None:
        words += " · " + str(selectors._labels(by, {key})[key][1])
    return condition, words
