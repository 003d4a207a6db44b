"""Reads on organisations and people."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from onewindow.org import roles as r
from onewindow.org.models import Organisation, OrganisationAlias, Staff, Stationing


def departments() -> QuerySet[Organisation]:
    """Every organisation with its names; readable by all staff."""
    return Organisation.objects.select_related("region").prefetch_related(
        Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("sort_order", "pk"))
    )


def visible_staff(user) -> QuerySet[Staff]:
    """Supervisors and administrators see everyone; others see their own organisation."""
    qs = Staff.objects.select_related("user", "organisation", "window").prefetch_related("user__groups")
    if r.has_role(user, r.SUPERVISOR, r.SYSADMIN, r.SECADMIN, r.ASSESSMENT_OFFICE):
        return qs
    staff = getattr(user, "staff", None)
    if staff is None:
        return qs.none()
    return qs.filter(organisation_id=staff.organisation_id)


def stationings(*, department: Organisation | None = None) -> QuerySet[Stationing]:
    qs = Stationing.objects.select_related("staff", "department", "hall")
    return qs.filter(department=department) if department else qs
