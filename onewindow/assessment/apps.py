from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "onewindow.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self):
        # Filed results refuse changes in the database too (rule 20), installed and dropped with the
        # audit table's guards.
        from onewindow.assessment import db_guards
        from onewindow.core import db_guards as core_guards

        core_guards.register(db_guards.statements, tables=("assessment_result", "assessment_score"))
        # The 督考办's inbox hears of each filing, the unit's of each return.
        from onewindow.org.notifications import register_kind

        register_kind("assessment.filed", _("Assessment filed"))
        register_kind("assessment.returned", _("Assessment returned to the unit"))
