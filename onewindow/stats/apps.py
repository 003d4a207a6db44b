from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "onewindow.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        # Every case change updates the roll-ups in its own transaction; a calendar change (after cases
        # recomputed the due dates: cases is installed first) rebuilds them.
        from django.db.models.signals import post_migrate

        from onewindow.cases import hooks
        from onewindow.stats import triggers
        from onewindow.stats.services import calendar_changed, record_case_event
        from onewindow.workdays.services import on_calendar_changed

        hooks.register(record_case_event)
        # The roll-ups follow the figures rows through triggers, as this code states them.
        post_migrate.connect(triggers.installed, sender=self, dispatch_uid="onewindow.stats.triggers")
        # Every figure of the statistics page links to the cases list, filtered by this app's definition.
        from onewindow.stats.drill import case_list_filter

        hooks.register(case_list_filter, hooks.case_list_filters)
        if calendar_changed not in on_calendar_changed:
            on_calendar_changed.append(calendar_changed)
