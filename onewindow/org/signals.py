"""Audit what can happen outside the services: a superuser flag set by `createsuperuser` or the shell
(break-glass only), and every logout."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save, pre_save

from onewindow.org.passwords import security_now


def _remember_superuser_flag(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and "is_superuser" not in update_fields):
        return
    if instance.pk is None:
        instance._onewindow_was_superuser = False
    else:
        was = sender.objects.filter(pk=instance.pk).values_list("is_superuser", flat=True).first()
        instance._onewindow_was_superuser = bool(was)


def _audit_superuser_change(sender, instance, created=False, raw=False, **kwargs):
    was = getattr(instance, "_onewindow_was_superuser", None)
    if raw or was is None or was == instance.is_superuser:
        return
    del instance._onewindow_was_superuser
    from onewindow.org.security import record

    with transaction.atomic():
        record(
            action="org.superuser.grant" if instance.is_superuser else "org.superuser.revoke",
            obj=instance,
            detail={"username": instance.get_username(), "created": created, "note": "break-glass"},
        )


def _audit_logout(sender, request, user, **kwargs):
    if user is None:
        return
    from onewindow.org.security import client_address, record

    reason = getattr(request, "_onewindow_logout_reason", "user")
    with transaction.atomic():
        record(
            action="auth.logout",
            actor=user,
            obj=user,
            detail={"reason": reason, "address": client_address(request), "at": security_now().isoformat()},
        )


def connect() -> None:
    User = get_user_model()
    pre_save.connect(_remember_superuser_flag, sender=User, dispatch_uid="onewindow_superuser_pre")
    post_save.connect(_audit_superuser_change, sender=User, dispatch_uid="onewindow_superuser_post")
    user_logged_out.connect(_audit_logout, dispatch_uid="onewindow_logout")
