"""The working-day clock of a case (docs/rules.md rule 4, 行政许可法 arts. 42, 44, 45, 82), in one module.

- allowed days   = promised days of the pinned guide version + granted extensions
- suspended days = Σ working days in (start day, end day] of each special procedure (an open one runs
                   through today; one that starts and ends on the same day counts 0)
- due date       = acceptance day + (allowed + suspended) working days (the acceptance day is not counted)
- used days      = working days in (acceptance day, min(today, decision day)] − suspended days
- remaining      = allowed − used (= the working days from today to the due date)
- level          = `level()` below, the one definition the API, the pages and the `level=` filter share:
                   `overdue` past the due date (a decided case: decided after it), `warning` with at most
                   ONEWINDOW_WARNING_DAYS (2) working days left, else `normal`; a case whose clock does not
                   run (not accepted, or ended without a decision) is `normal`
- issuance clock = the result reaches the applicant within 10 working days of the decision (art. 44).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import F, Q
from django.utils.translation import get_language, gettext

from onewindow.cases.models import CLOCK_STATUSES
from onewindow.core import clock
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

_TRANSLATED: dict[tuple[str | None, str], str] = {}


def _(message: str) -> str:
    """`gettext`, kept per language and message: a case's clock is written out in every answer with three
    to five of these lines, and each `gettext` looks up the active translation and then searches every
    app's catalogue (about 1 % of a worker's time on the case path, py-spy). The messages are this
    module's literals, so the store stays small."""
    key = (get_language(), message)
    text = _TRANSLATED.get(key)
    if text is None:
        text = _TRANSLATED[key] = gettext(message)
    return text


NORMAL, WARNING, OVERDUE = "normal", "warning", "overdue"
LEVELS = (NORMAL, WARNING, OVERDUE)
ISSUANCE_DAYS = 10  # 行政许可法 art. 44


def warning_days() -> int:
    return int(getattr(settings, "ONEWINDOW_WARNING_DAYS", 2))


@dataclass(frozen=True)
class CaseClock:
    """The clock of one case on one day, with the sentences that explain its due date."""

    accepted_on: dt.date | None
    promised_days: int
    extended_days: int
    suspended_days: int
    used_days: int
    due_date: dt.date | None
    level: str
    provisional: bool
    stopped_on: dt.date | None = None
    breakdown: list[str] = field(default_factory=list)
    running: bool = False

    @property
    def allowed_days(self) -> int:
        return self.promised_days + self.extended_days

    @property
    def remaining_days(self) -> int:
        return self.allowed_days - self.used_days

    def as_dict(self) -> dict:
        """The `clock` object of CONTRACT.md's case."""
        return {
            "allowed_days": self.allowed_days,
            "used_days": self.used_days,
            "suspended_days": self.suspended_days,
            "extended_days": self.extended_days,
            "remaining_days": self.remaining_days,
            "level": self.level,
            "provisional": self.provisional,
            "promised_days": self.promised_days,
            "running": self.running,
            "breakdown": list(self.breakdown),
        }


@dataclass(frozen=True)
class IssuanceClock:
    """Art. 44: from the decision to the result in the applicant's hands, 10 working days."""

    decided_on: dt.date
    due_date: dt.date | None
    used_days: int
    level: str
    provisional: bool
    issued_on: dt.date | None = None

    @property
    def allowed_days(self) -> int:
        return ISSUANCE_DAYS

    @property
    def remaining_days(self) -> int:
        return ISSUANCE_DAYS - self.used_days

    def as_dict(self) -> dict:
        return {
            "decided_on": self.decided_on,
            "due_date": self.due_date,
            "allowed_days": ISSUANCE_DAYS,
            "used_days": self.used_days,
            "remaining_days": self.remaining_days,
            "level": self.level,
            "provisional": self.provisional,
            "issued_on": self.issued_on,
        }


def _region(case):
    return getattr(case, "region", None)


def _count(after: dt.date, through: dt.date, region) -> int:
    if through <= after:
        return 0
    return arithmetic.count_workdays(after, through, region=region)


def _add(start: dt.date, days: int, region) -> tuple[dt.date, bool]:
    if days <= 0:
        return start, False
    info = arithmetic.add_workdays_info(start, days, region=region)
    return info.date, bool(info.provisional)


def warning_through(today: dt.date, region) -> dt.date | None:
    """The last due date that shows `warning` on `today`: at most `warning_days()` working days left.

    None when that count runs past the calendar: every due date the calendar can give is then close.
    """
    try:
        return arithmetic.add_workdays(today, warning_days() + 1, region=region) - dt.timedelta(days=1)
    except CalendarMissing:
        return None


