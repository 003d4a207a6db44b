"""好差评: the applicant's rating of a finished case and the rectification a bad rating opens.

Rules these tables carry (docs/rules.md rule 14):
- one rating per case (现场服务"一次一评"、网上服务"一事一评"), only after issuance;
- levels 5 非常满意 … 1 非常不满意; 4–5 are 好评, 3 中评, 1–2 差评;
- a 差评 opens one rectification for the department that handled the case, due in
  RECTIFICATION_WORKDAYS working days: the department replies and fixes, the applicant's follow-up
  (回访) is recorded, the supervisor closes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r
from onewindow.org.models import DepartmentScopedQuerySet, Organisation, Region, Window

# Working days a department has to rectify a 差评 (several local rules: 15 工作日).
RECTIFICATION_WORKDAYS = 15


class Level(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("Very dissatisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    SATISFIED = 4, _("Satisfied")
    VERY_SATISFIED = 5, _("Very satisfied")


class Grade(models.TextChoices):
    GOOD = "good", _("Good rating (好评)")
    NEUTRAL = "neutral", _("Neutral rating (中评)")
    BAD = "bad", _("Bad rating (差评)")


def grade_of(level: int) -> str:
    """The one mapping of a level to 好评 / 中评 / 差评."""
    if level >= 4:
        return Grade.GOOD
    if level == 3:
        return Grade.NEUTRAL
    return Grade.BAD


BAD_LEVELS = (1, 2)


class Channel(models.TextChoices):
    ONLINE = "online", _("Online (the receipt's QR code)")
    COUNTER = "counter", _("At the counter")


class RatingQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The supervisor sees the region's; a department its own cases'; a hall clerk the ratings of the
        cases they accepted or handed out."""
        staff = getattr(user, "staff", None)
        if staff is None:
            return self.none()
        if r.has_role(user, r.SUPERVISOR):
            return self.filter(region_id=staff.organisation.region_id)
        mine = Q(pk__in=[])
        if r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
            mine |= Q(department_id=staff.organisation_id)
        if r.has_role(user, r.WINDOW_CLERK, r.ISSUING_CLERK):
            mine |= Q(clerk_id=user.pk) | Q(issuer_id=user.pk)
        return self.filter(mine)


class Rating(models.Model):
    """One applicant's rating of one case (好差评), with who served them, kept as it was given."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        related_name="rating",
        on_delete=models.PROTECT,
        help_text=_("One rating per case, after issuance."),
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, help_text=_("5 非常满意 … 1 非常不满意.")
    )
    grade = models.CharField(
        _("grade"), max_length=8, choices=Grade.choices, help_text=_("4–5 好评, 3 中评, 1–2 差评.")
    )
    comment = models.TextField(_("applicant's comment"), blank=True, max_length=500)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    rated_at = models.DateTimeField(_("rated at"), db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The clerk who recorded a rating given at the counter; empty when given online."),
    )
    # Who served the applicant, as on the case when it was rated (谁办理谁负责).
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ratings",
        help_text=_("The department that decided the case."),
    )
    subitem = models.ForeignKey(
        "catalogue.SubItem", verbose_name=_("sub-item"), on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        Window, verbose_name=_("window"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "rated_at"], name="rating_region_at"),
            models.Index(fields=["department", "rated_at"], name="rating_department_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=5), name="rating_level_1_5"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.level}"


class RectificationStatus(models.TextChoices):
    OPEN = "open", _("Awaiting the department's reply")
    REPLIED = "replied", _("Replied and rectified")
    FOLLOWED_UP = "followed_up", _("Applicant followed up")
    CLOSED = "closed", _("Closed")


class Rectification(models.Model):
    """The rectification (整改) a 差评 opens for the department: reply and fix by the deadline, the
    applicant's follow-up (回访), closed by the supervisor."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    rating = models.OneToOneField(
        Rating, verbose_name=_("rating"), related_name="rectification", on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        Organisation,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    opened_at = models.DateTimeField(_("opened at"))
    deadline = models.DateField(
        _("rectification deadline"),
        help_text=_("The rating's day + 15 working days (RECTIFICATION_WORKDAYS)."),
    )
    reply = models.TextField(_("reply to the applicant"), blank=True)
    measures = models.TextField(_("rectification measures"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    follow_up = models.TextField(_("applicant's follow-up"), blank=True)
    applicant_satisfied = models.BooleanField(_("applicant satisfied"), null=True, blank=True)
    followed_up_at = models.DateTimeField(_("followed up at"), null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followed up by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_note = models.TextField(_("closing note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = DepartmentScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["department", "status"], name="rectification_dept_status")]

    def __str__(self):
        return f"{self.rating_id} {self.status}"

    @property
    def replied_late(self) -> bool:
        from onewindow.core import clock

        if self.replied_at is None:
            return False
        return clock.local_date(self.replied_at) > self.deadline
