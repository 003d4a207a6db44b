from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "onewindow.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # Loading an official calendar year recomputes the due dates of open cases (rule 4),
        # inside the calendar change's own transaction.
        from onewindow.cases.selectors import in_flight_cases
        from onewindow.cases.services import refresh_open_due_dates
        from onewindow.handover.selectors import in_flight_case_providers
        from onewindow.workdays.services import on_calendar_changed

        if refresh_open_due_dates not in on_calendar_changed:
            on_calendar_changed.append(refresh_open_due_dates)
        # A handover's impact preview lists the open cases it moves to the receiving department.
        if in_flight_cases not in in_flight_case_providers:
            in_flight_case_providers.append(in_flight_cases)
