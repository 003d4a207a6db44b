"""The administrators' writes (三员分立): the system administrator keeps accounts, the security administrator
grants roles, and neither can make anyone — himself least of all — an administrator of another kind,
a superuser, or the holder of permissions; every change is in the audit chain."""

from __future__ import annotations

import re
import secrets
import string

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput, InvalidValue, PermissionDenied
from onewindow.org import roles as r
from onewindow.org.models import APPROVING_KINDS, Credential, Organisation, Staff
from onewindow.org.passwords import character_classes
from onewindow.org.security import record, revoke_all_tokens

User = get_user_model()

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,39}$")


def is_administrator(user) -> bool:
    """One of the three administrators, or a (break-glass) superuser."""
    return bool(user.is_superuser or r.has_role(user, *r.ADMIN_ROLES))


def one_time_password() -> str:
    """A random password that meets the policy (four character classes, 15 characters)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        word = "".join(secrets.choice(alphabet) for _ in range(12))
        candidate = f"{word[:6]}-{word[6:]}!"
        if character_classes(candidate) == 4:
            return candidate


def _require_role(actor, role: str, message: str) -> None:
    if actor is None or not actor.is_active or not r.has_role(actor, role):
        raise PermissionDenied(message, code="org.forbidden")


def _guard_account_target(actor, user) -> None:
    """The system administrator changes ordinary accounts only: not his own, not another administrator's."""
    if user.pk == actor.pk:
        raise PermissionDenied(
            _("Administrators do not change their own account here; use the password page."),
            code="org.account.self",
        )
    if is_administrator(user):
        raise PermissionDenied(
            _(
                "An administrator's account is changed by the operator (onewindow user), not by another administrator."
            ),
            code="org.account.administrator",
        )


def _set_one_time_password(user) -> str:
    password = one_time_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    # The history hook (passwords.PasswordHistoryValidator) ran on save and ended the tokens.
    Credential.objects.update_or_create(user=user, defaults={"must_change_password": True})
    return password


