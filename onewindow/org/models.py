"""Regions, organisations with several names, the hall and its windows, staff and stationings, API tokens."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.core.validators import validate_credit_code, validate_name


class Region(models.Model):
    """A tenant: a zone or district with its administrative-division code (GB/T 2260)."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class OrganisationKind(models.TextChoices):
    BUREAU = "bureau", _("Data Bureau (one body, several names)")
    INTERNAL = "internal", _("Internal department")
    RESIDENT = "resident", _("Resident agency")
    OFFICE = "office", _("Office")


# Bodies that decide cases: the receiving departments, and the bureau itself (as the Administrative
# Approval Bureau it implements every item until a handover takes effect). They may hold department roles.
APPROVING_KINDS = (OrganisationKind.BUREAU, OrganisationKind.INTERNAL, OrganisationKind.RESIDENT)


class Organisation(models.Model):
    """A government body. One body can bear several names: `name` is the primary one, aliases add more."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("Stable short code used by scripts and the API.")
    )
    name = models.CharField(_("primary name"), max_length=100, validators=[validate_name])
    short_name = models.CharField(_("short name"), max_length=40, blank=True, validators=[validate_name])
    kind = models.CharField(_("kind"), max_length=10, choices=OrganisationKind.choices)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
        help_text=_("18 characters with a GB 32100 check character; government organs start with 11."),
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name

    @property
    def names(self) -> list[str]:
        """Every name of the body, the primary one first."""
        return [self.name, *(alias.name for alias in self.aliases.all())]


class OrganisationAlias(models.Model):
    """A further name the same body bears (数据局 = 营商环境建设办 = 行政审批局)."""

    organisation = models.ForeignKey(Organisation, related_name="aliases", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100, validators=[validate_name])
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("organisation alias")
        verbose_name_plural = _("organisation aliases")
        ordering = ["sort_order", "pk"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="org_alias_unique")]

    def __str__(self):
        return self.name


class Hall(models.Model):
    """A government-service hall, run by the Data Bureau."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("consultation phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("hall")
        verbose_name_plural = _("halls")

    def __str__(self):
        return self.name


