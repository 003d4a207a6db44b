"""The nine roles (docs/rules.md rule 10) as Django groups, with separation of duties (三员分立) for administrators."""

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

# Django model permissions each role's group carries (app_label.codename). They only drive the admin site;
# business rules are checked in services. Accounts and roles are never edited there: the system
# administrator has no permission on users, groups or staff beyond reading (his own pages call
# org.accounts), so no form of the admin site can grant a role, a superuser flag or a permission.
ROLE_PERMISSIONS = {
    SYSADMIN: [
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
    SECADMIN: ["auth.view_group", "auth.view_permission"],
    AUDITOR: ["core.view_auditentry"],
}


def sync_role_groups(using="default", **kwargs) -> None:
    """One group per role with exactly its permissions (post_migrate of the org app; idempotent).

    post_migrate is sent app by app, and org comes before django.contrib.auth: so first make sure every
    app's permissions exist (what Django itself does later for each app), then set the groups. A group
    whose permissions differ from ROLE_PERMISSIONS (an upgrade, or a hand-made change) is put right and
    the change is audited; creating the groups of a new database is not a change.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Group, Permission
    from django.db import transaction

    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=global_apps)
    with transaction.atomic(using=using):
        for role in ROLES:
            group, created = Group.objects.using(using).get_or_create(name=role)
            wanted = {}
            for dotted in ROLE_PERMISSIONS.get(role, []):
                app_label, codename = dotted.split(".")
                perm = Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
                wanted[dotted] = perm
            have = {
                f"{p.content_type.app_label}.{p.codename}": p
                for p in group.permissions.select_related("content_type")
            }
            if set(have) == set(wanted):
                continue
            group.permissions.set(wanted.values())
            if not created:
                from onewindow.core import audit

                audit.record(
                    action="org.role.permissions",
                    object_type="auth.group",
                    object_id=str(group.pk),
                    detail={
                        "role": role,
                        "added": sorted(set(wanted) - set(have)),
                        "removed": sorted(set(have) - set(wanted)),
                    },
                )


def role_names(user_column: str):
    """An annotation giving, in the same query, the comma-separated group names of the user whose id is in
    `user_column` (quoted SQL, e.g. '"org_apitoken"."user_id"'): one correlated subquery, as SQL text,
    since an ORM subquery costs ~1 ms of Python to compile on every request (roles_from_names reads it)."""
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.db.models import CharField
    from django.db.models.expressions import RawSQL

    memberships = Group.user_set.through._meta.db_table
    groups = Group._meta.db_table
    names = "STRING_AGG(g.name, ',')" if connection.vendor == "postgresql" else "GROUP_CONCAT(g.name, ',')"
    return RawSQL(
        f'SELECT {names} FROM "{memberships}" ug JOIN "{groups}" g ON g.id = ug.group_id '
        f"WHERE ug.user_id = {user_column}",
        [],
        output_field=CharField(),
    )


def roles_from_names(names: str | None) -> set[str]:
    return set((names or "").split(",")) & set(ROLES)


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