def create_account(
    *, actor, username: str, full_name: str, department: str, phone: str = ""
) -> tuple[Staff, str]:
    """A new login without any role (the security administrator grants roles), with a one-time password
    that must be changed at the first login. Returns the staff record and that password."""
    _require_role(actor, r.SYSADMIN, _("Only the system administrator creates accounts."))
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not USERNAME_RE.match(username):
        errors["username"] = [_("2–40 letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = [_("A full name is required.")]
    organisation = Organisation.objects.filter(code=department).select_related("region").first()
    if organisation is None:
        errors["department"] = [_("Unknown department %(code)s.") % {"code": department}]
    if errors:
        raise InvalidInput(_("The account was not created."), code="org.account.invalid", errors=errors)
    with transaction.atomic():
        user = User.objects.create_user(username=username)
        password = _set_one_time_password(user)
        staff = Staff.objects.create(
            user=user, organisation=organisation, full_name=full_name, phone=phone[:20]
        )
        record(
            action="org.account.create",
            actor=actor,
            obj=user,
            detail={"username": username, "organisation": organisation.code, "full_name": full_name},
        )
    return staff, password


def set_active(*, actor, user, active: bool) -> None:
    """Disable or enable an ordinary account; disabling ends its tokens (its sessions end by themselves:
    Django refuses inactive users on the next request)."""
    _require_role(actor, r.SYSADMIN, _("Only the system administrator disables or enables accounts."))
    _guard_account_target(actor, user)
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=active)
        user.is_active = active
        revoked = 0 if active else revoke_all_tokens(user)
        record(
            action="org.account.enable" if active else "org.account.disable",
            actor=actor,
            obj=user,
            detail={"username": user.username, "tokens_revoked": revoked},
        )


def reset_password(*, actor, user) -> str:
    """Give an ordinary account a one-time password (returned once) that must be changed at the next login."""
    _require_role(actor, r.SYSADMIN, _("Only the system administrator resets passwords."))
    _guard_account_target(actor, user)
    with transaction.atomic():
        password = _set_one_time_password(user)
        record(action="org.account.reset_password", actor=actor, obj=user, detail={"username": user.username})
    return password


def operator_reset_password(*, user) -> str:
    """The operator's break-glass reset from the console (`onewindow user reset-password`), any account."""
    with transaction.atomic():
        password = _set_one_time_password(user)
        record(
            action="org.account.reset_password",
            obj=user,
            detail={"username": user.username, "by": "operator"},
        )
    return password


def change_password(*, user, old_password: str, new_password: str) -> None:
    """The user's own change: the old password, then the policy; ends every token of the user."""
    if not user.check_password(old_password or ""):
        raise InvalidInput(
            _("The password was not changed."),
            code="auth.password.invalid",
            errors={"old_password": [_("Your current password is not right.")]},
        )
    try:
        validate_password(new_password or "", user)
    except ValidationError as exc:
        raise InvalidInput(
            _("The password was not changed."),
            code="auth.password.weak",
            errors={"new_password": [str(m) for m in exc.messages]},
        ) from None
    if new_password == old_password:
        raise InvalidInput(
            _("The password was not changed."),
            code="auth.password.weak",
            errors={"new_password": [_("The new password must differ from the current one.")]},
        )
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record(action="auth.password.change", actor=user, obj=user)


def _role_errors(user, role: str) -> str | None:
    if role not in r.ROLES:
        return _("Unknown role %(role)s.") % {"role": role}
    held = r.roles_of(user) - {role}
    if role in r.ADMIN_ROLES and held & r.ADMIN_ROLES:
        return _("One person holds at most one of the three administrator roles (三员分立).")
    # Administrators see no business data: the two kinds of role never meet in one person.
    if (role in r.ADMIN_ROLES and held & r.BUSINESS_ROLES) or (
        role in r.BUSINESS_ROLES and held & r.ADMIN_ROLES
    ):
        return _("An administrator holds no business role, and a business user no administrator role.")
    if role in r.DEPARTMENT_ROLES:
        staff = getattr(user, "staff", None)
        if staff is None or staff.organisation.kind not in APPROVING_KINDS:
            return _("Approvers and department heads belong to the bureau or a receiving department.")
    return None


def _guard_role_target(actor, user) -> None:
    if user.pk == actor.pk:
        raise PermissionDenied(
            _("The security administrator does not change his own roles."), code="org.role.self"
        )
    if user.is_superuser:
        raise PermissionDenied(_("A superuser's roles are not managed here."), code="org.role.superuser")


def grant_role(*, actor, user, role: str) -> None:
    _require_role(actor, r.SECADMIN, _("Only the security administrator grants roles."))
    _guard_role_target(actor, user)
    problem = _role_errors(user, role)
    if problem:
        raise InvalidValue(problem, code="org.role.invalid", errors={"role": [problem]})
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=role))
        user.__dict__.pop("_onewindow_roles", None)
        record(
            action="org.role.grant",
            actor=actor,
            obj=user,
            detail={
                "username": user.username,
                "role": role,
                "roles": sorted(user.groups.values_list("name", flat=True)),
            },
        )


def revoke_role(*, actor, user, role: str) -> None:
    _require_role(actor, r.SECADMIN, _("Only the security administrator removes roles."))
    _guard_role_target(actor, user)
    if role not in r.ROLES:
        problem = _("Unknown role %(role)s.") % {"role": role}
        raise InvalidValue(problem, code="org.role.invalid", errors={"role": [problem]})
    with transaction.atomic():
        user.groups.remove(Group.objects.get(name=role))
        user.__dict__.pop("_onewindow_roles", None)
        record(
            action="org.role.revoke",
            actor=actor,
            obj=user,
            detail={
                "username": user.username,
                "role": role,
                "roles": sorted(user.groups.values_list("name", flat=True)),
            },
        )
