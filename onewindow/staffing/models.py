"""Stationed staff's qualifications, schedules, stationing changes, training on sub-items and daily evaluations.

Who is stationed from when to when stays `org.Stationing` (the org context owns people and postings);
this context adds what the Data Bureau keeps about them (rule 8, docs/rules.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from onewindow.catalogue.models import SubItem
from onewindow.org.models import Organisation, Region, Staff, Stationing


class CertificateKind(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", _("Administrative law-enforcement certificate")
    PROFESSIONAL = "professional", _("Professional qualification certificate")
    POST_TRAINING = "post_training", _("Post training certificate")
    OTHER = "other", _("Other certificate")


class CertificateQuerySet(models.QuerySet):
    def valid_on(self, day):
        """Certificates in force on `day`: valid_from ≤ day ≤ valid_to (the printed 有效期至 is inclusive)."""
        return self.filter(valid_from__lte=day, valid_to__gte=day)

    def visible_to(self, user):
        """The supervisor sees the region's; a department's approvers and head their own staff's."""
        from onewindow.org import roles as r

        staff = getattr(user, "staff", None)
        if staff is None or not r.has_role(user, *r.BUSINESS_ROLES):
            return self.none()
        if r.has_role(user, r.SUPERVISOR):
            return self.filter(region_id=staff.organisation.region_id)
        if r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
            return self.filter(staff__organisation_id=staff.organisation_id)
        return self.none()


class Certificate(models.Model):
    """A qualification certificate of a staff member and the sub-items it qualifies them to approve."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    staff = models.ForeignKey(
        Staff, related_name="certificates", verbose_name=_("staff member"), on_delete=models.PROTECT
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    issuing_body = models.CharField(_("issuing body"), max_length=100)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), help_text=_("The last day the certificate is valid (inclusive).")
    )
    subitems = models.ManyToManyField(
        SubItem,
        related_name="certificates",
        verbose_name=_("sub-items qualified for"),
        blank=True,
        help_text=_("The sub-items the holder may approve while the certificate is valid (rule 8)."),
    )
    created_at = models.DateTimeField(_("entered at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.PROTECT
    )

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification certificate")
        verbose_name_plural = _("qualification certificates")
        ordering = ["staff", "valid_to", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__gte=models.F("valid_from")), name="certificate_range"
            ),
            models.UniqueConstraint(fields=["kind", "number"], name="certificate_number_unique"),
        ]

    def __str__(self):
        return f"{self.number} ({self.staff})"


class StationingChangeKind(models.TextChoices):
    START = "start", _("Stationed")
    END = "end", _("Stationing ended")


class StationingChange(models.Model):
    """One change of a department's stationed staff: who changed what, when and why (避免频繁调整)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        Organisation, related_name="+", verbose_name=_("department"), on_delete=models.PROTECT
    )
    stationing = models.ForeignKey(
        Stationing, related_name="changes", verbose_name=_("stationing"), on_delete=models.PROTECT
    )
    kind = models.CharField(_("change"), max_length=10, choices=StationingChangeKind.choices)
    on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="+", verbose_name=_("changed by"), on_delete=models.PROTECT
    )
    at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("stationing change")
        verbose_name_plural = _("stationing changes")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["department", "on"], name="stationing_change_dept_on")]

    def __str__(self):
        return f"{self.department} {self.kind} {self.on}"


class RosterKind(models.TextChoices):
    DUTY = "duty", _("On duty")
    LEAVE = "leave", _("On leave")
    SUBSTITUTE = "substitute", _("Substitute")


class RosterEntry(models.Model):
    """One staff member's day in the hall's back office: on duty (a rotation), on leave, or substituting.

    When a department keeps duty entries for a day, those on duty and the substitutes are who is in;
    without any, every stationed member is, except those on leave."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        Organisation, related_name="+", verbose_name=_("department"), on_delete=models.PROTECT
    )
    staff = models.ForeignKey(
        Staff, related_name="roster_entries", verbose_name=_("staff member"), on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=RosterKind.choices)
    substitute_for = models.ForeignKey(
        Staff,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("substitute for"),
        on_delete=models.PROTECT,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["day", "department", "staff"]
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="roster_one_entry_per_day")]
        indexes = [models.Index(fields=["department", "day"], name="roster_department_day")]

    def __str__(self):
        return f"{self.staff} {self.day} {self.kind}"


class TrainingSession(models.Model):
    """A department trained window clerks on some of its sub-items (承担对受理窗口人员的业务培训)."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    department = models.ForeignKey(
        Organisation, related_name="+", verbose_name=_("department"), on_delete=models.PROTECT
    )
    day = models.DateField(_("date"))
    trainer = models.CharField(_("trainer"), max_length=60)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    subitems = models.ManyToManyField(SubItem, related_name="trainings", verbose_name=_("sub-items"))
    attendees = models.ManyToManyField(Staff, related_name="trainings", verbose_name=_("attendees"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-day", "-pk"]

    def __str__(self):
        return f"{self.department} {self.day}"


class SubjectKind(models.TextChoices):
    WINDOW_CLERK = "window_clerk", _("Window clerk")
    STATIONED = "stationed", _("Stationed staff")


class Attendance(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    LEAVE = "leave", _("On leave")
    ABSENT = "absent", _("Absent")


class Discipline(models.TextChoices):
    GOOD = "good", _("Good")
    MINOR = "minor", _("Minor breach")
    SERIOUS = "serious", _("Serious breach")


class Conduct(models.TextChoices):
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Feedback(models.TextChoices):
    NONE = "none", _("None")
    PRAISE = "praise", _("Praise")
    COMPLAINT = "complaint", _("Complaint")


class DailyEvaluation(models.Model):
    """The supervisor's log of one person's day (日常考评): what the monthly assessment is built from."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    staff = models.ForeignKey(
        Staff, related_name="daily_evaluations", verbose_name=_("staff member"), on_delete=models.PROTECT
    )
    day = models.DateField(_("day"))
    subject_kind = models.CharField(_("evaluated as"), max_length=14, choices=SubjectKind.choices)
    attendance = models.CharField(_("attendance"), max_length=10, choices=Attendance.choices)
    attendance_note = models.CharField(_("attendance note"), max_length=200, blank=True)
    discipline = models.CharField(_("discipline"), max_length=10, choices=Discipline.choices)
    discipline_note = models.CharField(_("discipline note"), max_length=200, blank=True)
    conduct = models.CharField(_("service conduct"), max_length=10, choices=Conduct.choices)
    conduct_note = models.CharField(_("service conduct note"), max_length=200, blank=True)
    feedback = models.CharField(_("praise or complaint"), max_length=10, choices=Feedback.choices)
    feedback_note = models.CharField(_("praise or complaint note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, related_name="+", on_delete=models.PROTECT)
    recorded_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("daily evaluation")
        verbose_name_plural = _("daily evaluations")
        ordering = ["day", "staff"]
        constraints = [models.UniqueConstraint(fields=["staff", "day"], name="daily_evaluation_one_per_day")]
        indexes = [models.Index(fields=["region", "day"], name="daily_evaluation_region_day")]

    def __str__(self):
        return f"{self.staff} {self.day}"


class StaffingWarning(models.Model):
    """A warning the tick already sent (certificate expiry, a gap, too many changes): sent once per key."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=40)
    key = models.CharField(_("key"), max_length=120)
    sent_at = models.DateTimeField(_("warned at"))

    class Meta:
        verbose_name = _("staffing warning")
        verbose_name_plural = _("staffing warnings")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="staffing_warning_once")]

    def __str__(self):
        return f"{self.kind} {self.key}"
