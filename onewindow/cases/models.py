"""Cases (办件) from acceptance to issuance, their append-only events, suspensions, extensions and results.

Rules these tables carry (docs/rules.md):
- rule 2/3: `authority` is pinned at acceptance (the implementer then); the department that works the
  case is *computed* — the implementer of the sub-item now (see `CaseQuerySet.with_department`), so a
  signed handover moves open cases to the receiving department at its effective time without any
  scheduler, while the authority and therefore the seal stay. Once a case is decided, the deciding
  department is frozen in `decided_department` (whoever approves is responsible).
- rule 4: `due_date` is stored for lists and filters and recomputed by cases.clock on every
  clock-affecting action, by `onewindow tick` and when the calendar changes.
- rule 5: every change bumps `version`; services lock the row and refuse a stale version (409).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from onewindow.catalogue.models import Assignment, ServiceGuide, SpecialProcedure, SubItem
from onewindow.core.crypto import EncryptedTextField, digest
from onewindow.core.validators import TEXT_MAX, text_within
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Region, Window


class CaseStatus(models.TextChoices):
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplement requested")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACCEPTED = "accepted", _("Accepted")
    IN_REVIEW = "in_review", _("In review")
    SUSPENDED = "suspended", _("Suspended (special procedure)")
    DECIDED = "decided", _("Decided")
    RESULT_READY = "result_ready", _("Result ready for issuance")
    ISSUED = "issued", _("Issued")


# Statuses in which the working-day clock runs or is stopped by a special procedure.
CLOCK_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.IN_REVIEW, CaseStatus.SUSPENDED)
# Statuses that end a case: nothing more happens to it.
FINAL_STATUSES = (CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.ISSUED)
OPEN_STATUSES = tuple(s for s in CaseStatus.values if s not in FINAL_STATUSES)


class Closure(models.TextChoices):
    """Why a case ended without a result (the exchange layouts' 不予受理 / 退件)."""

    REJECTED = "rejected", _("Not accepted (不予受理)")
    WITHDRAWN = "withdrawn", _("Withdrawn by the applicant")
    DEFERRAL_EXPIRED = "deferral_expired", _("Deferred materials not handed in by the deadline (退件)")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Decision(models.TextChoices):
    GRANT = "grant", _("Grant")
    DENY = "deny", _("Deny")


class IssueMethod(models.TextChoices):
    PICKUP = "pickup", _("Pickup at the issuing window")
    MAIL = "mail", _("Mail")


class RecipientKind(models.TextChoices):
    SELF = "self", _("The applicant in person")
    AGENT = "agent", _("An agent")


class CaseQuerySet(models.QuerySet):
    def with_department(self, at=None):
        """Annotate `department_id_now`: the deciding department once decided, else today's implementer."""
        from onewindow.core import clock

        at = at or clock.now()
        implementer_now = Assignment.objects.filter(subitem_id=OuterRef("subitem_id")).valid_at(at)
        return self.annotate(
            department_id_now=Coalesce(
                F("decided_department_id"),
                Subquery(implementer_now.values("organisation_id")[:1]),
                output_field=models.BigIntegerField(),
            )
        )

    def of_department(self, department, at=None):
        """Cases whose current department is `department` (rule 3), as one indexed EXISTS."""
        from onewindow.core import clock

        at = at or clock.now()
        implemented = Assignment.objects.filter(
            subitem_id=OuterRef("subitem_id"), organisation=department
        ).valid_at(at)
        return self.filter(
            Q(decided_department=department) | (Q(decided_department__isnull=True) & Exists(implemented))
        )

    def visible_to(self, user):
        """Hall clerks and the supervisor see the region's cases; approvers and heads their department's."""
        staff = getattr(user, "staff", None)
        if staff is None:
            return self.none()
        if r.has_role(user, r.WINDOW_CLERK, r.ISSUING_CLERK, r.SUPERVISOR):
            return self.filter(region_id=staff.organisation.region_id)
        if r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
            return self.of_department(staff.organisation)
        return self.none()


def visible_row(case, user, department_id: int | None) -> bool:
    """visible_to's rule for one row already read (the case an action locked): the same roles, the
    region for the hall and the supervisor, the current department (`department_id`: the deciding one
    once decided, else today's implementer) for approvers and heads."""
    staff = getattr(user, "staff", None)
    if staff is None:
        return False
    if r.has_role(user, r.WINDOW_CLERK, r.ISSUING_CLERK, r.SUPERVISOR):
        return case.region_id == staff.organisation.region_id
    if r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
        return department_id is not None and department_id == staff.organisation_id
    return False


# The purpose the applicant's ID number digest is keyed for (core.crypto.digest).
ID_DIGEST_PURPOSE = "applicant_id_number"


def applicant_id_digest(id_number: str) -> str:
    """The digest an ID number is stored and searched by (normalised as the acceptance stores it)."""
    return digest((id_number or "").strip().upper(), purpose=ID_DIGEST_PURPOSE)


class Case(models.Model):
    """One application (办件), from the window's formal review to the result handed out."""

    # Indexed by (region, status), which leads with it (Meta); so is the sub-item by (subitem, status).
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, db_index=False)
    number = models.CharField(
        _("case number"),
        max_length=24,
        unique=True,
        help_text=_(
            "Region code + YYYYMMDD + a 5-digit serial of that day; stays the same across a handover."
        ),
    )
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices)
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_("Incremented on every change; an action on a stale version is 409."),
    )
    closure = models.CharField(_("closure"), max_length=20, choices=Closure.choices, blank=True)

    subitem = models.ForeignKey(
        SubItem, verbose_name=_("sub-item"), on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    guide = models.ForeignKey(
        ServiceGuide,
        verbose_name=_("service guide version"),
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("The published guide version the materials were reviewed against (pinned)."),
    )
    window = models.ForeignKey(
        Window,
        verbose_name=_("window"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The comprehensive window that received the application."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("received by"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=100,
        blank=True,
        help_text=_("The Idempotency-Key of the request that created the case; unique per clerk."),
    )
    request_fingerprint = models.CharField(max_length=64, blank=True)

    applicant_kind = models.CharField(_("applicant kind"), max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("applicant name"), max_length=200)
    # Personal data (个人信息保护法): encrypted at rest (core.crypto), found by the keyed digest below.
    applicant_id_number = EncryptedTextField(
        _("applicant ID number"),
        help_text=_("居民身份证 or 统一社会信用代码, check digit validated; shown masked only."),
    )
    applicant_phone = EncryptedTextField(_("applicant phone"))
    applicant_id_digest = models.CharField(
        _("applicant ID number digest"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Keyed hash (HMAC-SHA256) of the ID number: exact search without storing it in clear."),
    )

    materials = models.JSONField(_("materials received"), default=list, blank=True)
    missing_materials = models.JSONField(
        _("missing materials"),
        default=list,
        blank=True,
        help_text=_("Codes of the required materials still missing: the one complete list (一次性告知)."),
    )
    supplement_note = models.TextField(
        _("supplement note"), blank=True, help_text=_("Why the back office returned the case to the window.")
    )
    deferred_materials = models.JSONField(
        _("deferred materials"),
        default=list,
        blank=True,
        help_text=_(
            "Deferrable materials accepted on a written commitment (容缺受理) and not yet handed in."
        ),
    )
    commitment = models.TextField(_("written commitment"), blank=True)
    top_up_deadline = models.DateField(
        _("top-up deadline"),
        null=True,
        blank=True,
        help_text=_("Last day to hand in the deferred materials, within the promised limit; missed → 退件."),
    )

    authority = models.ForeignKey(
        Organisation,
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="authority_cases",
        help_text=_(
            "The implementer when the case was first accepted; its seal goes on the result (rule 2)."
        ),
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True, db_index=True)
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField(
        _("due date provisional"), default=False, help_text=_("Computed over a provisional calendar year.")
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField(_("reasons of the decision"), blank=True)
    result_particulars = models.JSONField(
        _("particulars of the result"),
        default=dict,
        blank=True,
        help_text=_(
            "{code: value} filled in at a grant against the guide's result fields; printed on the result."
        ),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_department = models.ForeignKey(
        Organisation,
        verbose_name=_("deciding department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_cases",
    )
    issue_due_date = models.DateField(
        _("issuance due date"), null=True, blank=True, help_text=_("行政许可法 art. 44: 10 working days.")
    )

    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    issue_method = models.CharField(_("issue method"), max_length=8, choices=IssueMethod.choices, blank=True)
    issue_recipient = models.CharField(_("recipient"), max_length=200, blank=True)
    issue_recipient_kind = models.CharField(
        _("recipient is"), max_length=8, choices=RecipientKind.choices, blank=True
    )
    issue_recipient_id_number = models.CharField(
        _("agent's ID number"), max_length=18, blank=True, help_text=_("Checked (居民身份证 check digit).")
    )
    issue_address = models.CharField(_("mailing address"), max_length=300, blank=True)
    issue_carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    issue_tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["region", "status"], name="case_region_status"),
            models.Index(fields=["subitem", "status"], name="case_subitem_status"),
            # Plain indexes, not db_index: on PostgreSQL that adds a varchar_pattern_ops copy for LIKE,
            # and these are only ever compared whole.
            models.Index(fields=["status"], name="case_status"),
            models.Index(fields=["applicant_id_digest"], name="case_applicant_digest"),
            # The statistics' drill-down lists of the decision figures (on time, late…) select by the
            # decision time: without it every such list scans the whole history (bench stats).
            models.Index(fields=["decided_at"], name="case_decided_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="case_idempotency_key_per_clerk",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="case_version_positive"),
            text_within("commitment", TEXT_MAX, name="case_commitment_length"),
            text_within("decision_reason", TEXT_MAX, name="case_decision_reason_length"),
            text_within("supplement_note", TEXT_MAX, name="case_supplement_note_length"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES


class CaseSerial(models.Model):
    """A counter row per (region, scope, key), locked while a number is drawn: case numbers per day,
    result numbers per year. Unique under any concurrency, no gaps from retries."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT)
    scope = models.CharField(max_length=12)
    key = models.CharField(max_length=12)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("number counter")
        constraints = [
            models.UniqueConstraint(fields=["region", "scope", "key"], name="case_serial_unique"),
        ]

    def __str__(self):
        return f"{self.region_id}/{self.scope}/{self.key}: {self.last}"


class CaseEvent(models.Model):
    """One step of a case (办理环节记录): who, in which role and organisation, when, what. Append-only."""

    # Indexed by (case, at) (Meta), which leads with it.
    case = models.ForeignKey(
        Case, related_name="events", verbose_name=_("case"), on_delete=models.PROTECT, db_index=False
    )
    at = models.DateTimeField(_("time"))
    action = models.CharField(_("action"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150, help_text=_("Username, or 'system'."))
    actor_full_name = models.CharField(_("actor's name"), max_length=60, blank=True)
    role = models.CharField(_("role"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField(_("comment"), blank=True)
    status_after = models.CharField(_("status after"), max_length=24, choices=CaseStatus.choices, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]
        constraints = [
            text_within("comment", TEXT_MAX, name="case_event_comment_length"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.action} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case events are append-only")


class Suspension(models.Model):
    """A special procedure (行政许可法 art. 45): the clock stops from the day after it starts through its end."""

    case = models.ForeignKey(
        Case, related_name="suspensions", verbose_name=_("case"), on_delete=models.PROTECT
    )
    procedure = models.CharField(_("procedure"), max_length=20, choices=SpecialProcedure.choices)
    reason = models.TextField(_("reason"))
    planned_days = models.PositiveSmallIntegerField(
        _("planned working days"), null=True, blank=True, help_text=_("Told to the applicant in writing.")
    )
    participants = models.JSONField(
        _("experts or inspectors"),
        default=list,
        blank=True,
        help_text=_("Names of the experts or inspectors."),
    )
    started_at = models.DateTimeField(_("started at"))
    started_on = models.DateField(_("started on"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["case", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_at__isnull=True), name="suspension_one_open_per_case"
            ),
            text_within("reason", TEXT_MAX, name="suspension_reason_length"),
            text_within("outcome", TEXT_MAX, name="suspension_outcome_length"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.procedure} {self.started_on}–{self.ended_on or '…'}"


class Extension(models.Model):
    """Extra working days granted by the head of the case's department (行政许可法 art. 42)."""

    case = models.ForeignKey(
        Case, related_name="extensions", verbose_name=_("case"), on_delete=models.PROTECT
    )
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField(_("granted at"))

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["case", "granted_at"]
        constraints = [
            models.CheckConstraint(condition=Q(days__gte=1), name="extension_days_positive"),
            text_within("reason", TEXT_MAX, name="extension_reason_length"),
        ]

    def __str__(self):
        return f"{self.case_id} +{self.days}"


class Result(models.Model):
    """The decision or certificate of a case. Its content and SM3 hash are fixed when it is produced;
    the seal is recorded as applied (the seal, its text and organisation then) so the document never
    changes afterwards."""

    case = models.OneToOneField(Case, related_name="result", verbose_name=_("case"), on_delete=models.PROTECT)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    number = models.CharField(_("result number"), max_length=30, unique=True)
    verification_code = models.CharField(
        _("verification code"),
        max_length=16,
        unique=True,
        help_text=_("16 base32 characters (80 random bits)."),
    )
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    authority = models.ForeignKey(
        Organisation, verbose_name=_("authority"), on_delete=models.PROTECT, related_name="results"
    )
    seal = models.ForeignKey(
        "handover.Seal",
        verbose_name=_("seal"),
        on_delete=models.PROTECT,
        related_name="results",
        help_text=_("handover.Seal applied (rule 2)."),
    )
    seal_name = models.CharField(_("seal text"), max_length=100)
    seal_organisation = models.ForeignKey(
        Organisation, verbose_name=_("seal's organisation"), on_delete=models.PROTECT, related_name="+"
    )
    content = models.JSONField(_("content"))
    content_hash = models.CharField(_("content hash (SM3)"), max_length=64)
    produced_at = models.DateTimeField(_("produced at"))
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("produced by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty only for history imported from the previous system."),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["-produced_at"]

    def __str__(self):
        return self.number


class CaseFileQuerySet(models.QuerySet):
    def visible_to(self, user):
        """A file is seen by whoever sees its case (CaseQuerySet.visible_to); 404 for everyone else."""
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))


class CaseFile(models.Model):
    """A scanned material of a case (电子材料): the bytes are stored once by their SM3 hash (cases.storage)
    and never change; a replacement is a new version that names the file it replaces, both kept."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    case = models.ForeignKey(Case, related_name="files", verbose_name=_("case"), on_delete=models.PROTECT)
    material = models.CharField(
        _("material code"), max_length=20, help_text=_("A material of the case's pinned service guide.")
    )
    name = models.CharField(
        _("file name"),
        max_length=120,
        help_text=_(
            "As uploaded, without control or direction characters; the extension follows the content."
        ),
    )
    content_type = models.CharField(
        _("content type"),
        max_length=40,
        help_text=_("Found from the content (PDF, JPEG or PNG), not from the name."),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sm3 = models.CharField(_("SM3 hash"), max_length=64, db_index=True)
    version = models.PositiveSmallIntegerField(
        _("version"), default=1, help_text=_("1 for a first upload; the replaced file's version + 1.")
    )
    replaces = models.OneToOneField(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        help_text=_("The earlier version this file replaces; it stays on record."),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    objects = CaseFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["case", "material", "-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["case", "material"], name="case_file_case_material")]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="case_file_version_positive"),
            models.CheckConstraint(condition=Q(size__gte=1), name="case_file_not_empty"),
        ]

    def __str__(self):
        return f"{self.case_id} {self.material} {self.name}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("case files are never changed; upload a new version")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("case files are kept")

    @property
    def superseded(self) -> bool:
        """A newer version replaced this one (it stays on record)."""
        return hasattr(self, "replaced_by")

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
