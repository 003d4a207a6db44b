"""Navigation links this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {
    r.SUPERVISOR: [
        ("supervision:board", _("Supervision board")),
        ("supervision:reminders", _("Reminders")),
        ("supervision:orders", _("Supervision orders")),
    ],
    r.APPROVER: [
        ("supervision:reminders", _("Reminders to acknowledge")),
        ("supervision:orders", _("Supervision orders")),
    ],
    r.DEPARTMENT_HEAD: [
        ("supervision:reminders", _("Reminders to acknowledge")),
        ("supervision:orders", _("Supervision orders")),
    ],
}
