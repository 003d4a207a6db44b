from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "onewindow.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self):
        # The arithmetic listens to request_started/finished (one freshness check per request): connect
        # before the first request, whoever imports it first.
        from onewindow.core import stamps
        from onewindow.workdays import arithmetic  # noqa: F401

        # The calendar index follows these tables (and the regions: org watches them).
        stamps.watch("core_calendaryear", "core_calendarday")
