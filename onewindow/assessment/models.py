"""考核: versioned schemes per subject kind, and the monthly and annual results computed from them.

Rules these tables carry (docs/rules.md rule 20):
- a scheme is never edited in place: a change is a new version, effective from a period on; a result pins
  the version it was computed with;
- a result moves draft → reviewed → confirmed → filed (with the 督考办, who acknowledges) → returned (to the
  unit) → recorded (in the personal file); from filing on nothing of it changes — not through the services,
  the API, the admin site, nor SQL (the database triggers of `assessment.db_guards`);
- a correction of a filed result is a new result linked to it (`corrects`); both stay.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.org import roles as r
from onewindow.org.models import Organisation, Region, Staff


class SubjectKind(models.TextChoices):
    WINDOW_STAFF = "window_staff", _("Window staff")
    STATIONED_STAFF = "stationed_staff", _("Stationed staff")
    DEPARTMENT = "department", _("Department")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class IndicatorKind(models.TextChoices):
    COMPUTED = "computed", _("Computed from the records")
    ENTERED = "entered", _("Entered by the assessor")


class Part(models.TextChoices):
    MONTH = "month", _("Monthly score")
    YEAR_END = "year_end", _("Year-end part")


class Rule(models.TextChoices):
    """How a computed value becomes points (the one table of scoring rules: assessment.scoring)."""

    RATE = "rate", _("Weight × rate")
    TARGET = "target", _("Weight × count / target, at most the weight")
    DEDUCT = "deduct", _("Weight minus points per item, at least 0")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")
    CONFIRMED = "confirmed", _("Confirmed")
    FILED = "filed", _("Filed with the 督考办")
    RETURNED = "returned", _("Returned to the unit")
    RECORDED = "recorded", _("Recorded in the personal file")


FILED_STATUSES = (Status.FILED, Status.RETURNED, Status.RECORDED)
# A person and their department head see a result once the bureau confirmed it.
SHOWN_STATUSES = (Status.CONFIRMED, *FILED_STATUSES)


class Scheme(models.Model):
    """One version of the assessment scheme of a subject kind; never changed once saved."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=100)
    effective_from = models.DateField(
        _("effective from"), help_text=_("The first day of the first period computed with this version.")
    )
    monthly_share = models.DecimalField(
        _("share of the months in the year"),
        max_digits=4,
        decimal_places=2,
        help_text=_("Annual = share × weighted mean of the monthly scores + (1 − share) × year-end part."),
    )
    month_weights = models.JSONField(
        _("month weights"), default=list, blank=True, help_text=_("12 weights, January first; empty: equal.")
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["subject_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "subject_kind", "version"], name="scheme_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(monthly_share__gte=0) & Q(monthly_share__lte=1), name="scheme_share_0_1"
            ),
        ]

    def __str__(self):
        return f"{self.get_subject_kind_display()} v{self.version}"

    @property
    def year_end_share(self) -> Decimal:
        return Decimal(1) - self.monthly_share


