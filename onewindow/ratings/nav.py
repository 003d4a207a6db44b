"""Navigation links of 好差评 per role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.WINDOW_CLERK: [("ratings:counter", _("Record a rating"))],
    r.ISSUING_CLERK: [("ratings:counter", _("Record a rating"))],
    r.APPROVER: [("ratings:rectifications", _("Rectifications of bad ratings"))],
    r.DEPARTMENT_HEAD: [("ratings:rectifications", _("Rectifications of bad ratings"))],
    r.SUPERVISOR: [
        ("ratings:list", _("Applicant ratings")),
        ("ratings:rectifications", _("Rectifications of bad ratings")),
    ],
}
