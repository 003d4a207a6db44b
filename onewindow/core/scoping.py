"""The one scoping helper every selector uses: rows outside the caller's scope do not exist for them (404)."""

from __future__ import annotations

from django.db.models import Model, QuerySet

from onewindow.core.errors import NotFound


def in_scope(queryset: QuerySet, user) -> QuerySet:
    """Restrict `queryset` to what `user` may see; the model's queryset declares how (`visible_to`)."""
    visible_to = getattr(queryset, "visible_to", None)
    if visible_to is None:
        raise TypeError(f"{queryset.model.__name__} has no scoping rule (a queryset method visible_to)")
    return visible_to(user)


def get_in_scope(queryset: QuerySet, user, **lookup) -> Model:
    """The one object matching `lookup` within scope, else NotFound — unknown and forbidden look alike."""
    obj = in_scope(queryset, user).filter(**lookup).first()
    if obj is None:
        raise not_found()
    return obj


def not_found() -> NotFound:
    """The one 404 of a row outside the caller's scope (for lookups scoped by another rule)."""
    return NotFound(_not_found_message(), code="not_found")


def _not_found_message():
    from django.utils.translation import gettext

    return gettext("Not found, or outside your scope.")
