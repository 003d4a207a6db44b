from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

NOTIFICATION_KINDS = {
    "supervision.reminder": _("Reminder about late cases"),
    "supervision.escalation": _("Reminder not acknowledged in time"),
    "supervision.handling_warning": _("Case near its time limit"),
    "supervision.handling_overdue": _("Case past its time limit"),
    "supervision.issuance_warning": _("Result to issue soon (art. 44)"),
    "supervision.issuance_overdue": _("Result not issued in time (art. 44)"),
    "supervision.order": _("Supervision order"),
    "supervision.order_explained": _("Supervision order explained"),
    "supervision.order_returned": _("Supervision order sent back"),
}


class SupervisionConfig(AppConfig):
    name = "onewindow.supervision"
    label = "supervision"
    verbose_name = _("Supervision of time limits")

    def ready(self):
        # The inbox kinds this app posts (org.services.notify refuses undeclared ones).
        from onewindow.org.notifications import register_kind

        for code, label in NOTIFICATION_KINDS.items():
            register_kind(code, label)
        # `onewindow tick`: warnings after cases.due_dates (order 20) has refreshed the stored due dates,
        # then the escalation of reminders left unacknowledged.
        from onewindow.core import periodic

        periodic.register("supervision.warnings", _raise_warnings, order=30)
        periodic.register("supervision.escalations", _escalate, order=40)


def _raise_warnings() -> str:
    from onewindow.supervision.services import raise_warnings

    return f"warnings raised: {raise_warnings()}"


def _escalate() -> str:
    from onewindow.supervision.services import escalate_unacknowledged

    return f"reminders escalated: {len(escalate_unacknowledged())}"
