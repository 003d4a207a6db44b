"""The Data Bureau's supervision of time limits: reminders (催办) and their acknowledgments, the automatic
warnings of `onewindow tick`, and supervision orders (督办) with the department's written explanation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.cases.models import Case
from onewindow.org.models import DepartmentScopedQuerySet, Organisation, Region

# Reminders, warnings and orders are scoped like every department business row.
ScopedQuerySet = DepartmentScopedQuerySet


class Reminder(models.Model):
    """The Data Bureau urging a department (催办) about one case near or past its limit, or about all its
    late cases at once; the department acknowledges it with a reply. Moved here from `cases` (same rows)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    case = models.ForeignKey(
        Case,
        related_name="reminders",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Empty for a reminder about all the department's late cases."),
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department reminded"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The department working the case when the reminder was sent."),
    )
    message = models.TextField(_("message"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("sent at"))
    late_cases = models.JSONField(
        _("late cases"),
        default=list,
        blank=True,
        help_text=_("A department reminder: the numbers of its warning and overdue cases when it was sent."),
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reply = models.TextField(_("reply"), blank=True, help_text=_("What the department will do."))
    promised_by = models.DateField(
        _("promised by"), null=True, blank=True, help_text=_("By when the department will have done it.")
    )
    delay_minutes = models.PositiveIntegerField(
        _("acknowledgment delay (working minutes)"),
        null=True,
        blank=True,
        help_text=_("Hall hours on working days between sending and acknowledging (kept for assessment)."),
    )
    escalated_at = models.DateTimeField(
        _("escalated at"),
        null=True,
        blank=True,
        help_text=_("Unacknowledged beyond the configured working hours: raised to the supervisor's board."),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["department", "acknowledged_at"], name="supervision_reminder_open"),
            models.Index(fields=["region", "at"], name="supervision_reminder_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(reply=""),
                name="supervision_reminder_acknowledged_with_reply",
            )
        ]

    def __str__(self):
        return f"{self.case_id or self.department_id} {self.at:%Y-%m-%d}"


class WarningKind(models.TextChoices):
    HANDLING = "handling", _("Time limit of the case")
    ISSUANCE = "issuance", _("Issuance within 10 working days (art. 44)")


class WarningLevel(models.TextChoices):
    WARNING = "warning", _("Near the limit")
    OVERDUE = "overdue", _("Overdue")


class CaseWarning(models.Model):
    """A warning `onewindow tick` raised: once per case, kind and level, whatever runs at once (the unique
    constraint decides which tick posts it)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=WarningKind.choices)
    level = models.CharField(_("warning level"), max_length=10, choices=WarningLevel.choices)
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("warned organisation"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The department working the case; the issuing window (the bureau) for art. 44."),
    )
    due_date = models.DateField(_("due date"))
    raised_at = models.DateTimeField(_("raised at"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind", "level"], name="supervision_warning_once_per_level"
            )
        ]

    def __str__(self):
        return f"{self.case_id} {self.kind} {self.level}"


class OrderStatus(models.TextChoices):
    ISSUED = "issued", _("Issued, explanation due")
    EXPLAINED = "explained", _("Explained, under review")
    RETURNED = "returned", _("Sent back for a better explanation")
    CLOSED = "closed", _("Closed")


class SupervisionOrder(models.Model):
    """督办: an overdue case escalated to a numbered order with a deadline for the department's written
    explanation; the supervisor accepts the explanation (closed) or sends it back."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"), help_text=_("Counted per region and year."))
    number = models.CharField(_("order number"), max_length=40, help_text=_("督办〔year〕serial号"))
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Organisation, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=OrderStatus.choices, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("issued at"))
    case_due_date = models.DateField(_("due date of the case"), null=True, blank=True)
    explanation_due = models.DateField(
        _("explanation due"), help_text=_("Working days after issue (ONEWINDOW_ORDER_EXPLANATION_DAYS).")
    )
    explanation = models.TextField(_("explanation"), blank=True)
    explained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("explained by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    explained_at = models.DateTimeField(_("explained at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    returned_count = models.PositiveSmallIntegerField(_("times sent back"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "serial"], name="supervision_order_number"),
            models.UniqueConstraint(
                fields=["case"], condition=~Q(status="closed"), name="supervision_one_open_order_per_case"
            ),
        ]

    def __str__(self):
        return self.number
