"""Writes on organisations and people: each one transaction with its permission check and audit entry."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from onewindow.core import audit, clock, stamps
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.core.prepared import Prepared
from onewindow.core.validators import validate_name
from onewindow.org import notifications, security
from onewindow.org import roles as r
from onewindow.org.models import APPROVING_KINDS, Organisation, OrganisationKind, Staff
from onewindow.org.selectors import audit_context

User = get_user_model()


def _default_department(role: str) -> Organisation | None:
    if role == r.ASSESSMENT_OFFICE:
        return Organisation.objects.filter(kind=OrganisationKind.OFFICE).order_by("sort_order").first()
    if role in r.DEPARTMENT_ROLES:
        return None
    return Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("sort_order").first()


def create_user(
    *,
    actor,
    username: str,
    role: str,
    password: str,
    department: str | None = None,
    full_name: str = "",
    phone: str = "",
) -> Staff:
    """Create a login with one role in one organisation: the operator's console (`onewindow user add`) only.
    In the UI the system administrator creates accounts without roles (org.accounts) and the security
    administrator grants them (三员分立), so no actor may use this."""
    if actor is not None:
        raise PermissionDenied(
            _("Accounts with a role are created from the console; administrators use their own pages."),
            code="user.forbidden",
        )
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    if not username:
        errors.setdefault("username", []).append(_("A username is required."))
    elif User.objects.filter(username=username).exists():
        errors.setdefault("username", []).append(_("This username is taken."))
    for field, value in (("username", username), ("full_name", full_name)):
        try:
            validate_name(value)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
    if len(full_name or "") > Staff._meta.get_field("full_name").max_length:
        errors.setdefault("full_name", []).append(_("At most 60 characters."))
    if role not in r.ROLES:
        errors.setdefault("role", []).append(
            _("Unknown role %(role)s; roles: %(roles)s") % {"role": role, "roles": ", ".join(r.ROLES)}
        )
    organisation = None
    if department:
        organisation = Organisation.objects.filter(code=department).first()
        if organisation is None:
            errors.setdefault("department", []).append(
                _("Unknown department %(code)s.") % {"code": department}
            )
        elif role in r.DEPARTMENT_ROLES and organisation.kind not in APPROVING_KINDS:
            errors.setdefault("department", []).append(
                _("Approvers and department heads belong to the bureau or a receiving department.")
            )
    elif role in r.ROLES:
        organisation = _default_department(role)
        if organisation is None:
            errors.setdefault("department", []).append(
                _("--department is required for this role.")
                if role in r.DEPARTMENT_ROLES
                else _("Load the organisations first.")
            )
    if not errors:
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            errors["password"] = [str(m) for m in exc.messages]
    if errors:
        raise InvalidInput(_("The user was not created."), code="user.invalid", errors=errors)

    with transaction.atomic():
        # set_password + save (not create_user) so that the password policy's history hook runs.
        user = User(username=username)
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        staff = Staff.objects.create(
            user=user, organisation=organisation, full_name=full_name or username, phone=phone
        )
        audit.record(
            action="org.user.create",
            actor=actor,
            **audit_context(actor, organisation=organisation.code, region=organisation.region.code),
            role=r.primary_role(actor) if actor else "",
            obj=staff,
            detail={"username": username, "role": role, "organisation": organisation.code},
        )
    return staff


def issue_token(
    *, username: str, password: str, otp: str | None = None, request=None
) -> tuple[str, dt.datetime]:
    """A Bearer token (org.security.issue_token: lockout, second factor, audit)."""
    return security.issue_token(username=username, password=password, otp=otp, request=request)


_USER_ID = f'"{User._meta.db_table}"."{User._meta.pk.column}"'
# Compiled once per process (core.prepared): building this SQL cost more Python than running it. The user
# with the token's expiry beside it (not a token instance as well: one model instance less a call).
_TOKEN = Prepared(
    lambda key_hash: (
        User.objects.select_related("staff__organisation", "staff__window")
        .filter(api_tokens__key_hash=key_hash)
        .annotate(
            _token_expires_at=F("api_tokens__expires_at"),
            _stamp=stamps.subquery(),
            _roles=r.role_names(_USER_ID),
        )
        .order_by()[:1]
    ),
    key_hash=str,
)


def user_for_token(raw: str):
    """The active user a Bearer token belongs to, or None when unknown or expired."""
    if not raw:
        return None
    # One query: the user, staff row, organisation and usual window (every API call needs them: scope,
    # role, audit), the token's expiry, the roles, and core.stamps' stamp (so the caches of reference data
    # are checked free). Nothing of it is cached: a revoked token, an ended account or a removed role
    # counts at once.
    user = _TOKEN.first(key_hash=security.hash_token(raw))
    if user is None:
        return None
    stamps.observe(user._stamp)
    if user._token_expires_at <= clock.now() or not user.is_active:
        return None
    user._onewindow_roles = r.roles_from_names(user._roles)
    return user


def notify(
    *,
    organisation: Organisation | None = None,
    users=(),
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    object_type: str = "",
    object_id: str = "",
    at: dt.datetime | None = None,
):
    """Post a notification to an organisation's inbox and/or named users' (`users`: users or their staff
    records), inside the caller's transaction: the one way every app tells a department, the Data Bureau
    or a person something (reminders, warnings, guide publications…). `kind` must be registered
    (org.notifications.register_kind). When e-mail is configured, a copy goes to each recipient with an
    address once the caller's transaction commits (a failure is logged, the notification stays)."""
    from onewindow.org.models import Notification

    if kind not in notifications.kinds():
        raise ValueError(f"unregistered notification kind {kind!r}: register it with org.notifications")
    people = [getattr(u, "user", u) for u in users]
    if organisation is None and not people:
        raise ValueError("a notification needs an organisation or named users")
    note = Notification.objects.create(
        recipient=organisation,
        kind=kind,
        title=title[:200],
        body=body,
        link=link[:300],
        object_type=object_type[:60],
        object_id=str(object_id)[:40],
        created_at=at or clock.now(),
    )
    if people:
        note.users.add(*people)
    if notifications.email_enabled():
        transaction.on_commit(lambda: notifications.send_email_copies(note.pk), robust=True)
    return note


def mark_notifications_read(*, actor, ids: list[int] | None = None) -> int:
    """Mark the actor's own notifications read (all of them, or those in `ids` that they see); returns how
    many were unread. Read state is each person's: a colleague's copy stays unread. Not audited: it changes
    no business data (a reminder's own record stays)."""
    from onewindow.org.models import NotificationRead
    from onewindow.org.selectors import notifications_for

    staff = getattr(actor, "staff", None)
    if staff is None:
        raise PermissionDenied(_("Only staff have notifications."), code="org.not_staff")
    with transaction.atomic():
        unread = notifications_for(actor, unread=True)
        if ids is not None:
            unread = unread.filter(pk__in=ids)
        now = clock.now()
        rows = [
            NotificationRead(notification_id=pk, user_id=actor.pk, read_at=now)
            for pk in unread.values_list("pk", flat=True)
        ]
        # Two tabs marking at once: the second one's rows are already there.
        NotificationRead.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)
