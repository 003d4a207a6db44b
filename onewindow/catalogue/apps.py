from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "onewindow.catalogue"
    label = "catalogue"
    verbose_name = _("Catalogue")

    def ready(self):
        from onewindow.core import stamps

        # Read through the process caches of core.stamps (sub-items, guides, materials, assignments).
        stamps.watch(
            "catalogue_subitem", "catalogue_serviceguide", "catalogue_guidematerial", "catalogue_assignment"
        )
