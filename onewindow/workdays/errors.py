"""The working-day calendar's own error: a count ran into a year without a schedule."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onewindow.core.errors import RuleViolation


class CalendarMissing(RuleViolation):
    """A count ran into a year that has no schedule, neither official nor provisional (422)."""

    def __init__(self, year: int):
        super().__init__(
            _(
                "No working-day calendar for %(year)s: load the official holiday schedule of %(year)s "
                "or create a provisional one."
            )
            % {"year": year},
            code="calendar.missing",
            title=_("Working-day calendar missing"),
        )
        self.year = year
