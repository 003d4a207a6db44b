"""Writes of the working-day calendar: seed from the package, create a provisional year, load a file.

Each runs in one transaction with its audit entry, then calls every hook in `on_calendar_changed` inside
that same transaction, so the cases context can recompute the due dates of open cases all-or-nothing
with the new schedule.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.core import audit, clock
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.org import roles as r
from onewindow.org.selectors import audit_context
from onewindow.workdays.arithmetic import invalidate
from onewindow.workdays.models import OFF, OFFICIAL, PROVISIONAL, WORK, CalendarDay, CalendarYear
from onewindow.workdays.schedule_file import parse_schedule
from onewindow.workdays.selectors import resolve_region
from onewindow.workdays.sources import (
    PACKAGE,
    PROVISIONAL_SOURCE,
    ScheduleDay,
    package_version,
    package_years,
    provisional_days,
)

# Hooks run after a year's schedule was created or changed, inside the same transaction:
# `hook(region=<org.Region>, years=frozenset[int])`. The cases context registers the recomputation of
# open cases' due dates here (in its AppConfig.ready); an exception in a hook rolls the change back.
on_calendar_changed: list[Callable[..., None]] = []

# The audit log's name for a calendar year since the tables were core's: one filter finds every entry.
AUDIT_OBJECT_TYPE = "core.calendaryear"


def _check_actor(actor) -> None:
    if actor is not None and not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(
            _("Only the supervisor (Data Bureau) maintains the working-day calendar."),
            code="calendar.forbidden",
        )


def _actor_role(actor) -> str:
    return r.primary_role(actor) if actor is not None else ""


def _same_days(year: CalendarYear, days: Iterable[ScheduleDay]) -> bool:
    stored = sorted(ScheduleDay(d.date, d.kind, d.name) for d in year.days.all())
    return stored == sorted(days)


def _write_year(
    *, region, year: int, status: str, source: str, days: list[ScheduleDay], actor
) -> CalendarYear:
    """Create or replace one year's schedule (caller holds the transaction)."""
    now = clock.now()
    calendar_year = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
    if calendar_year is None:
        calendar_year = CalendarYear.objects.create(
            region=region, year=year, status=status, source=source, loaded_at=now, loaded_by=actor
        )
    else:
        calendar_year.days.all().delete()
        calendar_year.status = status
        calendar_year.source = source
        calendar_year.loaded_at = now
        calendar_year.loaded_by = actor
        calendar_year.revision += 1
        calendar_year.save()
    CalendarDay.objects.bulk_create(
        CalendarDay(calendar_year=calendar_year, region=region, date=d.date, kind=d.kind, name=d.name)
        for d in days
    )
    return calendar_year


@contextlib.contextmanager
def _forget_on_error():
    """A change that fails rolls back: forget any index built from it inside the transaction."""
    try:
        yield
    except BaseException:
        invalidate()
        raise


def _changed(region, years: set[int]) -> None:
    """After a change inside the transaction: fresh index here and now, then the hooks."""
    if not years:
        return
    invalidate()
    # Another look once committed (a rollback is noticed by the fingerprint within RECHECK_SECONDS).
    transaction.on_commit(invalidate)
    for hook in list(on_calendar_changed):
        hook(region=region, years=frozenset(years))


