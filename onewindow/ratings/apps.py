from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "onewindow.ratings"
    label = "ratings"
    verbose_name = _("Applicant ratings (好差评)")

    def ready(self):
        # The public progress page shows the 好差评 form under an issued case (cases is below us).
        from onewindow.cases.hooks import public_case_panels, register
        from onewindow.ratings.panels import public_rating_panel

        register(public_rating_panel, public_case_panels)
        # The department's inbox hears of each 差评 it has to rectify.
        from onewindow.org.notifications import register_kind

        register_kind("ratings.rectification", _("Bad rating to rectify"))
