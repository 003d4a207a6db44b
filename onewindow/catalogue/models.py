"""The catalogue: power items, their sub-items, versioned service guides, and who implements what when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from onewindow.catalogue.results import ResultKind
from onewindow.core.validators import LONG_TEXT_MAX, text_within
from onewindow.org.models import Organisation, Region


class PowerType(models.TextChoices):
    """The 10 national kinds of administrative power (权力清单)."""

    LICENSING = "licensing", _("Administrative licensing")
    PENALTY = "penalty", _("Administrative penalty")
    COERCION = "coercion", _("Administrative coercion")
    LEVY = "levy", _("Administrative levy")
    PAYMENT = "payment", _("Administrative payment")
    INSPECTION = "inspection", _("Administrative inspection")
    CONFIRMATION = "confirmation", _("Administrative confirmation")
    REWARD = "reward", _("Administrative reward")
    ADJUDICATION = "adjudication", _("Administrative adjudication")
    OTHER = "other", _("Other administrative power")


class PowerSource(models.TextChoices):
    DEPARTMENT = "department", _("Moved to the bureau by a department")
    CITY_BUREAU = "city_bureau", _("Entrusted by the city Administrative Approval Bureau")
    DISTRICT_GOV = "district_gov", _("Entrusted by the Lishan District government")


class SubItemKind(models.TextChoices):
    INSTANT = "instant", _("Instant item")
    PROMISED = "promised", _("Promised-time item")


class SpecialProcedure(models.TextChoices):
    """Procedures whose time does not count (行政许可法 art. 45)."""

    EXPERT_REVIEW = "expert_review", _("Expert review")
    FIELD_INSPECTION = "field_inspection", _("Field inspection")
    HEARING = "hearing", _("Hearing")
    TESTING = "testing", _("Testing")
    OTHER = "other", _("Other special procedure")


class PowerItem(models.Model):
    """A catalogue entry of the power list (权力事项)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    code = models.CharField(_("basic code"), max_length=36, unique=True)
    name = models.CharField(_("name"), max_length=200)
    power_type = models.CharField(_("power type"), max_length=20, choices=PowerType.choices)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    power_source = models.CharField(_("power source"), max_length=20, choices=PowerSource.choices)

    class Meta:
        verbose_name = _("power item")
        verbose_name_plural = _("power items")
        ordering = ["code"]
        constraints = [
            text_within("legal_basis", LONG_TEXT_MAX, name="power_item_legal_basis_length"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class SubItem(models.Model):
    """The unit a case is filed under (业务办理项). Limits are working days; the current guide's values."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    item = models.ForeignKey(
        PowerItem, related_name="subitems", verbose_name=_("power item"), on_delete=models.PROTECT
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=SubItemKind.choices)
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"))
    promised_days = models.PositiveSmallIntegerField(
        _("promised time limit (working days)"),
        help_text=_("Never above the statutory limit; 0 for an instant item."),
    )
    extension_cap_days = models.PositiveSmallIntegerField(
        _("extension cap (working days)"),
        default=10,
        help_text=_("行政许可法 art. 42: 10 working days unless a law says otherwise."),
    )
    fee = models.CharField(_("fee"), max_length=200, blank=True, default="不收费")
    special_procedures = models.JSONField(
        _("special procedures allowed"), default=list, blank=True, help_text=_("Codes of SpecialProcedure.")
    )
    result_name = models.CharField(_("result name"), max_length=100, blank=True)
    target_department = models.ForeignKey(
        Organisation,
        related_name="target_subitems",
        verbose_name=_("target department"),
        on_delete=models.PROTECT,
        help_text=_("Where the work plan sends this sub-item."),
    )
    sort_order = models.PositiveIntegerField(default=0)
    pinyin_initials = models.CharField(
        _("pinyin initials"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_("Initials of the sub-item's and the item's names, so that 'qytz' finds 企业投资…"),
    )

    class Meta:
        verbose_name = _("sub-item")
        verbose_name_plural = _("sub-items")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(promised_days__lte=models.F("statutory_days")) | Q(statutory_days=0),
                name="subitem_promised_within_statutory",
            ),
            models.CheckConstraint(
                condition=~Q(kind="instant") | Q(promised_days=0), name="subitem_instant_has_no_promised_days"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


class GuideStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class ServiceGuide(models.Model):
    """One version of a sub-item's standardised service guide. A published version is never edited."""

    subitem = models.ForeignKey(
        SubItem, related_name="guides", verbose_name=_("sub-item"), on_delete=models.PROTECT
    )
    version = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=10, choices=GuideStatus.choices, default=GuideStatus.DRAFT
    )
    promised_days = models.PositiveSmallIntegerField(_("promised time limit (working days)"))
    statutory_days = models.PositiveSmallIntegerField(_("statutory time limit (working days)"))
    conditions = models.TextField(_("conditions"), blank=True)
    steps = models.TextField(_("steps"), blank=True)
    fee = models.CharField(_("fee"), max_length=200, blank=True)
    drafted_by = models.ForeignKey(
        Organisation,
        verbose_name=pgettext_lazy("guide", "drafted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    result_kind = models.CharField(
        _("kind of result"),
        max_length=12,
        choices=ResultKind.choices,
        default=ResultKind.OTHER,
        help_text=_(
            "Licence, certificate, approval letter, decision or filing notice: the result's template."
        ),
    )
    result_fields = models.JSONField(
        _("particulars of the result"),
        default=list,
        blank=True,
        help_text=_(
            "[{code, label, required, type}]: what the approver fills in at the decision and the result prints."
        ),
    )

    class Meta:
        verbose_name = _("service guide")
        verbose_name_plural = _("service guides")
        ordering = ["subitem", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["subitem", "version"], name="guide_version_unique"),
            models.UniqueConstraint(
                fields=["subitem"], condition=Q(status="draft"), name="guide_one_draft_per_subitem"
            ),
            text_within("conditions", LONG_TEXT_MAX, name="guide_conditions_length"),
            text_within("steps", LONG_TEXT_MAX, name="guide_steps_length"),
        ]

    def __str__(self):
        return f"{self.subitem.code} v{self.version}"


class MaterialForm(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ELECTRONIC = "electronic", _("Electronic")


class GuideMaterial(models.Model):
    """A material the guide version asks for."""

    guide = models.ForeignKey(ServiceGuide, related_name="materials", on_delete=models.CASCADE)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    required = models.BooleanField(_("required"), default=True)
    form = models.CharField(
        _("form"), max_length=12, choices=MaterialForm.choices, default=MaterialForm.ORIGINAL
    )
    copies = models.PositiveSmallIntegerField(_("copies"), default=1)
    deferrable = models.BooleanField(
        _("deferrable"),
        default=False,
        help_text=_("May be handed in later on a written commitment (容缺受理)."),
    )
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("guide material")
        verbose_name_plural = _("guide materials")
        ordering = ["guide", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["guide", "code"], name="guide_material_code_unique")]

    def __str__(self):
        return f"{self.code} {self.name}"


class AssignmentQuerySet(models.QuerySet):
    def valid_at(self, t):
        """The ranges holding instant `t`: [valid_from, valid_to) — the one definition of rule 1's predicate.

        `t` may be an OuterRef/F expression, so correlated subqueries use the same predicate.
        """
        return self.filter(Q(valid_from__lte=t) & (Q(valid_to__isnull=True) | Q(valid_to__gt=t)))

    def open(self):
        """The open-ended ranges (at most one per sub-item: the latest)."""
        return self.filter(valid_to__isnull=True)


class Assignment(models.Model):
    """Which organisation implements a sub-item over [valid_from, valid_to). Ranges never overlap nor gap."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    subitem = models.ForeignKey(
        SubItem, related_name="assignments", verbose_name=_("sub-item"), on_delete=models.PROTECT
    )
    organisation = models.ForeignKey(
        Organisation,
        related_name="assignments",
        verbose_name=_("implementing organisation"),
        on_delete=models.PROTECT,
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(
        _("valid to"), null=True, blank=True, help_text=_("Exclusive; empty while open-ended.")
    )
    agreement_id = models.BigIntegerField(
        _("handover agreement"),
        null=True,
        blank=True,
        help_text=_("The signed agreement that started this range."),
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["subitem", "valid_from"]
        indexes = [models.Index(fields=["subitem", "valid_from"], name="assignment_subitem_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="assignment_range_valid",
            ),
            models.UniqueConstraint(
                fields=["subitem"], condition=Q(valid_to__isnull=True), name="assignment_one_open_range"
            ),
        ]

    def __str__(self):
        return f"{self.subitem.code} → {self.organisation.code} [{self.valid_from:%Y-%m-%d %H:%M}, {self.valid_to or '…'})"

    def holds(self, t) -> bool:
        """valid_at's predicate for one row in memory (the cached implementer): [valid_from, valid_to)."""
        return self.valid_from <= t and (self.valid_to is None or t < self.valid_to)


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    FAILED = "failed", _("Failed, nothing changed")
    DONE = "done", _("Done")


class ImportJob(models.Model):
    """A catalogue import started from the UI; runs in the background and reports its progress here."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    filename = models.CharField(_("file name"), max_length=200)
    stored_path = models.CharField(max_length=500)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.PENDING
    )
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    errors = models.JSONField(_("row errors"), default=list, blank=True)
    report = models.JSONField(_("report"), default=dict, blank=True)

    class Meta:
        verbose_name = _("catalogue import")
        verbose_name_plural = _("catalogue imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.FAILED, ImportJobStatus.DONE)
