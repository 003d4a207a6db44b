"""Rule 2 of docs/rules.md in one place: which seal a result carries.

A case's *authority* is the organisation that implemented its sub-item when the case was accepted;
it is pinned on the case. Its result carries a seal **of that authority** that is **valid when the
result is produced** and **not void**. Nothing else is ever guessed.

How this plays out across a handover (the work plan, step 1):
- a case accepted before the agreement takes effect has the Data Bureau (as the Administrative
  Approval Bureau) as authority, so even when it is finished afterwards it gets a bureau seal;
- a case accepted after gets the receiving department's seal;
- the old "高新区行政审批专用章" becomes void at once, so the bureau keeps a *valid* seal of its own —
  its official seal under the name 行政审批局 — for those in-flight results. The sample registers both
  (org.data + handover.sample); voiding the special seal therefore never leaves in-flight cases
  without a seal, while voiding every bureau seal would (and then results are refused, not guessed).

When several seals qualify, the choice is deterministic: an approval seal before an official seal,
then the newest (latest `valid_from`), then the highest id.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import clock, stamps
from onewindow.core.errors import RuleViolation
from onewindow.handover.models import Seal, SealPurpose


class NoValidSeal(RuleViolation):
    """The authority has no seal that is valid and not void at production time: the result is refused (422)."""


def valid_seals(*, authority, at: dt.datetime) -> QuerySet[Seal]:
    """Seals of `authority` valid at `at` and not void, best first (approval, then newest)."""
    return (
        Seal.objects.select_related("organisation")
        .filter(organisation=authority, void=False)
        .valid_at(at)
        .annotate(
            _rank=Case(
                When(purpose=SealPurpose.APPROVAL, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("_rank", "-valid_from", "-pk")
    )


def _rank(seal: Seal) -> tuple:
    """valid_seals()'s order as a sort key: an approval seal first, then the newest, then the highest id."""
    return (0 if seal.purpose == SealPurpose.APPROVAL else 1, -seal.valid_from.timestamp(), -seal.pk)


def _usable_seals(organisation_id: int) -> list[Seal]:
    """The organisation's seals that are not void, best first, from core.stamps' process cache: a seal
    registered, voided or changed anywhere moves the stamp (the handover_seal trigger), so the next
    request reads them again. Validity at a moment is decided by the caller (it changes with time)."""
    return stamps.cached(
        ("handover.usable_seals", organisation_id),
        lambda: sorted(
            Seal.objects.select_related("organisation").filter(organisation_id=organisation_id, void=False),
            key=_rank,
        ),
    )


def _best_seal(authority, at: dt.datetime) -> Seal | None:
    """The same choice as `valid_seals(authority=…, at=…).first()`, over the cached seals: in an action the
    stamp came with the case's row lock (no query); elsewhere `stamps.fresh()` asks for it."""
    stamps.fresh()
    return next(
        (
            s
            for s in _usable_seals(authority.pk)
            if s.valid_from <= at and (s.valid_to is None or s.valid_to > at)
        ),
        None,
    )


def select_seal(*, authority, at: dt.datetime) -> Seal:
    """The seal a result of `authority` produced at `at` carries; NoValidSeal when there is none."""
    seal = _best_seal(authority, at)
    if seal is None:
        raise NoValidSeal(
            _(
                "%(organisation)s has no seal that is valid and not void at %(time)s; the result cannot "
                "be produced until the seal registry holds one."
            )
            % {
                "organisation": authority.name,
                "time": _local(at),
            },
            code="seal.none_valid",
        )
    return seal


def seal_for_notice(*, authority, at: dt.datetime) -> Seal | None:
    """The seal on a notice `authority` issues at `at` (receipt, supplement or rejection notice): the seal
    `select_seal` would choose, or None when there is none. Unlike a result, the notice is owed to the
    applicant all the same; it then says that no valid seal is registered, never shows a guessed one."""
    return _best_seal(authority, at)


def select_seal_for_case(case) -> Seal:
    """The seal for `case`'s result produced now: `case.authority` is the implementer pinned at acceptance."""
    return select_seal(authority=case.authority, at=clock.now())


def official_seal(organisation, at: dt.datetime) -> Seal | None:
    """The official seal `organisation` applied to a document it signed at `at` (e.g. an agreement), or None.

    Unlike a result produced now, the document was sealed at `at`: a seal voided *later* still shows on it.
    """
    in_use_then = (
        Seal.objects.select_related("organisation")
        .filter(organisation=organisation)
        .valid_at(at)
        .filter(Q(void=False) | Q(voided_at__gt=at))
    )
    return (
        in_use_then.filter(purpose=SealPurpose.OFFICIAL).order_by("-valid_from", "-pk").first()
        or in_use_then.order_by("-valid_from", "-pk").first()
    )


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
