"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

OVERVIEW = ("staffing:overview", _("Stationed staff (no-gap guard)"))
SCHEDULE = ("staffing:schedule", _("Back-office schedule"))

LINKS = {
    r.SUPERVISOR: [OVERVIEW, SCHEDULE, ("staffing:evaluations", _("Daily evaluation"))],
    r.DEPARTMENT_HEAD: [OVERVIEW, SCHEDULE],
    r.APPROVER: [SCHEDULE],
}
