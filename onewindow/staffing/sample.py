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


# Departments whose window-clerk training the sample records (the others show up as untrained).
TRAINED_DEPARTMENTS = ("construction", "health", "commerce")


@transaction.atomic
def load_trainings(*, day: dt.date = dt.date(2024, 9, 10)) -> dict:
    """One training session per department above: its approver trained the sample's window clerks on
    every sub-item the department is sent. Idempotent (a department with a session is left alone)."""
    from django.contrib.auth import get_user_model

    from onewindow.org.models import Organisation, Staff
    from onewindow.staffing.models import TrainingSession

    clerks = list(Staff.objects.filter(user__groups__name=r.WINDOW_CLERK, user__is_active=True))
    made = 0
    for code in TRAINED_DEPARTMENTS:
        department = Organisation.objects.filter(code=code).first()
        head = get_user_model().objects.filter(username=f"{code}-head").first()
        approver = Staff.objects.filter(user__username=f"{code}-approver").first()
        subitems = list(SubItem.objects.filter(target_department=department))
        if None in (department, head, approver) or not subitems or not clerks:
            continue
        if TrainingSession.objects.filter(department=department).exists():
            continue
        session = TrainingSession.objects.create(
            region=department.region,
            department=department,
            day=day,
            trainer=approver.full_name,
            topic="承接事项受理要点培训",
            recorded_by=head,
            recorded_at=clock.now(),
        )
        session.subitems.set(subitems)
        session.attendees.set(clerks)
        made += 1
    return {"training sessions": made}
