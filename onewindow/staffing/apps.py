from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "onewindow.staffing"
    label = "staffing"
    verbose_name = _("Staffing")

    def ready(self):
        from onewindow.catalogue.services import on_guide_published
        from onewindow.core import periodic
        from onewindow.handover.selectors import staffing_providers
        from onewindow.handover.services import signing_checks
        from onewindow.org.notifications import register_kind
        from onewindow.staffing import services

        # The inbox kinds this context posts (org.services.notify refuses an undeclared one).
        register_kind("staffing.gap", _("No qualified stationed approver"))
        register_kind("staffing.certificate_expiring", _("Qualification certificate expiring"))
        register_kind("staffing.frequent_changes", _("Frequent stationing changes"))
        register_kind("staffing.training_outdated", _("Training of window clerks out of date"))

        # Rule 8: no agreement is signed that leaves a received sub-item without a qualified approver.
        if services.check_agreement_staffed not in signing_checks:
            signing_checks.append(services.check_agreement_staffed)
        # ...and the preview and the handover dashboard say what signing will say.
        if services.agreement_staffing not in staffing_providers:
            staffing_providers.append(services.agreement_staffing)
        # A new guide version makes the window clerks' training on that sub-item out of date.
        if services.guide_published not in on_guide_published:
            on_guide_published.append(services.guide_published)
        periodic.register("staffing.certificates", services.warn_expiring_certificates, order=60)
        periodic.register("staffing.gaps", services.report_gaps, order=61)
        periodic.register("staffing.changes", services.warn_frequent_changes, order=62)
