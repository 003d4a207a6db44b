"""Reads on organisations and people."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from onewindow.core import stamps
from onewindow.core.scoping import in_scope
from onewindow.org.models import (
    APPROVING_KINDS,
    Notification,
    NotificationRead,
    Organisation,
    OrganisationAlias,
    OrganisationKind,
    Region,
    Staff,
    Stationing,
    Window,
)


def bureau_of(region: Region | int) -> Organisation | None:
    """The Data Bureau of a region: the supervisor's inbox, the issuing window's and handover's party."""
    region_id = region if isinstance(region, int) else region.pk
    return (
        Organisation.objects.filter(region_id=region_id, kind=OrganisationKind.BUREAU)
        .order_by("sort_order", "pk")
        .first()
    )


def approving_bodies() -> QuerySet[Organisation]:
    """The organisations that decide cases (the bureau and the receiving departments), in hall order."""
    return Organisation.objects.filter(kind__in=APPROVING_KINDS).order_by("sort_order", "pk")


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


def visible_stationings(user, *, department: Organisation | None = None) -> QuerySet[Stationing]:
    """Postings and qualifications in the caller's scope: their own department's, all for the supervisor."""
    return in_scope(stationings(department=department), user).order_by(
        "department__sort_order", "staff__full_name"
    )


def audit_context(actor, *, organisation: str = "", region: str = "") -> dict[str, str]:
    """`organisation` and `region` of an audit entry: those given, else the acting staff member's own."""
    staff = getattr(actor, "staff", None) if actor is not None else None
    if staff is not None:
        organisation = organisation or staff.organisation.code
        region = region or staff.organisation.region.code
    return {"organisation": organisation, "region": region}


def notifications_for(user, *, unread: bool | None = None, kind: str = "") -> QuerySet[Notification]:
    """The user's inbox, newest first: what is addressed to their organisation or to them by name, each with
    `read_at` (their own reading, None while unread). `unread` True/False selects unread/read ones. Only
    staff have an inbox (an account without a staff record sees none)."""
    staff = getattr(user, "staff", None) if getattr(user, "is_authenticated", False) else None
    if staff is None:
        return Notification.objects.none()
    mine = Exists(Notification.users.through.objects.filter(notification_id=OuterRef("pk"), user_id=user.pk))
    read_at = NotificationRead.objects.filter(notification_id=OuterRef("pk"), user_id=user.pk).values(
        "read_at"
    )
    qs = Notification.objects.filter(Q(recipient_id=staff.organisation_id) | mine).annotate(
        read_at=Subquery(read_at[:1])
    )
    if unread is not None:
        qs = qs.filter(read_at__isnull=unread)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-pk")


def unread_notification_count(user) -> int:
    """The header's badge: the user's own unread notifications."""
    return notifications_for(user, unread=True).count()


def accounts() -> QuerySet:
    """Every login with its staff record and roles, for the administrators' pages (no business data)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.select_related("staff__organisation", "credential")
        .prefetch_related("groups")
        .order_by("username")
    )


# --- through core.stamps' process cache (the case desks' hot path; never change the objects) ------


def cached_department_rows() -> list[dict]:
    """departments() as GET /api/v1/departments answers them, built once per change of the organisations or
    their names (the rows are shared: never change them)."""
    return stamps.cached(
        ("org.department_rows",),
        lambda: [{"code": o.code, "name": o.name, "names": o.names, "kind": o.kind} for o in departments()],
    )


def cached_region(pk: int) -> Region:
    return stamps.cached(("org.region", pk), lambda: Region.objects.get(pk=pk))


def cached_organisation(pk: int) -> Organisation:
    return stamps.cached(("org.organisation", pk), lambda: Organisation.objects.get(pk=pk))


def cached_window(pk: int) -> Window:
    return stamps.cached(("org.window", pk), lambda: Window.objects.get(pk=pk))
