"""Sample seals (illustrative): the bureau's official seal, the old special seal, one per receiving department.

Consistent with rule 2 (see handover/seals.py): the old "高新区行政审批专用章" is registered still valid —
the supervisor voids it when the agreements take effect — and the bureau keeps its official seal under
the name 行政审批局, so results of cases accepted before a handover can still be sealed afterwards.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from onewindow.handover.models import Seal, SealPurpose
from onewindow.handover.selectors import RECEIVING_KINDS
from onewindow.org.models import Organisation, OrganisationKind

OLD_SPECIAL_SEAL = "高新区行政审批专用章"
BUREAU_OFFICIAL_SEAL = "鞍山高新区行政审批局"


def _at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day))


@transaction.atomic
def load() -> dict:
    """Idempotent: a seal is created once by (organisation, name, purpose); a voided one is not revived."""
    created = 0
    bureau = Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("sort_order").first()
    if bureau is None:
        return {}
    wanted = [
        # The special seal of the 2020 concentration of licensing power; void once the handover is in effect.
        (bureau, OLD_SPECIAL_SEAL, SealPurpose.APPROVAL, _at(2020, 7, 1)),
        # The body's official seal under its Administrative Approval Bureau name: seals in-flight results.
        (bureau, BUREAU_OFFICIAL_SEAL, SealPurpose.OFFICIAL, _at(2019, 3, 1)),
    ]
    for department in Organisation.objects.filter(kind__in=RECEIVING_KINDS).order_by("sort_order"):
        wanted.append((department, department.name, SealPurpose.OFFICIAL, _at(2019, 3, 1)))
    for organisation, name, purpose, valid_from in wanted:
        _, was_created = Seal.objects.get_or_create(
            organisation=organisation,
            name=name,
            purpose=purpose,
            defaults={"region": organisation.region, "valid_from": valid_from},
        )
        created += was_created
    return {"seals created": created}
