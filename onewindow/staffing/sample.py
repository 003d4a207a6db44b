"""Sample qualifications: each stationed approver certified for every sub-item its department is sent or
implements now (the bureau's: every sub-item), so that a handover of any sub-item to its target
department passes the no-gap guard (CONTRACT.md, load-sample). Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.core import clock
from onewindow.org import roles as r
from onewindow.org.models import Stationing
from onewindow.staffing.models import Certificate, CertificateKind

ISSUING_BODY = "鞍山高新技术产业开发区管理委员会"


@transaction.atomic
def qualify_stationed_approvers() -> dict:
    postings = (
        Stationing.objects.select_related("staff", "department__region")
        .filter(staff__user__groups__name=r.APPROVER)
        .order_by("department__sort_order", "pk")
    )
    made = added = 0
    for posting in postings:
        department = posting.department
        implemented = Assignment.objects.open().filter(organisation=department).values("subitem_id")
        wanted = SubItem.objects.filter(Q(target_department=department) | Q(pk__in=implemented))
        number = posting.qualification_number or f"LN-SP-{posting.pk:06d}"
        valid_from = min(posting.valid_from, clock.today())
        expiry = posting.qualification_expiry or valid_from.replace(year=valid_from.year + 3)
        certificate, created = Certificate.objects.get_or_create(
            kind=CertificateKind.LAW_ENFORCEMENT,
            number=number,
            defaults={
                "region": department.region,
                "staff": posting.staff,
                "issuing_body": ISSUING_BODY,
                "valid_from": valid_from,
                "valid_to": expiry - dt.timedelta(days=1),
                "created_at": clock.now(),
            },
        )
        made += created
        have = set(certificate.subitems.values_list("pk", flat=True))
        missing = [pk for pk in wanted.values_list("pk", flat=True) if pk not in have]
        certificate.subitems.add(*missing)
        added += len(missing)
    return {"qualification certificates": made, "sub-items certified": added}