class Indicator(models.Model):
    """An indicator of a scheme version: computed by a registered function, or entered within a range."""

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="indicators"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=8, choices=IndicatorKind.choices)
    part = models.CharField(_("part"), max_length=8, choices=Part.choices, default=Part.MONTH)
    source = models.CharField(
        _("source"),
        max_length=40,
        blank=True,
        help_text=_("The registered function of a computed indicator."),
    )
    rule = models.CharField(_("rule"), max_length=8, choices=Rule.choices, blank=True)
    weight = models.DecimalField(_("weight (points)"), max_digits=6, decimal_places=2)
    parameter = models.DecimalField(
        _("parameter"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The target of a target rule, the points per item of a deduct rule."),
    )
    minimum = models.DecimalField(_("minimum"), max_digits=6, decimal_places=2, null=True, blank=True)
    maximum = models.DecimalField(_("maximum"), max_digits=6, decimal_places=2, null=True, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["scheme", "part", "sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="indicator_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"


class ResultQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The supervisor sees all of the region; the 督考办 what was filed; a department head their
        department's and its people's from confirmation on; everyone else their own from confirmation on."""
        staff = getattr(user, "staff", None)
        if staff is None:
            return self.none()
        if r.has_role(user, r.SUPERVISOR):
            return self.filter(region_id=staff.organisation.region_id)
        if r.has_role(user, r.ASSESSMENT_OFFICE):
            return self.filter(region_id=staff.organisation.region_id, status__in=FILED_STATUSES)
        shown = self.filter(status__in=SHOWN_STATUSES)
        mine = Q(subject_staff_id=staff.pk)
        if r.has_role(user, r.DEPARTMENT_HEAD):
            mine |= Q(unit_id=staff.organisation_id)
        if not r.has_role(user, *r.BUSINESS_ROLES):
            return self.none()
        return shown.filter(mine)


class Result(models.Model):
    """One subject's assessment of one period (a month or a year), with its scores per indicator."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="assessment_results"
    )
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme version"), on_delete=models.PROTECT, related_name="+"
    )
    subject_kind = models.CharField(_("subject kind"), max_length=16, choices=SubjectKind.choices)
    subject_staff = models.ForeignKey(
        Staff,
        verbose_name=_("staff member"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_department = models.ForeignKey(
        Organisation,
        verbose_name=_("department assessed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        Organisation,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The person's employing unit, or the department itself: where the result is returned."),
    )
    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY-MM or YYYY."), db_index=True)
    period_kind = models.CharField(_("period kind"), max_length=5, choices=PeriodKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(_("version"), default=1)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2, default=0)
    monthly_mean = models.DecimalField(
        _("weighted mean of the months"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    year_end_score = models.DecimalField(
        _("year-end part"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    months = models.JSONField(_("monthly results used"), default=list, blank=True)
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("corrects"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
        help_text=_("The filed result this one corrects; that one stays on record."),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    computed_at = models.DateTimeField(_("computed at"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["period", "subject_kind", "-total", "pk"]
        indexes = [models.Index(fields=["region", "period", "subject_kind"], name="result_period_kind")]
        constraints = [
            # One original result per subject and period; corrections hang off it (OneToOne `corrects`).
            models.UniqueConstraint(
                fields=["subject_kind", "subject_staff", "period"],
                condition=Q(corrects__isnull=True, subject_staff__isnull=False),
                name="result_one_per_staff_period",
            ),
            models.UniqueConstraint(
                fields=["subject_kind", "subject_department", "period"],
                condition=Q(corrects__isnull=True, subject_department__isnull=False),
                name="result_one_per_department_period",
            ),
            models.CheckConstraint(
                condition=Q(subject_staff__isnull=False) | Q(subject_department__isnull=False),
                name="result_has_a_subject",
            ),
        ]

    def __str__(self):
        return f"{self.period} {self.subject_name}"

    @property
    def subject_name(self) -> str:
        if self.subject_staff_id:
            return self.subject_staff.full_name
        return self.subject_department.name if self.subject_department_id else ""

    @property
    def is_filed(self) -> bool:
        return self.status in FILED_STATUSES


class Score(models.Model):
    """The points of one indicator in one result, with what they were computed from (the breakdown)."""

    result = models.ForeignKey(
        Result, verbose_name=_("result"), on_delete=models.PROTECT, related_name="scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(
        _("value"), max_digits=12, decimal_places=4, null=True, blank=True, help_text=_("Count or rate.")
    )
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2, null=True, blank=True)
    basis = models.JSONField(
        _("basis"),
        default=dict,
        blank=True,
        help_text=_("What the value was computed from: counts and the records behind them (first 100)."),
    )
    note = models.TextField(_("note"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("indicator score")
        verbose_name_plural = _("indicator scores")
        ordering = ["result", "indicator__part", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["result", "indicator"], name="score_one_per_indicator")
        ]

    def __str__(self):
        return f"{self.result_id} {self.indicator_id} {self.points}"