def level(*, due: dt.date | None, today: dt.date, stopped_on: dt.date | None, live: bool, region) -> str:
    """THE level of a clock (docs/rules.md rule 4): overdue, warning or normal.

    `stopped_on`: the day the clock stopped for good (decided, or the result issued), `live`: whether it
    still runs (the case is in the back office); cases.selectors.filter_level asks `level_filter` below,
    which states the same over the stored columns.
    """
    if due is None:
        return NORMAL
    if stopped_on is not None:
        return OVERDUE if stopped_on > due else NORMAL
    if not live:
        return NORMAL
    if today > due:
        return OVERDUE
    through = warning_through(today, region)
    if through is None or due <= through:
        return WARNING
    return NORMAL


def level_filter(wanted: str, *, today: dt.date, regions: dict[str, int] | None = None) -> Q:
    """`level()` over the stored columns of cases.Case (due_date, status, decided_at), as a filter: the
    clock stopped on the decision day, it is live in the back-office statuses; the warning horizon is
    each region's (`regions`: {code: id}, default every region)."""
    regions = arithmetic.region_ids() if regions is None else regions
    due = Q(due_date__isnull=False)
    stopped_late = Q(decided_at__isnull=False, decided_at__date__gt=F("due_date"))
    live = Q(decided_at__isnull=True, status__in=CLOCK_STATUSES)
    overdue = due & (stopped_late | (live & Q(due_date__lt=today)))
    close = Q(pk__in=[])  # no region: nothing
    for code, region_id in sorted(regions.items()):
        through = warning_through(today, code)
        bound = Q(due_date__gte=today) if through is None else Q(due_date__gte=today, due_date__lte=through)
        close |= Q(region_id=region_id) & bound
    warning = due & live & close
    if wanted == OVERDUE:
        return overdue
    if wanted == WARNING:
        return warning
    return ~overdue & ~warning


def issuance_level_filter(wanted: str, *, today: dt.date, regions: dict[str, int] | None = None) -> Q:
    """`level()` of the art. 44 clock over the stored `issue_due_date` of cases not yet issued (the clock
    runs): `overdue` past it, `warning` within the warning horizon, else `normal`."""
    regions = arithmetic.region_ids() if regions is None else regions
    due = Q(issue_due_date__isnull=False, issued_at__isnull=True)
    overdue = due & Q(issue_due_date__lt=today)
    close = Q(pk__in=[])
    for code, region_id in sorted(regions.items()):
        through = warning_through(today, code)
        bound = (
            Q(issue_due_date__gte=today)
            if through is None
            else Q(issue_due_date__gte=today, issue_due_date__lte=through)
        )
        close |= Q(region_id=region_id) & bound
    warning = due & close
    if wanted == OVERDUE:
        return overdue
    if wanted == WARNING:
        return warning
    return ~overdue & ~warning


def _live(case) -> bool:
    """Whether the case's clock runs: in the back office (a case closed without a decision has stopped)."""
    return case.status in CLOCK_STATUSES


def _promised_days(case) -> int:
    guide = getattr(case, "guide", None)
    return guide.promised_days if guide is not None else case.subitem.promised_days


def case_clock(
    case, *, today: dt.date | None = None, suspensions=None, extensions=None, strict: bool = False
) -> CaseClock:
    """The clock of `case` on `today` (default: the hall's today). Pass prefetched rows to save queries.

    A count into a year without a schedule gives no due date and says why, or raises CalendarMissing
    (422) when `strict` (what services use: a due date is never guessed).
    """
    today = today or clock.today()
    promised = _promised_days(case)
    extensions = list(case.extensions.all() if extensions is None else extensions)
    extended = sum(e.days for e in extensions)
    if case.accepted_at is None:
        return CaseClock(
            accepted_on=None,
            promised_days=promised,
            extended_days=extended,
            suspended_days=0,
            used_days=0,
            due_date=None,
            level=NORMAL,
            provisional=False,
            breakdown=[_("Not accepted yet: the clock starts the working day after acceptance.")],
        )
    # A case returned to the window and accepted again starts a new count (补正 restarts it).
    suspensions = [
        s
        for s in (case.suspensions.all() if suspensions is None else suspensions)
        if s.started_at >= case.accepted_at
    ]
    extensions = [e for e in extensions if e.granted_at >= case.accepted_at]
    extended = sum(e.days for e in extensions)
    region = _region(case)
    accepted_on = clock.local_date(case.accepted_at)
    stopped_on = clock.local_date(case.decided_at) if case.decided_at else None
    end = min(today, stopped_on) if stopped_on else today
    end = max(end, accepted_on)
    lines = [
        _("Accepted on %(date)s; the acceptance day does not count, counting starts the next working day.")
        % {"date": accepted_on.isoformat()},
        _("Promised time limit: %(days)s working days.") % {"days": promised},
    ]
    for ext in extensions:
        lines.append(
            _("Extended by %(days)s working days on %(date)s: %(reason)s")
            % {"days": ext.days, "date": clock.local_date(ext.granted_at).isoformat(), "reason": ext.reason}
        )
    try:
        suspended = 0
        for s in suspensions:
            through = min(s.ended_on or end, end)
            days = _suspended_days(s, end, region)
            suspended += days
            values = {
                "procedure": s.get_procedure_display(),
                "start": s.started_on.isoformat(),
                "end": (s.ended_on or through).isoformat(),
                "days": days,
            }
            if s.ended_on is None:
                lines.append(
                    _(
                        "%(procedure)s since %(start)s, still under way: %(days)s working days not counted so far."
                    )
                    % values
                )
            else:
                lines.append(
                    _("%(procedure)s from %(start)s to %(end)s: %(days)s working days not counted.") % values
                )
        allowed = promised + extended
        due, provisional = _add(accepted_on, allowed + suspended, region)
        used = max(_count(accepted_on, end, region) - suspended, 0)
        provisional = provisional or arithmetic.span_is_provisional(accepted_on, end, region=region)
    except CalendarMissing as exc:
        if strict:
            raise
        lines.append(str(exc))
        return CaseClock(
            accepted_on=accepted_on,
            promised_days=promised,
            extended_days=extended,
            suspended_days=0,
            used_days=0,
            due_date=None,
            level=NORMAL,
            provisional=True,
            stopped_on=stopped_on,
            breakdown=lines,
            running=stopped_on is None,
        )
    lines.append(
        _("%(allowed)s + %(suspended)s working days after %(accepted)s: due on %(due)s.")
        % {
            "allowed": allowed,
            "suspended": suspended,
            "accepted": accepted_on.isoformat(),
            "due": due.isoformat(),
        }
    )
    if stopped_on is not None:
        lines.append(
            _("Decided on %(date)s after %(used)s working days.")
            % {"date": stopped_on.isoformat(), "used": used}
        )
    if provisional:
        lines.append(
            _(
                "The count runs through a provisional calendar year; the date may change when the official schedule is published."
            )
        )
    running = stopped_on is None and not any(s.ended_on is None for s in suspensions)
    return CaseClock(
        accepted_on=accepted_on,
        promised_days=promised,
        extended_days=extended,
        suspended_days=suspended,
        used_days=used,
        due_date=due,
        level=level(due=due, today=today, stopped_on=stopped_on, live=_live(case), region=region),
        provisional=provisional,
        stopped_on=stopped_on,
        breakdown=lines,
        running=running,
    )


