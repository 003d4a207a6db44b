"""The nine roles of DESIGN.md as Django groups, with separation of duties (三员分立) for administrators."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

WINDOW_CLERK = "window_clerk"
ISSUING_CLERK = "issuing_clerk"
APPROVER = "approver"
DEPARTMENT_HEAD = "department_head"
SUPERVISOR = "supervisor"
ASSESSMENT_OFFICE = "assessment_office"
SYSADMIN = "sysadmin"
SECADMIN = "secadmin"
AUDITOR = "auditor"

ROLE_LABELS = {
    WINDOW_CLERK: _("Comprehensive window clerk"),
    ISSUING_CLERK: _("Issuing window clerk"),
    APPROVER: _("Approver"),
    DEPARTMENT_HEAD: _("Department head"),
    SUPERVISOR: _("Supervisor (Data Bureau)"),
    ASSESSMENT_OFFICE: _("Supervision & Assessment Office"),
    SYSADMIN: _("System administrator"),
    SECADMIN: _("Security administrator"),
    AUDITOR: _("Audit administrator"),
}
ROLES = tuple(ROLE_LABELS)

# Roles bound to a receiving department; the others belong to the bureau or the 督考办.
DEPARTMENT_ROLES = {APPROVER, DEPARTMENT_HEAD}
ADMIN_ROLES = {SYSADMIN, SECADMIN, AUDITOR}
# Roles that see business data (cases, catalogue, organisations); administrators see none of it.
BUSINESS_ROLES = set(ROLES) - ADMIN_ROLES

# Django model permissions each role's group carries (app_label.codename); business rules are checked
# in services, these drive the admin site and the 三员 separation.
ROLE_PERMISSIONS = {
    SYSADMIN: [
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "org.add_staff",
        "org.change_staff",
        "org.view_staff",
        "org.add_window",
        "org.change_window",
        "org.view_window",
        "org.add_hall",
        "org.change_hall",
        "org.view_hall",
        "org.view_organisation",
        "org.view_region",
    ],
    SECADMIN: ["auth.view_user", "auth.change_group", "auth.view_group", "auth.view_permission"],
    AUDITOR: ["core.view_auditentry"],
}


def sync_role_groups(**kwargs) -> None:
    """Create one group per role and give it its permissions; runs after every migrate (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        wanted = []
        for dotted in ROLE_PERMISSIONS.get(role, []):
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:
                wanted.append(perm)
        group.permissions.set(wanted)


def roles_of(user) -> set[str]:
    """The role codes of a user (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_onewindow_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True)) & set(ROLES)
        user._onewindow_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def primary_role(user) -> str:
    """The role a home page and an audit entry name first (ordered as ROLES)."""
    mine = roles_of(user)
    return next((role for role in ROLES if role in mine), "")
