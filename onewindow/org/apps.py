from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "onewindow.org"
    label = "org"
    verbose_name = _("Organisations and people")

    def ready(self):
        from django.db.models.signals import post_migrate

        from onewindow.org.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)

        from onewindow.org import signals

        signals.connect()

        from onewindow.core import stamps

        # Read through the process caches of core.stamps (regions, organisations, windows).
        stamps.watch("org_region", "org_organisation", "org_organisationalias", "org_window")
