"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.SUPERVISOR: [("stats:cases", _("Statistics")), ("stats:lobby", _("Lobby screen"))],
    r.DEPARTMENT_HEAD: [("stats:cases", _("Statistics"))],
}
