"""Navigation links of the assessment per role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.SUPERVISOR: [
        ("assessment:list", _("Assessments")),
        ("assessment:year", _("Monthly scores over the year")),
        ("assessment:schemes", _("Assessment schemes")),
    ],
    r.ASSESSMENT_OFFICE: [
        ("assessment:list", _("Filed assessments")),
        ("assessment:year", _("Monthly scores over the year")),
    ],
    r.DEPARTMENT_HEAD: [
        ("assessment:list", _("Assessments")),
        ("assessment:year", _("Monthly scores over the year")),
    ],
    r.APPROVER: [("assessment:list", _("My assessments"))],
    r.WINDOW_CLERK: [("assessment:list", _("My assessments"))],
    r.ISSUING_CLERK: [("assessment:list", _("My assessments"))],
}
