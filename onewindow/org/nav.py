"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.WINDOW_CLERK: [("org:organisations", _("Departments"))],
    r.ISSUING_CLERK: [("org:organisations", _("Departments"))],
    r.APPROVER: [("org:staff", _("My department's staff"))],
    r.DEPARTMENT_HEAD: [("org:staff", _("My department's staff"))],
    r.SUPERVISOR: [
        ("org:organisations", _("Organisations")),
        ("org:staff", _("Staff")),
        # The stationings list stays at /org/stationings/; the supervisor works them on staffing's page.
    ],
    r.ASSESSMENT_OFFICE: [("org:organisations", _("Organisations"))],
    r.SYSADMIN: [("org:accounts", _("User accounts")), ("admin:index", _("System administration"))],
    r.SECADMIN: [("org:roles", _("Roles"))],
    r.AUDITOR: [("org:audit", _("Audit log"))],
}
