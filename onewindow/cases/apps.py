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
        # `onewindow tick`: deferrals that ran out (退件), then the stored due dates.
        from onewindow.core import periodic

        periodic.register("cases.deferrals", _end_expired_deferrals, order=10)
        periodic.register("cases.due_dates", _refresh_due_dates, order=20)


def _end_expired_deferrals() -> str:
    from onewindow.cases.services import end_expired_deferrals

    ended = end_expired_deferrals()
    return f"cases ended for missed deferrals: {len(ended)}" + "".join(f"\n  ended {n}" for n in ended)


def _refresh_due_dates() -> str:
    from onewindow.cases.services import refresh_open_due_dates

    return f"due dates refreshed: {refresh_open_due_dates()}"
