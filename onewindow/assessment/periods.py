"""Assessment periods: a month `YYYY-MM` or a year `YYYY`, as the hall's local days and times."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core.errors import InvalidInput

PATTERN = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Period:
        found = PATTERN.match(str(text or "").strip())
        if not found or not 2000 <= int(found.group(1)) <= 2100:
            message = _("A period is YYYY-MM (a month) or YYYY (a year).")
            raise InvalidInput(message, code="assessment.period", errors={"period": [message]})
        return cls(int(found.group(1)), int(found.group(2)) if found.group(2) else None)

    @property
    def kind(self) -> str:
        return "month" if self.month else "year"

    def __str__(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else f"{self.year}"

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, 1)

    @property
    def last_day(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])
        return dt.date(self.year, 12, 31)

    @property
    def start(self) -> dt.datetime:
        """The hall's local midnight opening the period (aware)."""
        return timezone.make_aware(dt.datetime.combine(self.first_day, dt.time.min))

    @property
    def end(self) -> dt.datetime:
        """The hall's local midnight after the period (exclusive)."""
        return timezone.make_aware(dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time.min))

    def months(self) -> list[Period]:
        return [Period(self.year, m) for m in range(1, 13)] if not self.month else [self]
