"""The outbox of text messages (SMS) to applicants: one row per message, its delivery status and attempts."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onewindow.core.crypto import EncryptedTextField


class SmsKind(models.TextChoices):
    """The steps of a case an applicant is told of (the same steps the public progress page shows)."""

    ACCEPTED = "accepted", _("Accepted")
    SUPPLEMENT = "supplement_requested", _("Supplement requested")
    SUSPENDED = "suspended", _("Special procedure started")
    RESULT_READY = "result_ready", _("Result ready")
    ISSUED = "issued", _("Result handed out")


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", pgettext_lazy("sms status", "Sent")
    FAILED = "failed", _("Failed")


class SmsMessage(models.Model):
    """A text to an applicant's phone about one case event. The phone is personal data: encrypted at rest
    like the case's own (core.crypto) and shown masked; the text holds only the case number and what to do
    next, never a name or an ID number."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="sms_messages"
    )
    event = models.OneToOneField(
        "cases.CaseEvent",
        verbose_name=_("case event"),
        on_delete=models.PROTECT,
        related_name="sms_message",
        help_text=_("The step the message tells of: one message per event."),
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SmsKind.choices)
    phone = EncryptedTextField(_("phone"))
    text = models.CharField(_("text"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("queued at"))
    next_attempt_at = models.DateTimeField(
        _("next attempt"),
        null=True,
        blank=True,
        help_text=_("When delivery is tried (again); empty once sent or failed for good."),
    )
    sent_at = models.DateTimeField(pgettext_lazy("sms", "sent at"), null=True, blank=True)
    gateway_id = models.CharField(_("gateway reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("message to an applicant")
        verbose_name_plural = _("messages to applicants")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="sms_due"),
            models.Index(fields=["-created_at"], name="sms_newest"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.status}"
