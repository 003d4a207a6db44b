from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "onewindow.supervision"
    label = "supervision"
    verbose_name = _("Supervision of time limits")

    def ready(self):
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
