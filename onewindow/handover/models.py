"""Seals of the organisations, handover agreements between the Data Bureau and receiving departments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.catalogue.models import SubItem
from onewindow.core.validators import LONG_TEXT_MAX, text_within
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Region


def _in_own_region(queryset, user):
    staff = getattr(user, "staff", None)
    if staff is None or not r.has_role(user, *r.BUSINESS_ROLES):
        return queryset.none()
    return queryset.filter(region_id=staff.organisation.region_id)


class SealQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Every business role reads its region's seal registry; administrators see no business data."""
        return _in_own_region(self, user)

    def valid_at(self, t):
        """Seals whose [valid_from, valid_to) holds `t` (void or not: callers decide what voiding means)."""
        return self.filter(Q(valid_from__lte=t) & (Q(valid_to__isnull=True) | Q(valid_to__gt=t)))


class SealPurpose(models.TextChoices):
    APPROVAL = "approval", _("Administrative approval seal")
    OFFICIAL = "official", _("Official seal")


class Seal(models.Model):
    """A seal of an organisation, valid over [valid_from, valid_to); once void it is never applied again."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    organisation = models.ForeignKey(
        Organisation, related_name="seals", verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("The text the seal bears."))
    purpose = models.CharField(
        _("purpose"),
        max_length=12,
        choices=SealPurpose.choices,
        help_text=_("Results prefer an approval seal of their authority, else its official seal (rule 2)."),
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_to = models.DateTimeField(
        _("valid to"), null=True, blank=True, help_text=_("Exclusive; empty while the seal is in use.")
    )
    void = models.BooleanField(
        _("void"), default=False, help_text=_("Irreversible: a void seal is never applied (rule 2).")
    )
    void_reason = models.CharField(_("reason for voiding"), max_length=300, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    objects = SealQuerySet.as_manager()

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["organisation__sort_order", "purpose", "-valid_from", "pk"]
        indexes = [models.Index(fields=["organisation", "valid_from"], name="seal_org_from")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="seal_range_valid",
            ),
            models.CheckConstraint(
                condition=Q(void=False) | (~Q(void_reason="") & Q(voided_at__isnull=False)),
                name="seal_void_has_reason_and_time",
            ),
        ]

    def __str__(self):
        return self.name


class HandoverSettings(models.Model):
    """Per-region settings of the handover: the deadline (the work plan: complete before 6 September)."""

    region = models.OneToOneField(Region, verbose_name=_("region"), on_delete=models.CASCADE)
    deadline = models.DateField(
        _("deadline"), help_text=_("Every agreement should be in effect before this day begins.")
    )

    class Meta:
        verbose_name = _("handover settings")
        verbose_name_plural = _("handover settings")

    def __str__(self):
        return f"{self.region} {self.deadline}"


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn draft")


class AgreementState(models.TextChoices):
    """The one vocabulary of an agreement's state that every page shows (list, detail, dashboard): the
    stored status, with a signed agreement told apart by whether its effective time has come."""

    DRAFT = "draft", _("Draft")
    SIGNED_PENDING = "signed_pending", _("Signed, not yet in effect")
    IN_FORCE = "in_force", _("In effect")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn draft")


def agreement_state(status: str, effective_at, now) -> str:
    """The state of an agreement with `status` and `effective_at` at time `now` (AgreementState)."""
    if status == AgreementStatus.SIGNED:
        return AgreementState.IN_FORCE if effective_at <= now else AgreementState.SIGNED_PENDING
    return AgreementState(status).value


def state_condition(state: str, now) -> Q:
    """The same states as a query condition (the list's filter)."""
    if state == AgreementState.IN_FORCE:
        return Q(status=AgreementStatus.SIGNED, effective_at__lte=now)
    if state == AgreementState.SIGNED_PENDING:
        return Q(status=AgreementStatus.SIGNED, effective_at__gt=now)
    return Q(status=state)


# Agreements the two parties never both signed: private to them and the supervisor.
UNAGREED_STATUSES = (AgreementStatus.DRAFT, AgreementStatus.WITHDRAWN)


# The terms of an agreement a person writes (rights and duties, liaison, each side's responsible person).
TERMS_FIELDS = (
    "rights_duties",
    "liaison",
    "bureau_contact_name",
    "bureau_contact_phone",
    "department_contact_name",
    "department_contact_phone",
)
# Their lengths: the models' max_length, the texts' CheckConstraints, the services and the API schema.
TERMS_LIMITS = {
    "rights_duties": LONG_TEXT_MAX,
    "liaison": LONG_TEXT_MAX,
    "bureau_contact_name": 60,
    "bureau_contact_phone": 20,
    "department_contact_name": 60,
    "department_contact_phone": 20,
}


class HandoverAgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Signed agreements are readable by all business staff of the region; a draft (or a withdrawn
        one) only by its two parties and the supervisor (404 for others); administrators see none."""
        qs = _in_own_region(self, user)
        if r.has_role(user, r.SUPERVISOR):
            return qs
        staff = getattr(user, "staff", None)
        if staff is None:
            return qs
        party = Q(bureau_id=staff.organisation_id) | Q(department_id=staff.organisation_id)
        return qs.filter(~Q(status__in=UNAGREED_STATUSES) | party)

    def in_region_of(self, user):
        """The region's agreements for any business role, drafts included: a signature attempt on a draft
        by someone who is not its signatory is refused (403, CONTRACT.md), not hidden."""
        return _in_own_region(self, user)


class HandoverAgreement(models.Model):
    """交接协议书: the Data Bureau hands sub-items to a receiving department from `effective_at` on.

    Signed by both parties it moves the sub-items' Assignments at `effective_at` (rule 1); from then
    it is never edited, only superseded by a new agreement between the same parties.
    """

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    number = models.CharField(_("number"), max_length=30, unique=True)
    bureau = models.ForeignKey(
        Organisation,
        related_name="handovers_given",
        verbose_name=_("handing-over party (Data Bureau)"),
        on_delete=models.PROTECT,
    )
    department = models.ForeignKey(
        Organisation,
        related_name="handovers_received",
        verbose_name=_("receiving department"),
        on_delete=models.PROTECT,
    )
    subitems = models.ManyToManyField(
        SubItem, related_name="handover_agreements", verbose_name=_("sub-items")
    )
    effective_at = models.DateTimeField(
        _("effective time"),
        help_text=_("From this instant the receiving department implements the sub-items."),
    )
    rights_duties = models.TextField(_("rights and duties"), blank=True)
    liaison = models.TextField(_("working liaison mechanism"), blank=True)
    bureau_contact_name = models.CharField(_("bureau's responsible person"), max_length=60, blank=True)
    bureau_contact_phone = models.CharField(
        _("bureau's responsible person's phone"), max_length=20, blank=True
    )
    department_contact_name = models.CharField(
        _("department's responsible person"), max_length=60, blank=True
    )
    department_contact_phone = models.CharField(
        _("department's responsible person's phone"), max_length=20, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    supersedes = models.ForeignKey(
        "self",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
        help_text=_("The signed agreement this one replaces once both parties sign it."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("drafted by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("drafted at"))
    signed_at = models.DateTimeField(_("signed by both at"), null=True, blank=True)

    objects = HandoverAgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover agreement")
        verbose_name_plural = _("handover agreements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "withdrawn"]) | Q(signed_at__isnull=False),
                name="agreement_signed_has_time",
            ),
            text_within("rights_duties", LONG_TEXT_MAX, name="agreement_rights_duties_length"),
            text_within("liaison", LONG_TEXT_MAX, name="agreement_liaison_length"),
        ]

    def __str__(self):
        return f"{self.number} {self.department}"

    @property
    def state(self) -> str:
        """AgreementState now (the clock of core.clock)."""
        from onewindow.core import clock

        return agreement_state(self.status, self.effective_at, clock.now())

    @property
    def state_label(self) -> str:
        return AgreementState(self.state).label

    @property
    def superseded_by(self):
        """The signed agreement that replaced this one, if any."""
        return self.successors.exclude(status__in=[AgreementStatus.DRAFT, AgreementStatus.WITHDRAWN]).first()

    def signature(self, side: str):
        return next((s for s in self.signatures.all() if s.side == side), None)


class SignatureSide(models.TextChoices):
    BUREAU = "bureau", _("Data Bureau")
    DEPARTMENT = "department", _("Receiving department")


class AgreementSignature(models.Model):
    """One party's signature on an agreement: who, in which role and organisation, when."""

    agreement = models.ForeignKey(
        HandoverAgreement, related_name="signatures", verbose_name=_("agreement"), on_delete=models.CASCADE
    )
    side = models.CharField(_("party"), max_length=12, choices=SignatureSide.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    full_name = models.CharField(_("signatory"), max_length=60)
    role = models.CharField(_("role"), max_length=40)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("agreement signature")
        verbose_name_plural = _("agreement signatures")
        ordering = ["agreement", "signed_at"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "side"], name="agreement_one_signature_per_side")
        ]

    def __str__(self):
        return f"{self.agreement.number} {self.side} {self.full_name}"
