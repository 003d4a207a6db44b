"""The statistics' own tables: one row of figures per case, and the monthly roll-up of them.

Every figure is defined once in docs/rules.md (rule 15) and in `onewindow.stats.figures`. The rows are
derived data: `services.record_case_event` keeps them up to date inside each case change's transaction,
`services.rebuild()` recomputes them from the cases tables with set-based SQL. The keys of the roll-ups
are plain ids (0 when there is none, so a unique key never holds a NULL), not foreign keys: a roll-up
row is never the source of anything and is rebuilt at will.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onewindow.cases.models import Case
from onewindow.org.models import Region

# The counters every roll-up row holds, in the column order the SQL of services.rebuild writes.
COUNTERS = (
    "accepted",
    "completed",
    "issued",
    "on_time",
    "overdue",
    "supplements",
    "rejections",
    "withdrawals",
    "deferral_expired",
    "suspensions",
    "extensions",
    "working_days",
)
# The key columns of a roll-up row besides region and period.
DIMENSIONS = ("department_id", "subitem_id", "window_id", "staff_id")


class CaseFigures(models.Model):
    """What one case contributes to the statistics (rule 15), kept so that a change of the case can take
    its old contribution out of the roll-ups and put the new one in; the days at the edges of a range are
    summed from here."""

    # Derived rows, rewritten in bulk by every rebuild: no foreign-key constraints to check per row.
    case = models.OneToOneField(
        Case,
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("case"),
        db_constraint=False,
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("region"),
        db_index=False,
        db_constraint=False,
    )
    department_id = models.BigIntegerField(
        _("department"),
        help_text=_(
            "The deciding department once decided, else the authority pinned at acceptance while the "
            "case is accepted; 0 for a case at the window."
        ),
    )
    subitem_id = models.BigIntegerField(_("sub-item"))
    window_id = models.BigIntegerField(_("window"), help_text=_("The receiving window; 0 when none."))
    received_by = models.BigIntegerField(_("received by"), help_text=_("The clerk who received it."))
    accepted_by = models.BigIntegerField(_("accepted by"), help_text=_("0 when not accepted."))
    decided_by = models.BigIntegerField(_("decided by"), help_text=_("0 when not decided."))
    issued_by = models.BigIntegerField(_("issued by"), help_text=_("0 when not issued."))
    received_on = models.DateField(_("received on"))
    accepted_on = models.DateField(_("accepted on"), null=True)
    decided_on = models.DateField(_("decided on"), null=True)
    issued_on = models.DateField(_("issued on"), null=True)
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        help_text=_("The day a case ended without a decision (not accepted, withdrawn, 退件)."),
    )
    closure = models.CharField(_("closure"), max_length=20, blank=True)
    on_time = models.BooleanField(_("on time"), default=False)
    working_days = models.IntegerField(_("working days used"), default=0)
    supplemented = models.BooleanField(_("supplement requested"), default=False)
    suspended = models.BooleanField(_("suspended"), default=False)
    extended = models.BooleanField(_("extended"), default=False)

    class Meta:
        verbose_name = _("figures of a case")
        verbose_name_plural = _("figures of cases")
        # The days at the edges of a range are read from here, one index per day a figure counts on.
        indexes = [
            models.Index(
                fields=["region", day],
                name=f"stats_fig_{day}",
                condition=models.Q(**{f"{day}__isnull": False}),
            )
            for day in ("accepted_on", "decided_on", "issued_on", "ended_on")
        ] + [models.Index(fields=["region", "received_on"], name="stats_fig_received_on")]

    def __str__(self):
        return f"figures of case {self.case_id}"


class Rollup(models.Model):
    """The sum of the figures of the cases that count on one month under one key."""

    region = models.ForeignKey(
        Region,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("region"),
        db_index=False,  # every key starts with the region
        db_constraint=False,
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    department_id = models.BigIntegerField(_("department"))
    subitem_id = models.BigIntegerField(_("sub-item"))
    accepted = models.IntegerField(_("accepted"), default=0)
    completed = models.IntegerField(_("completed"), default=0)
    issued = models.IntegerField(_("issued"), default=0)
    on_time = models.IntegerField(_("on time"), default=0)
    overdue = models.IntegerField(_("overdue"), default=0)
    supplements = models.IntegerField(_("supplements"), default=0)
    rejections = models.IntegerField(_("not accepted"), default=0)
    withdrawals = models.IntegerField(_("withdrawn"), default=0)
    deferral_expired = models.IntegerField(_("ended for missing deferred materials"), default=0)
    suspensions = models.IntegerField(_("suspended"), default=0)
    extensions = models.IntegerField(_("extended"), default=0)
    working_days = models.BigIntegerField(_("working days used"), default=0)

    class Meta:
        abstract = True


class MonthlyFigures(Rollup):
    """The figures of one month per department, sub-item, window and staff member (the whole months of a
    range grouped by window or staff member): the case figures summed."""

    window_id = models.BigIntegerField(_("window"))
    staff_id = models.BigIntegerField(
        _("staff"), help_text=_("Who did the counted step: accepted, decided, issued, or received the case.")
    )

    class Meta:
        verbose_name = _("monthly figures")
        verbose_name_plural = _("monthly figures")
        constraints = [
            models.UniqueConstraint(fields=["region", "month", *DIMENSIONS], name="stats_monthly_key"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.department_id}/{self.subitem_id}/{self.window_id}/{self.staff_id}"


class MonthlySubItemFigures(Rollup):
    """The figures of one month per department and sub-item (the whole months of a range grouped by
    department, sub-item or month): MonthlyFigures summed over windows and staff, a few hundred rows a
    month whatever the number of cases."""

    class Meta:
        verbose_name = _("monthly figures per sub-item")
        verbose_name_plural = _("monthly figures per sub-item")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "month", "department_id", "subitem_id"], name="stats_monthly_subitem_key"
            ),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.department_id}/{self.subitem_id}"


class WorkdayRank(models.Model):
    """The working-day calendar as a table for set-based SQL: `rank` counts the working days from the
    first scheduled year through `day`, so the working days in (a, b] are rank(b) − rank(a). Refreshed
    from onewindow.workdays by every rebuild; days of years without a schedule have no row."""

    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+", verbose_name=_("region"))
    day = models.DateField(_("day"))
    rank = models.IntegerField(_("rank"))

    class Meta:
        verbose_name = _("working-day rank")
        constraints = [models.UniqueConstraint(fields=["region", "day"], name="stats_workday_rank_key")]

    def __str__(self):
        return f"{self.day}: {self.rank}"
