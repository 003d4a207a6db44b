"""Home-page links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

_BROWSE = ("catalogue:list", _("Catalogue of power items"))
_PUBLIC = ("catalogue:public_index", _("Public service guides"))

LINKS = {
    r.WINDOW_CLERK: [_BROWSE, _PUBLIC],
    r.ISSUING_CLERK: [_BROWSE],
    r.APPROVER: [_BROWSE],
    r.DEPARTMENT_HEAD: [_BROWSE, ("catalogue:changes", _("Guide changes"))],
    r.SUPERVISOR: [
        _BROWSE,
        ("catalogue:changes", _("Guide changes")),
        ("catalogue:import", _("Import / export the catalogue")),
    ],
    r.ASSESSMENT_OFFICE: [_BROWSE, ("catalogue:changes", _("Guide changes"))],
}
