"""Reads on organisations and people."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from onewindow.core.scoping import in_scope
from onewindow.org.models import Organisation, OrganisationAlias, Staff, Stationing


def departments() -> QuerySet[Organisation]:
    """Every organisation with its names; readable by all staff."""
    return Organisation.objects.select_related("region").prefetch_related(
        Prefetch("aliases", queryset=OrganisationAlias.objects.order_by("sort_order", "pk"))
    )


def visible_staff(user) -> QuerySet[Staff]:
    """Staff in the caller's scope (StaffQuerySet.visible_to)."""
    qs = Staff.objects.select_related("user", "organisation", "window").prefetch_related("user__groups")
    return in_scope(qs, user)


def stationings(*, department: Organisation | None = None) -> QuerySet[Stationing]:
    qs = Stationing.objects.select_related("staff", "department", "hall")
    return qs.filter(department=department) if department else qs
