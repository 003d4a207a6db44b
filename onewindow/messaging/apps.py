from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "onewindow.messaging"
    label = "messaging"
    verbose_name = _("Messages to applicants")

    def ready(self):
        # Each step the applicant must know of queues a text inside the case change's own transaction.
        from onewindow.cases import hooks
        from onewindow.core import periodic
        from onewindow.messaging import services

        hooks.register(services.on_case_event)
        # `onewindow tick`: retry what is queued or failed and due (after the cases' own jobs).
        periodic.register("messaging.sms", _deliver_due, order=60)


def _deliver_due() -> str:
    from onewindow.messaging.services import deliver_due

    sent, failed, waiting = deliver_due()
    return f"applicant messages: {sent} sent, {failed} failed for good, {waiting} to retry"