def _suspended_days(suspension, end: dt.date, region) -> int:
    """Working days a special procedure stops the clock, counted up to `end`: after the day it starts,
    through the day it ends (or `end` while it runs)."""
    return _count(suspension.started_on, min(suspension.ended_on or end, end), region)


def used_days(case, *, suspensions, today: dt.date | None = None) -> int:
    """The working days the case's clock has counted by `today` (stopped on its decision day):
    `case_clock(...).used_days` without the rest of the clock (what the statistics keep). 0 before
    acceptance or when the count runs into a year without a schedule, as there."""
    if case.accepted_at is None:
        return 0
    today = today or clock.today()
    region = _region(case)
    accepted_on = clock.local_date(case.accepted_at)
    stopped_on = clock.local_date(case.decided_at) if case.decided_at else None
    end = max(min(today, stopped_on) if stopped_on else today, accepted_on)
    try:
        suspended = sum(
            _suspended_days(s, end, region) for s in suspensions if s.started_at >= case.accepted_at
        )
        return max(_count(accepted_on, end, region) - suspended, 0)
    except CalendarMissing:
        return 0


def issuance_clock(case, *, today: dt.date | None = None) -> IssuanceClock | None:
    """The art. 44 clock once the case is decided; None before."""
    if case.decided_at is None:
        return None
    today = today or clock.today()
    region = _region(case)
    decided_on = clock.local_date(case.decided_at)
    issued_on = clock.local_date(case.issued_at) if case.issued_at else None
    end = max(min(today, issued_on) if issued_on else today, decided_on)
    try:
        due, provisional = _add(decided_on, ISSUANCE_DAYS, region)
        used = _count(decided_on, end, region)
    except CalendarMissing:
        return IssuanceClock(decided_on, None, 0, NORMAL, True, issued_on)
    shown = level(due=due, today=today, stopped_on=issued_on, live=True, region=region)
    return IssuanceClock(decided_on, due, used, shown, provisional, issued_on)


def refresh_due_dates(case, *, suspensions=None, extensions=None) -> bool:
    """Store the due dates the clock computes on `case` (not saved); True when something changed.

    Raises CalendarMissing (422) when the count runs into a year with no schedule.
    """
    before = (case.due_date, case.due_provisional, case.issue_due_date)
    computed = case_clock(case, suspensions=suspensions, extensions=extensions, strict=True)
    case.due_date, case.due_provisional = computed.due_date, computed.provisional
    case.issue_due_date = None
    if case.decided_at is not None:
        # Unknown until next year's schedule is loaded (which recomputes it).
        with contextlib.suppress(CalendarMissing):
            case.issue_due_date, _provisional = _add(
                clock.local_date(case.decided_at), ISSUANCE_DAYS, _region(case)
            )
    return before != (case.due_date, case.due_provisional, case.issue_due_date)
