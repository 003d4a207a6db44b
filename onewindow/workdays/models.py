"""The working-day calendar's tables: one schedule per region and year, and its exceptions to the week.

The tables were created by the core app (migration core 0003) and keep their names (`core_calendar…`),
so a database made before the calendar became its own app keeps its rows.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarStatus(models.TextChoices):
    OFFICIAL = "official", _("Official")
    PROVISIONAL = "provisional", _("Provisional")


class CalendarYear(models.Model):
    """One region's working-day schedule for one calendar year (docs/rules.md rule 4).

    A year without a row has no schedule: counting working days into it is an error, never a guess.
    """

    region = models.ForeignKey(
        "org.Region", related_name="calendar_years", verbose_name=_("region"), on_delete=models.PROTECT
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=CalendarStatus.choices,
        help_text=_(
            "Official: from the State Council's holiday notice. Provisional: derived from the holiday "
            "regulation until the notice is published; every due date it yields says so."
        ),
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        help_text=_("The package and version, the file name, or the provisional rule the days come from."),
    )
    revision = models.PositiveIntegerField(
        _("revision"),
        default=1,
        help_text=_("Raised by every change of the year, so every process notices it and re-reads the days."),
    )
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        help_text=_("Empty when the operator's command line loaded it."),
    )

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        db_table = "core_calendaryear"
        ordering = ["region", "year"]
        constraints = [models.UniqueConstraint(fields=["region", "year"], name="calendar_year_unique")]

    def __str__(self):
        return f"{self.year} ({self.get_status_display()})"

    @property
    def source_label(self) -> str:
        """The source as a person reads it."""
        from django.utils.translation import gettext

        if self.status == CalendarStatus.PROVISIONAL:
            return gettext(
                "Holiday regulation (State Council Decree No. 795) over Monday–Friday weeks, without make-up days"
            )
        if self.source.startswith("file "):
            return gettext("File %(name)s") % {"name": self.source[5:]}
        if self.source.startswith("chinesecalendar"):
            # The stored source names the package and its version (for the audit); a clerk reads the body
            # that publishes the schedule.
            return gettext(
                "Holiday arrangements of the General Office of the State Council (chinesecalendar data, %(version)s)"
            ) % {"version": self.source.removeprefix("chinesecalendar").strip() or "?"}
        return self.source


class DayKind(models.TextChoices):
    OFF = "off", _("Day off")
    WORK = "work", _("Working day")


class CalendarDay(models.Model):
    """An exception to the Monday–Friday week: a weekday off (holiday) or a make-up working weekend day (调休)."""

    calendar_year = models.ForeignKey(
        CalendarYear, related_name="days", verbose_name=_("calendar year"), on_delete=models.CASCADE
    )
    region = models.ForeignKey("org.Region", verbose_name=_("region"), on_delete=models.PROTECT)
    date = models.DateField(_("date"))
    kind = models.CharField(
        _("kind"),
        max_length=4,
        choices=DayKind.choices,
        help_text=_("Off: a Monday–Friday day without work. Work: a Saturday or Sunday worked (调休)."),
    )
    name = models.CharField(_("name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        db_table = "core_calendarday"
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["region", "date"], name="calendar_day_unique")]

    def __str__(self):
        return f"{self.date} {self.kind} {self.name}"


OFF = DayKind.OFF.value
WORK = DayKind.WORK.value
OFFICIAL = CalendarStatus.OFFICIAL.value
PROVISIONAL = CalendarStatus.PROVISIONAL.value
