"""The temporal implementing subject (rule 1): implementing periods start, end and are cancelled only here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from itertools import pairwise

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput
from onewindow.org import roles as r
from onewindow.org.models import Organisation
from onewindow.org.selectors import audit_context


def _check_ranges(ranges: Sequence[tuple[dt.datetime, dt.datetime | None]]) -> None:
    """`ranges` (oldest first) neither overlap nor leave a gap, and only the last is open."""
    for (_a_from, a_to), (b_from, _b_to) in pairwise(ranges):
        if a_to is None or a_to > b_from:
            raise Conflict(
                _("Implementing periods of this sub-item would overlap."), code="catalogue.assignment.overlap"
            )
        if a_to < b_from:
            raise Conflict(
                _("Implementing periods of this sub-item would leave a gap."), code="catalogue.assignment.gap"
            )


def check_assignment_ranges(subitem_id: int) -> None:
    """The sub-item's stored ranges keep rule 1 (every engine; PostgreSQL also has an exclusion constraint)."""
    _check_ranges(
        Assignment.objects.filter(subitem_id=subitem_id)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to")
    )


def begin_range(
    *,
    subitem: SubItem,
    organisation: Organisation,
    at: dt.datetime,
    agreement_id: int | None,
    ranges: Sequence[Assignment],
) -> tuple[Assignment, Assignment | None]:
    """The one way an implementing period begins (a handover and the catalogue import both come here).

    `ranges` are the sub-item's stored ranges, oldest first, read under the caller's lock. The open range
    ends at `at` and the new one starts there; `at` must carry a time zone (400) and lie after the start
    of the open range, or where the last range ended (409). → (new range, the range it closed or None).
    """
    if timezone.is_naive(at):
        raise InvalidInput(_("The time must carry a time zone."), code="catalogue.assignment.naive_time")
    open_range = next((a for a in ranges if a.valid_to is None), None)
    if open_range is not None and at <= open_range.valid_from:
        raise Conflict(
            _("The new implementing period must start after %(start)s, when the current one began.")
            % {"start": timezone.localtime(open_range.valid_from).strftime("%Y-%m-%d %H:%M")},
            code="catalogue.assignment.not_after_open",
        )
    if open_range is None and ranges and ranges[-1].valid_to != at:
        raise Conflict(
            _("The new implementing period must start where the last one ended."),
            code="catalogue.assignment.gap",
        )
    _check_ranges([(a.valid_from, at if a is open_range else a.valid_to) for a in ranges] + [(at, None)])
    if open_range is not None:
        open_range.valid_to = at
        open_range.save(update_fields=["valid_to"])
    assignment = Assignment.objects.create(
        region_id=subitem.region_id,
        subitem=subitem,
        organisation=organisation,
        valid_from=at,
        agreement_id=agreement_id,
    )
    return assignment, open_range


def start_assignment(
    *, subitem: SubItem, organisation: Organisation, at: dt.datetime, agreement_id: int | None, actor=None
) -> Assignment:
    """From `at` on, `organisation` implements `subitem`: the open range ends at `at`, the new one starts there.

    No scheduler is needed: `implementer(subitem, t)` answers from the ranges for any t. Refuses (409)
    when `at` is not after the start of the open range.
    """
    with transaction.atomic():
        # Lock the sub-item: two handovers of the same sub-item are serialised.
        subitem = SubItem.objects.select_for_update().select_related("region").get(pk=subitem.pk)
        ranges = list(
            Assignment.objects.filter(subitem=subitem).select_related("organisation").order_by("valid_from")
        )
        assignment, closed = begin_range(
            subitem=subitem, organisation=organisation, at=at, agreement_id=agreement_id, ranges=ranges
        )
        audit.record(
            action="catalogue.assignment.start",
            actor=actor,
            **audit_context(actor, region=subitem.region.code),
            role=r.primary_role(actor) if actor is not None else "",
            obj=assignment,
            detail={
                "subitem": subitem.code,
                "from": closed.organisation.code if closed is not None else None,
                "to": organisation.code,
                "at": at.isoformat(),
                "agreement_id": agreement_id,
            },
        )
    return assignment


def cancel_assignment(*, subitem: SubItem, agreement_id: int, actor=None) -> None:
    """Undo a range that has not begun yet (its agreement was superseded): the previous range reopens."""
    with transaction.atomic():
        subitem = SubItem.objects.select_for_update().select_related("region").get(pk=subitem.pk)
        assignment = Assignment.objects.open().filter(subitem=subitem, agreement_id=agreement_id).first()
        if assignment is None:
            raise Conflict(
                _("No open implementing period of this sub-item comes from that agreement."),
                code="catalogue.assignment.not_found",
            )
        if assignment.valid_from <= clock.now():
            raise Conflict(
                _("This implementing period has already begun; only a new handover can change it."),
                code="catalogue.assignment.started",
            )
        previous = Assignment.objects.filter(subitem=subitem, valid_to=assignment.valid_from).first()
        assignment_pk = assignment.pk
        assignment.delete()
        if previous is not None:
            previous.valid_to = None
            previous.save(update_fields=["valid_to"])
        check_assignment_ranges(subitem.pk)
        audit.record(
            action="catalogue.assignment.cancel",
            actor=actor,
            **audit_context(actor, region=subitem.region.code),
            role=r.primary_role(actor) if actor is not None else "",
            object_type="catalogue.assignment",
            object_id=str(assignment_pk),
            detail={"subitem": subitem.code, "agreement_id": agreement_id},
        )
