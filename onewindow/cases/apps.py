from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onewindow.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # Loading an official calendar year recomputes the due dates of open cases (rule 4),
        # inside the calendar change's own transaction.
        from onewindow.cases.services import refresh_open_due_dates
        from onewindow.core import calendar

        if refresh_open_due_dates not in calendar.on_calendar_changed:
            calendar.on_calendar_changed.append(refresh_open_due_dates)
