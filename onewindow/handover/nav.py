"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

AGREEMENTS = ("handover:agreements", _("Handover agreements"))
SEALS = ("handover:seals", _("Seal registry"))

LINKS = {
    r.SUPERVISOR: [("handover:dashboard", _("Handover progress")), AGREEMENTS, SEALS],
    r.DEPARTMENT_HEAD: [AGREEMENTS, SEALS],
    r.APPROVER: [AGREEMENTS],
    r.ISSUING_CLERK: [SEALS],
    r.WINDOW_CLERK: [AGREEMENTS],
    r.ASSESSMENT_OFFICE: [AGREEMENTS],
}