def seed_from_package(*, actor=None, region=None) -> dict:
    """Every year `chinesecalendar` knows, as official years (idempotent; bulk inserts).

    A year missing or provisional gets the package's schedule; a year seeded from an older package
    version is updated when its days differ; a year loaded from a file by the supervisor is kept.
    """
    _check_actor(actor)
    region = resolve_region(region)
    source = package_version()
    wanted = package_years()
    created, updated = [], []
    with _forget_on_error(), transaction.atomic():
        existing = {
            cy.year: cy
            for cy in CalendarYear.objects.select_for_update()
            .filter(region=region, year__in=list(wanted))
            .prefetch_related("days")
        }
        new_years = []
        for year, days in wanted.items():
            current = existing.get(year)
            if current is None:
                new_years.append(year)
            elif current.status == PROVISIONAL or (
                current.source.startswith(PACKAGE) and not _same_days(current, days)
            ):
                _write_year(region=region, year=year, status=OFFICIAL, source=source, days=days, actor=actor)
                updated.append(year)
        if new_years:
            now = clock.now()
            rows = CalendarYear.objects.bulk_create(
                CalendarYear(
                    region=region, year=y, status=OFFICIAL, source=source, loaded_at=now, loaded_by=actor
                )
                for y in new_years
            )
            # Primary keys from bulk_create are not set on every backend: read them back.
            ids = dict(
                CalendarYear.objects.filter(region=region, year__in=new_years).values_list("year", "id")
            )
            CalendarDay.objects.bulk_create(
                CalendarDay(calendar_year_id=ids[y], region=region, date=d.date, kind=d.kind, name=d.name)
                for y in new_years
                for d in wanted[y]
            )
            created = [row.year for row in rows]
        if created or updated:
            audit.record(
                action="calendar.seed",
                actor=actor,
                role=_actor_role(actor),
                **audit_context(actor, region=region.code),
                object_type=AUDIT_OBJECT_TYPE,
                object_id=region.code,
                detail={"source": source, "created": created, "updated": updated},
            )
        _changed(region, set(created) | set(updated))
    return {"created": created, "updated": updated, "source": source}


def create_provisional_year(*, year: int, actor=None, region=None) -> tuple[CalendarYear, bool]:
    """A provisional schedule for `year` from the holiday regulation; (year, created or changed).

    Idempotent, and a no-op for a year that already has an official schedule.
    """
    _check_actor(actor)
    region = resolve_region(region)
    with _forget_on_error(), transaction.atomic():
        current = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
        if current is not None and current.status == OFFICIAL:
            return current, False
        days = provisional_days(year)
        if current is not None and _same_days(current, days):
            return current, False
        calendar_year = _write_year(
            region=region, year=year, status=PROVISIONAL, source=PROVISIONAL_SOURCE, days=days, actor=actor
        )
        audit.record(
            action="calendar.provisional",
            actor=actor,
            role=_actor_role(actor),
            **audit_context(actor, region=region.code),
            obj=calendar_year,
            object_type=AUDIT_OBJECT_TYPE,
            detail={"year": year, "days_off": len(days)},
        )
        _changed(region, {year})
    return calendar_year, True


@dataclass(frozen=True)
class LoadReport:
    year: int
    status_before: str | None
    days_off: int
    make_up_days: int
    ignored_rows: int
    changed: bool


def load_schedule(
    *, content: bytes | None = None, filename: str = "", path=None, actor=None, region=None
) -> LoadReport:
    """Load one year's official schedule from a CSV or .xlsx file (all-or-nothing).

    Replaces a provisional year, or an official one (the audit entry says what was replaced), then
    calls the `on_calendar_changed` hooks so open cases get their due dates recomputed.
    """
    _check_actor(actor)
    if path is not None:
        path = Path(path)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise InvalidInput(
                _("The file cannot be read: %(error)s") % {"error": exc.strerror or exc},
                code="calendar.unreadable",
                errors={"file": [str(exc)]},
            ) from exc
        filename = filename or path.name
    year, days, ignored = parse_schedule(content or b"", filename)
    region = resolve_region(region)
    with _forget_on_error(), transaction.atomic():
        current = CalendarYear.objects.select_for_update().filter(region=region, year=year).first()
        before = None if current is None else current.status
        changed = not (current is not None and current.status == OFFICIAL and _same_days(current, days))
        if changed:
            previous = (
                None
                if current is None
                else {
                    "status": current.status,
                    "source": current.source,
                    "revision": current.revision,
                    "days": current.days.count(),
                }
            )
            calendar_year = _write_year(
                region=region, year=year, status=OFFICIAL, source=f"file {filename}", days=days, actor=actor
            )
            audit.record(
                action="calendar.load",
                actor=actor,
                role=_actor_role(actor),
                **audit_context(actor, region=region.code),
                obj=calendar_year,
                object_type=AUDIT_OBJECT_TYPE,
                detail={
                    "year": year,
                    "file": filename,
                    "days_off": sum(d.kind == OFF for d in days),
                    "make_up_days": sum(d.kind == WORK for d in days),
                    "replaced": previous,
                },
            )
            _changed(region, {year})
    return LoadReport(
        year=year,
        status_before=before,
        days_off=sum(d.kind == OFF for d in days),
        make_up_days=sum(d.kind == WORK for d in days),
        ignored_rows=ignored,
        changed=changed,
    )
