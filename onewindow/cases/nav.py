"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.WINDOW_CLERK: [("cases:accept", _("Acceptance desk")), ("cases:list", _("Cases of the hall"))],
    r.ISSUING_CLERK: [("cases:issuance", _("Issuance desk")), ("cases:list", _("Cases of the hall"))],
    r.APPROVER: [("cases:list", _("My department's queue"))],
    r.DEPARTMENT_HEAD: [("cases:list", _("My department's queue"))],
    r.SUPERVISOR: [("cases:list", _("All cases and export"))],
}