class WindowKind(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Comprehensive acceptance")
    ISSUANCE = "issuance", _("Unified issuance")


class Window(models.Model):
    """A counter of the hall: comprehensive acceptance of any item, or the unified issuing window."""

    hall = models.ForeignKey(Hall, related_name="windows", verbose_name=_("hall"), on_delete=models.PROTECT)
    number = models.CharField(_("number"), max_length=10)
    kind = models.CharField(_("kind"), max_length=12, choices=WindowKind.choices)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["hall", "number"]
        constraints = [models.UniqueConstraint(fields=["hall", "number"], name="window_number_unique")]

    def __str__(self):
        return f"{self.number}"


class StaffQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Supervisors, the 督考办 and the user/role administrators see everyone; others their own organisation."""
        from onewindow.org import roles as r

        if r.has_role(user, r.SUPERVISOR, r.SYSADMIN, r.SECADMIN, r.ASSESSMENT_OFFICE):
            return self
        staff = getattr(user, "staff", None)
        if staff is None:
            return self.none()
        return self.filter(organisation_id=staff.organisation_id)


class Staff(models.Model):
    """A person working in the system: a Django user, the organisation employing them, their roles (groups)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="staff", on_delete=models.CASCADE)
    organisation = models.ForeignKey(
        Organisation, related_name="staff", verbose_name=_("organisation"), on_delete=models.PROTECT
    )
    full_name = models.CharField(_("full name"), max_length=60, validators=[validate_name])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    window = models.ForeignKey(
        Window,
        verbose_name=_("usual window"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_(
            "The counter a hall clerk usually works at; any comprehensive window may accept any item."
        ),
    )

    objects = StaffQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["organisation__sort_order", "user__username"]

    def __str__(self):
        return self.full_name or self.user.username

    @property
    def roles(self) -> list[str]:
        return sorted(group.name for group in self.user.groups.all())


class DepartmentScopedQuerySet(models.QuerySet):
    """Rows of a department's business (reminders, orders, rectifications…) with `region` and `department`
    columns: the supervisor sees the region's, a department's approvers and head their department's,
    nobody else any (404)."""

    def visible_to(self, user):
        from onewindow.org import roles as r

        staff = getattr(user, "staff", None)
        if staff is None:
            return self.none()
        if r.has_role(user, r.SUPERVISOR):
            return self.filter(region_id=staff.organisation.region_id)
        if r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
            return self.filter(department_id=staff.organisation_id)
        return self.none()


class StationingQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Postings running on `day`: [valid_from, valid_to) holds it."""
        return self.filter(Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day)))

    def visible_to(self, user):
        """The supervisor sees the region's postings; other staff only their own organisation's (least privilege)."""
        from onewindow.org import roles as r

        staff = getattr(user, "staff", None)
        if staff is None or not r.has_role(user, *r.BUSINESS_ROLES):
            return self.none()
        if r.has_role(user, r.SUPERVISOR):
            return self.filter(department__region_id=staff.organisation.region_id)
        return self.filter(department_id=staff.organisation_id)


class Stationing(models.Model):
    """A department's staff member posted to the hall's back office over [valid_from, valid_to)."""

    staff = models.ForeignKey(
        Staff, related_name="stationings", verbose_name=_("staff member"), on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        Organisation, related_name="stationings", verbose_name=_("department"), on_delete=models.PROTECT
    )
    hall = models.ForeignKey(
        Hall, related_name="stationings", verbose_name=_("hall"), on_delete=models.PROTECT
    )
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(
        _("to"), null=True, blank=True, help_text=_("Exclusive; empty while the posting lasts.")
    )
    qualification_number = models.CharField(_("qualification certificate number"), max_length=60, blank=True)
    qualification_expiry = models.DateField(_("qualification expiry"), null=True, blank=True)

    objects = StationingQuerySet.as_manager()

    class Meta:
        verbose_name = _("stationing")
        verbose_name_plural = _("stationings")
        ordering = ["department", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="stationing_range_valid",
            )
        ]

    def __str__(self):
        return f"{self.staff} @ {self.department}"


class ApiToken(models.Model):
    """A Bearer token of the JSON API. Only its SHA-256 is stored; it expires."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="api_tokens", on_delete=models.CASCADE)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} until {self.expires_at:%Y-%m-%d %H:%M}"


class Notification(models.Model):
    """A message in the inbox (通知中心): to an organisation (every member sees it), to named users, or both.

    Whether it was read is each reader's own (NotificationRead): what one clerk read stays unread for a
    colleague. Posted by `org.services.notify`, the one way every app writes here."""

    recipient = models.ForeignKey(
        Organisation,
        related_name="notifications",
        verbose_name=_("recipient organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_(
            "Every member of this organisation sees the notification; empty when only named users do."
        ),
    )
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="addressed_notifications",
        verbose_name=_("recipient users"),
        blank=True,
        help_text=_("Named people who see the notification besides the organisation's members."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=40,
        help_text=_("Dotted code registered in org.notifications, e.g. catalogue.guide_published."),
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.title


class NotificationRead(models.Model):
    """One reader has read one notification (a row only once read: unread is the absence of a row)."""

    notification = models.ForeignKey(Notification, related_name="reads", on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="notification_reads", on_delete=models.CASCADE
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("notification read")
        verbose_name_plural = _("notifications read")
        constraints = [
            models.UniqueConstraint(fields=["user", "notification"], name="notification_read_once")
        ]

    def __str__(self):
        return f"{self.user} read {self.notification_id}"


class Credential(models.Model):
    """Password bookkeeping of a login: when it was last set and whether it is a one-time password."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, related_name="credential", on_delete=models.CASCADE)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set by a reset: the one-time password must be replaced at the next login."),
    )

    class Meta:
        verbose_name = _("credential")
        verbose_name_plural = _("credentials")

    def __str__(self):
        return str(self.user)


class PasswordHistory(models.Model):
    """A hash of a password a login had, so that the last few are not used again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="password_history", on_delete=models.CASCADE
    )
    password = models.CharField(max_length=128)
    set_at = models.DateTimeField()

    class Meta:
        verbose_name = _("password history entry")
        verbose_name_plural = _("password history")
        ordering = ["-set_at", "-pk"]

    def __str__(self):
        return f"{self.user} {self.set_at:%Y-%m-%d}"


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    LOCKED = "locked", _("Refused: account locked")
    LIMITED = "limited", _("Refused: too many attempts from the address")


class LoginAttempt(models.Model):
    """One login try on the page or the token endpoint; counted for lockout in the database, so that
    every worker process sees the same counts."""

    username = models.CharField(max_length=150)
    address = models.CharField(max_length=45, blank=True)
    channel = models.CharField(max_length=10, help_text=_("page or token"))
    outcome = models.CharField(max_length=10, choices=LoginOutcome.choices)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username", "at"], name="login_attempt_user"),
            models.Index(fields=["address", "at"], name="login_attempt_address"),
            models.Index(fields=["at"], name="login_attempt_at"),
        ]

    def __str__(self):
        return f"{self.username} {self.outcome} {self.at:%Y-%m-%d %H:%M}"
