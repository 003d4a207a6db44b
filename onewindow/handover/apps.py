from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoverConfig(AppConfig):
    name = "onewindow.handover"
    label = "handover"
    verbose_name = _("Handover")

    def ready(self):
        from onewindow.core import stamps

        # handover.seals reads the seal registry through the process caches of core.stamps.
        stamps.watch("handover_seal")
