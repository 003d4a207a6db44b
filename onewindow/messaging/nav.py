"""Pages this context offers each role: {role: [(url name, label)]}."""

from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r

LINKS = {r.SUPERVISOR: [("messaging:outbox", _("Messages to applicants"))]}
