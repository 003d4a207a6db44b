"""Reads of the catalogue; `implementer` answers rule 1 of DESIGN.md with one indexed query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.core import clock
from onewindow.core.errors import RuleViolation


def assignment_at(subitem: SubItem | int, at: dt.datetime | None = None) -> Assignment:
    """The one Assignment of `subitem` whose [valid_from, valid_to) holds `at` (default: now)."""
    at = at or clock.now()
    subitem_id = subitem if isinstance(subitem, int) else subitem.pk
    found = (
        Assignment.objects.select_related("organisation")
        .filter(subitem_id=subitem_id, valid_from__lte=at)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
        .first()
    )
    if found is None:
        from django.utils.translation import gettext as _

        raise RuleViolation(
            _("This sub-item has no implementing organisation at that time."), code="catalogue.no_implementer"
        )
    return found


def implementer(subitem: SubItem | int, at: dt.datetime | None = None):
    """The organisation implementing `subitem` at `at`."""
    return assignment_at(subitem, at).organisation


def current_guide(subitem: SubItem | int):
    """The latest published guide version of a sub-item, with its materials (what a window reviews against)."""
    from onewindow.catalogue.models import GuideStatus, ServiceGuide

    subitem_id = subitem if isinstance(subitem, int) else subitem.pk
    guide = (
        ServiceGuide.objects.filter(subitem_id=subitem_id, status=GuideStatus.PUBLISHED)
        .prefetch_related("materials")
        .order_by("-version")
        .first()
    )
    if guide is None:
        from django.utils.translation import gettext as _

        raise RuleViolation(_("This sub-item has no published service guide."), code="catalogue.no_guide")
    return guide
