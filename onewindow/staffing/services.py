"""Writes of the staffing context: stationings (with the no-gap guard), certificates, the roster, training,
daily evaluations; the hooks it registers (handover signing, guide publication) and the tick's jobs.

Each write is one transaction with its permission check and audit entry (rule 6); the guard is rule 8.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, DomainError, InvalidValue, PermissionDenied, RuleViolation
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org.models import Organisation, Staff, Stationing
from onewindow.org.selectors import audit_context
from onewindow.org.services import notify
from onewindow.staffing import guard, selectors
from onewindow.staffing.models import StaffingWarning, StationingChange, StationingChangeKind


def _role(actor) -> str:
    return r.SUPERVISOR if r.has_role(actor, r.SUPERVISOR) else r.DEPARTMENT_HEAD


def _require_manager(actor, department: Organisation) -> None:
    if not selectors.can_manage(actor, department):
        raise PermissionDenied(
            _("Only the department's head or the Data Bureau's supervisor may change its stationed staff."),
            code="staffing.forbidden",
        )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidValue(
            _("Give a reason."), code="staffing.invalid", errors={"reason": [_("A reason is required.")]}
        )
    return reason[:300]


def gap_error(gaps: list[guard.Gap], *, message: str | None = None) -> RuleViolation:
    """The 422 `staffing.gap` refusal naming the sub-items left without a qualified stationed approver."""
    seen, names = set(), []
    for gap in gaps:
        if gap.subitem.pk not in seen:
            seen.add(gap.subitem.pk)
            names.append(f"{gap.subitem.code} {gap.subitem.name}")
    first = gaps[0]
    text = message or _(
        "%(department)s would have no qualified stationed approver from %(date)s for: %(subitems)s"
    ) % {"department": first.department.name, "date": first.date.isoformat(), "subitems": "、".join(names)}
    return RuleViolation(text, code="staffing.gap", errors={"subitems": names})


def _record_change(*, actor, stationing: Stationing, kind: str, on: dt.date, reason: str) -> StationingChange:
    return StationingChange.objects.create(
        region=stationing.department.region,
        department=stationing.department,
        stationing=stationing,
        kind=kind,
        on=on,
        reason=reason,
        actor=actor,
        at=clock.now(),
    )


def start_stationing(
    *, actor, department: Organisation, staff: Staff, valid_from: dt.date, reason: str, hall=None
) -> Stationing:
    """Post a staff member of the department to the hall's back office from `valid_from`."""
    _require_manager(actor, department)
    reason = _reason(reason)
    with transaction.atomic():
        stationing = _start(
            actor=actor, department=department, staff=staff, valid_from=valid_from, reason=reason, hall=hall
        )
        audit.record(
            action="staffing.stationing.start",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            obj=stationing,
            detail={
                "staff": staff.user.username,
                "department": department.code,
                "from": valid_from.isoformat(),
                "reason": reason,
            },
        )
    return stationing


def _start(*, actor, department, staff, valid_from, reason, hall=None) -> Stationing:
    if staff.organisation_id != department.pk:
        raise RuleViolation(
            _("%(name)s is not on the staff of %(department)s.")
            % {"name": staff.full_name, "department": department.name},
            code="staffing.not_department_staff",
            errors={"staff": [_("Choose a staff member of the department.")]},
        )
    if valid_from < clock.today():
        raise RuleViolation(
            _("A stationing cannot start in the past."),
            code="staffing.past",
            errors={"valid_from": [_("Today or later.")]},
        )
    running = Stationing.objects.filter(staff=staff, department=department).filter(
        valid_to__isnull=True
    ) | Stationing.objects.filter(staff=staff, department=department, valid_to__gt=valid_from)
    if running.exists():
        raise Conflict(
            _("%(name)s is already stationed then.") % {"name": staff.full_name},
            code="staffing.already_stationed",
        )
    if hall is None:
        previous = Stationing.objects.filter(department=department).order_by("-valid_from").first()
        hall = previous.hall if previous else _default_hall(department)
    stationing = Stationing.objects.create(
        staff=staff, department=department, hall=hall, valid_from=valid_from
    )
    _record_change(
        actor=actor, stationing=stationing, kind=StationingChangeKind.START, on=valid_from, reason=reason
    )
    return stationing


def _default_hall(department):
    from onewindow.org.models import Hall

    return Hall.objects.filter(region=department.region).order_by("pk").first()


def end_stationing(
    *, actor, stationing: Stationing, on: dt.date, reason: str, successor: Staff | None = None
) -> Stationing:
    """End a posting from `on` (the first day the person is no longer in the back office).

    Refused (422 `staffing.gap`, naming the sub-items) when it would leave a live sub-item of the
    department without a qualified approver in the back office on `on` or on the following
    ONEWINDOW_STAFFING_GUARD_DAYS working days — unless a successor is named who covers them: the
    successor's posting then starts on `on`, in the same transaction."""
    department = stationing.department
    _require_manager(actor, department)
    reason = _reason(reason)
    if not isinstance(on, dt.date):
        raise InvalidValue(_("Give a date."), code="staffing.invalid", errors={"on": [_("Give a date.")]})
    with transaction.atomic():
        stationing = (
            Stationing.objects.select_for_update()
            .select_related("department__region", "staff__user")
            .get(pk=stationing.pk)
        )
        today = clock.today()
        if stationing.valid_to is not None and stationing.valid_to <= today:
            raise Conflict(_("This stationing has already ended."), code="staffing.ended")
        if on < today:
            raise RuleViolation(
                _("A stationing cannot be ended in the past."),
                code="staffing.past",
                errors={"on": [_("Today or later.")]},
            )
        if on > today + dt.timedelta(days=366):
            raise RuleViolation(
                _("Give a day within the coming year."),
                code="staffing.too_far",
                errors={"on": [_("Within the coming year.")]},
            )
        if on <= stationing.valid_from:
            raise RuleViolation(
                _("The end must be after the start of the stationing (%(start)s).")
                % {"start": stationing.valid_from.isoformat()},
                code="staffing.end_before_start",
                errors={"on": [_("After the start of the stationing.")]},
            )
        if stationing.valid_to is not None and on >= stationing.valid_to:
            raise Conflict(
                _("This stationing already ends on %(date)s.") % {"date": stationing.valid_to.isoformat()},
                code="staffing.ended",
            )
        if successor is not None:
            if successor.pk == stationing.staff_id:
                raise RuleViolation(
                    _("The successor must be someone else."),
                    code="staffing.invalid_successor",
                    errors={"successor": [_("Someone else.")]},
                )
            if not Stationing.objects.filter(staff=successor, department=department).valid_on(on).exists():
                _start(
                    actor=actor,
                    department=department,
                    staff=successor,
                    valid_from=on,
                    reason=reason,
                    hall=stationing.hall,
                )
        days = guard.coming_workdays(
            settings.ONEWINDOW_STAFFING_GUARD_DAYS, start=on, region=department.region
        )
        if on not in days:
            days.insert(0, on)
        before = set(guard.find_gaps(days, departments=[department]))
        after = set(guard.find_gaps(days, departments=[department], exclude_stationings=[stationing.pk]))
        new = sorted(after - before, key=lambda g: g[2])
        if new:
            raise gap_error(guard.as_gaps(new))
        stationing.valid_to = on
        stationing.save(update_fields=["valid_to"])
        _record_change(
            actor=actor, stationing=stationing, kind=StationingChangeKind.END, on=on, reason=reason
        )
        audit.record(
            action="staffing.stationing.end",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            obj=stationing,
            detail={
                "staff": stationing.staff.user.username,
                "department": department.code,
                "on": on.isoformat(),
                "reason": reason,
                "successor": successor.user.username if successor else None,
            },
        )
    return stationing


# -- hooks ------------------------------------------------------------------------------------------


def agreement_staffing(wanted: dict, day) -> dict:
    """For handover's preview and dashboard (handover.selectors.staffing_providers): for each department of
    `wanted` ({department: subitem_ids}), the sub-items it would leave without a qualified approver on
    `day` if it implemented them, and its approvers present that day qualified for at least one of them —
    for all the departments in four queries."""
    present = guard.present_approvers([day], departments=list(wanted))
    qualified = guard.qualifications(set().union(*present.values()) if present else set(), [day])
    out = {}
    for department, subitem_ids in wanted.items():
        wanted_ids = set(subitem_ids)
        staff_ids = present.get((department.pk, day), set())
        covered = {s: set(qualified.get((s, day), ())) & wanted_ids for s in staff_ids}
        unstaffed = wanted_ids - set().union(*covered.values()) if covered else wanted_ids
        out[department.pk] = (unstaffed, {s for s, subitems in covered.items() if subitems})
    return out


def check_agreement_staffed(agreement) -> None:
    """Handover signing check (rule 8): the receiving department must have a qualified approver in the
    back office, on the first day it implements them, for every sub-item the agreement hands it."""
    day = max(clock.today(), clock.local_date(agreement.effective_at))
    subitem_ids = list(agreement.subitems.values_list("pk", flat=True))
    override = {day: {pk: {agreement.department_id} for pk in subitem_ids}}
    rows = guard.find_gaps([day], departments=[agreement.department], responsible_override=override)
    if rows:
        gaps = guard.as_gaps(rows)
        names = "、".join(f"{g.subitem.code} {g.subitem.name}" for g in gaps)
        raise gap_error(
            gaps,
            message=_(
                "Not signed: %(department)s has no qualified stationed approver on %(date)s for: %(subitems)s. "
                "Station a qualified approver first."
            )
            % {"department": agreement.department.name, "date": day.isoformat(), "subitems": names},
        )


def guide_published(guide) -> None:
    """A new guide version: the implementing department is told its window clerks' training is out of date."""
    from onewindow.catalogue.selectors import implementer

    subitem = guide.subitem
    if not subitem.trainings.exists():
        return
    try:
        department = implementer(subitem)
    except DomainError:
        return
    notify(
        organisation=department,
        kind="staffing.training_outdated",
        title=_("Training on %(code)s %(name)s is out of date")
        % {"code": subitem.code, "name": subitem.name},
        body=_("Version %(version)s of the service guide was published; train the window clerks again.")
        % {"version": guide.version},
        link="/staffing/training/",
        object_type="catalogue.subitem",
        object_id=str(subitem.pk),
    )


# -- tick jobs (idempotent: a warning is sent once per key) -------------------------------------------


def _once(*, region, kind: str, key: str) -> bool:
    """True the first time (kind, key) is seen; the row is the idempotency record."""
    _row, created = StaffingWarning.objects.get_or_create(
        kind=kind, key=key[:120], defaults={"region": region, "sent_at": clock.now()}
    )
    return created


def warn_expiring_certificates() -> str:
    """Certificates expiring within ONEWINDOW_CERTIFICATE_WARNING_DAYS: the holder's department and the
    Data Bureau are told once per certificate and threshold."""
    days = settings.ONEWINDOW_CERTIFICATE_WARNING_DAYS
    sent = 0
    with transaction.atomic():
        for certificate in selectors.expiring_certificates(within_days=days):
            if not _once(
                region=certificate.region,
                kind="certificate_expiry",
                key=f"{certificate.pk}:{days}:{certificate.valid_to}",
            ):
                continue
            title = _("Qualification certificate %(number)s of %(name)s expires on %(date)s") % {
                "number": certificate.number,
                "name": certificate.staff.full_name,
                "date": certificate.valid_to.isoformat(),
            }
            for organisation in {
                certificate.staff.organisation,
                org_selectors.bureau_of(certificate.region),
            } - {None}:
                notify(
                    organisation=organisation,
                    kind="staffing.certificate_expiring",
                    title=title,
                    body=_("Renew it in time, or station another qualified approver."),
                    link="/staffing/qualifications/",
                    object_type="staffing.certificate",
                    object_id=str(certificate.pk),
                )
            sent += 1
    return f"certificate expiry warnings: {sent}"


def report_gaps() -> str:
    """Gaps of the coming working days, each told once per sub-item, department and day."""
    from onewindow.org.models import Region

    told = found = 0
    for region in Region.objects.all():
        try:
            gaps = selectors.gaps(region=region, days=settings.ONEWINDOW_STAFFING_GUARD_DAYS)
        except DomainError as exc:  # e.g. a year without a calendar: say so, change nothing
            return f"staffing gaps: not checked ({exc})"
        found += len(gaps)
        with transaction.atomic():
            for gap in gaps:
                if not _once(
                    region=region, kind="gap", key=f"{gap.subitem.pk}:{gap.department.pk}:{gap.date}"
                ):
                    continue
                title = _("No qualified stationed approver for %(code)s %(name)s on %(date)s") % {
                    "code": gap.subitem.code,
                    "name": gap.subitem.name,
                    "date": gap.date.isoformat(),
                }
                for organisation in {gap.department, org_selectors.bureau_of(region)} - {None}:
                    notify(
                        organisation=organisation,
                        kind="staffing.gap",
                        title=title,
                        link="/staffing/",
                        object_type="catalogue.subitem",
                        object_id=str(gap.subitem.pk),
                    )
                told += 1
    return f"staffing gaps: {found} (newly reported {told})"


def warn_frequent_changes() -> str:
    """Departments whose stationing changes this quarter exceed ONEWINDOW_STAFFING_CHANGES_PER_QUARTER:
    the department and the Data Bureau are told once per quarter."""
    limit = settings.ONEWINDOW_STAFFING_CHANGES_PER_QUARTER
    quarter = selectors.quarter_of(clock.today())
    told = 0
    with transaction.atomic():
        for row in selectors.change_frequency(quarter=quarter):
            if row["changes"] <= limit:
                continue
            department = row["department"]
            if not _once(region=department.region, kind="frequent_changes", key=f"{department.pk}:{quarter}"):
                continue
            title = _(
                "%(department)s changed its stationed staff %(n)s times in %(quarter)s (more than %(limit)s)"
            ) % {
                "department": department.name,
                "n": row["changes"],
                "quarter": quarter,
                "limit": limit,
            }
            for organisation in {department, org_selectors.bureau_of(department.region)} - {None}:
                notify(
                    organisation=organisation,
                    kind="staffing.frequent_changes",
                    title=title,
                    link="/staffing/changes/",
                    object_type="org.organisation",
                    object_id=str(department.pk),
                )
            told += 1
    return f"frequent stationing changes warned: {told}"


# -- certificates ------------------------------------------------------------------------------------


def _subitems(codes, *, field: str = "subitems") -> list:
    from onewindow.catalogue.models import SubItem

    codes = [str(c).strip() for c in (codes or []) if str(c).strip()]
    found = {s.code: s for s in SubItem.objects.filter(code__in=codes)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise InvalidValue(
            _("Unknown sub-items: %(codes)s") % {"codes": ", ".join(unknown)},
            code="staffing.invalid",
            errors={field: [_("Unknown sub-items: %(codes)s") % {"codes": ", ".join(unknown)}]},
        )
    return [found[c] for c in dict.fromkeys(codes)]


def _text(value, *, field: str, label, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidValue(
            _("%(field)s is required.") % {"field": label},
            code="staffing.invalid",
            errors={field: [_("Required.")]},
        )
    if len(value) > max_length:
        raise InvalidValue(
            _("At most %(n)s characters.") % {"n": max_length},
            code="staffing.invalid",
            errors={field: [_("At most %(n)s characters.") % {"n": max_length}]},
        )
    return value


def add_certificate(
    *,
    actor,
    staff: Staff,
    kind: str,
    number: str,
    issuing_body: str,
    valid_from: dt.date,
    valid_to: dt.date,
    subitems=(),
):
    """Record a qualification certificate of a department's staff member and the sub-items it covers."""
    from onewindow.staffing.models import Certificate, CertificateKind

    department = staff.organisation
    _require_manager(actor, department)
    errors = {}
    if kind not in CertificateKind.values:
        errors["kind"] = [_("Choose one of: %(kinds)s") % {"kinds": ", ".join(CertificateKind.values)}]
    if not isinstance(valid_from, dt.date) or not isinstance(valid_to, dt.date):
        errors["valid_to"] = [_("Give both dates.")]
    elif valid_to < valid_from:
        errors["valid_to"] = [_("The certificate cannot expire before it is valid.")]
    if errors:
        raise InvalidValue(_("The certificate was not recorded."), code="staffing.invalid", errors=errors)
    number = _text(number, field="number", label=_("certificate number"), max_length=60)
    issuing_body = _text(issuing_body, field="issuing_body", label=_("issuing body"), max_length=100)
    chosen = _subitems(subitems)
    with transaction.atomic():
        if Certificate.objects.filter(kind=kind, number=number).exists():
            raise Conflict(
                _("A certificate of this kind with number %(number)s is already recorded.")
                % {"number": number},
                code="staffing.certificate_exists",
            )
        certificate = Certificate.objects.create(
            region=department.region,
            staff=staff,
            kind=kind,
            number=number,
            issuing_body=issuing_body,
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=clock.now(),
            created_by=actor,
        )
        certificate.subitems.set(chosen)
        audit.record(
            action="staffing.certificate.add",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            obj=certificate,
            detail={
                "staff": staff.user.username,
                "kind": kind,
                "number": number,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
                "subitems": [s.code for s in chosen],
            },
        )
    return certificate


# -- the roster (schedules) ----------------------------------------------------------------------------


def _check_no_new_gaps(department, days, before) -> None:
    after = set(guard.find_gaps(days, departments=[department]))
    new = sorted(after - before, key=lambda g: g[2])
    if new:
        raise gap_error(guard.as_gaps(new))


def set_roster_day(
    *,
    actor,
    department: Organisation,
    staff: Staff,
    day: dt.date,
    kind: str,
    substitute_for: Staff | None = None,
    note: str = "",
):
    """Put a staff member on duty, on leave, or substituting for someone on one day (replacing that day's
    entry). Refused (422 `staffing.gap`) when it leaves a live sub-item uncovered that day."""
    from onewindow.staffing.models import RosterEntry, RosterKind

    _require_manager(actor, department)
    errors = {}
    if kind not in RosterKind.values:
        errors["kind"] = [_("Choose one of: %(kinds)s") % {"kinds": ", ".join(RosterKind.values)}]
    if staff.organisation_id != department.pk:
        errors["staff"] = [_("Choose a staff member of the department.")]
    if kind == RosterKind.SUBSTITUTE and (
        substitute_for is None or substitute_for.organisation_id != department.pk
    ):
        errors["substitute_for"] = [_("Name the staff member of the department being substituted.")]
    if kind == RosterKind.SUBSTITUTE and substitute_for is not None and substitute_for.pk == staff.pk:
        errors["substitute_for"] = [_("Someone else.")]
    if not isinstance(day, dt.date):
        errors["date"] = [_("Give a date.")]
    if errors:
        raise InvalidValue(_("The schedule was not changed."), code="staffing.invalid", errors=errors)
    note = _text(note, field="note", label=_("note"), max_length=200, required=False)
    if abs((day - clock.today()).days) > 366:
        raise RuleViolation(
            _("Give a day within a year of today."),
            code="staffing.too_far",
            errors={"date": [_("Within a year of today.")]},
        )
    if kind != RosterKind.SUBSTITUTE:
        substitute_for = None
    with transaction.atomic():
        before = set(guard.find_gaps([day], departments=[department]))
        entry, _created = RosterEntry.objects.update_or_create(
            staff=staff,
            day=day,
            defaults={
                "region": department.region,
                "department": department,
                "kind": kind,
                "substitute_for": substitute_for,
                "note": note,
                "recorded_by": actor,
                "recorded_at": clock.now(),
            },
        )
        if kind == RosterKind.SUBSTITUTE:
            # The one substituted is away that day (unless the roster already says why).
            RosterEntry.objects.get_or_create(
                staff=substitute_for,
                day=day,
                defaults={
                    "region": department.region,
                    "department": department,
                    "kind": RosterKind.LEAVE,
                    "note": _("Substituted by %(name)s") % {"name": staff.full_name},
                    "recorded_by": actor,
                    "recorded_at": clock.now(),
                },
            )
        _check_no_new_gaps(department, [day], before)
        audit.record(
            action="staffing.roster.set",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            obj=entry,
            detail={
                "staff": staff.user.username,
                "day": day.isoformat(),
                "kind": kind,
                "substitute_for": substitute_for.user.username if substitute_for else None,
                "note": note,
            },
        )
    return entry


def plan_rotation(
    *, actor, department: Organisation, staff: list[Staff], start: dt.date, end: dt.date, per_day: int = 1
) -> int:
    """A rotation: on each working day of [start, end] the next `per_day` of `staff` (in turn) are on duty.
    Leave and substitute entries already recorded stay; returns how many duty days were written."""
    from onewindow.staffing.models import RosterEntry, RosterKind
    from onewindow.workdays import arithmetic

    _require_manager(actor, department)
    errors = {}
    if not staff:
        errors["staff"] = [_("Choose at least one staff member.")]
    elif any(s.organisation_id != department.pk for s in staff):
        errors["staff"] = [_("Choose a staff member of the department.")]
    if not isinstance(start, dt.date) or not isinstance(end, dt.date) or end < start:
        errors["to"] = [_("The end cannot be before the start.")]
    elif abs((start - clock.today()).days) > 366:
        errors["from"] = [_("Within a year of today.")]
    elif (end - start).days > 92:
        errors["to"] = [_("Plan at most one quarter at a time.")]
    if not 1 <= per_day <= max(1, len(staff)):
        errors["per_day"] = [_("Between 1 and the number of staff chosen.")]
    if errors:
        raise InvalidValue(_("The rotation was not planned."), code="staffing.invalid", errors=errors)
    days = []
    day = start
    while day <= end:
        if arithmetic.is_workday(day, region=department.region):
            days.append(day)
        day += dt.timedelta(days=1)
    written = 0
    with transaction.atomic():
        before = set(guard.find_gaps(days, departments=[department]))
        kept = set(
            RosterEntry.objects.filter(staff__in=staff, day__in=days)
            .exclude(kind=RosterKind.DUTY)
            .values_list("staff_id", "day")
        )
        RosterEntry.objects.filter(staff__in=staff, day__in=days, kind=RosterKind.DUTY).delete()
        turn = 0
        now = clock.now()
        for day in days:
            for _n in range(per_day):
                person = staff[turn % len(staff)]
                turn += 1
                if (person.pk, day) in kept:
                    continue
                RosterEntry.objects.create(
                    region=department.region,
                    department=department,
                    staff=person,
                    day=day,
                    kind=RosterKind.DUTY,
                    recorded_by=actor,
                    recorded_at=now,
                )
                written += 1
        _check_no_new_gaps(department, days, before)
        audit.record(
            action="staffing.roster.rotation",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            object_type="org.organisation",
            object_id=str(department.pk),
            detail={
                "staff": [s.user.username for s in staff],
                "from": start.isoformat(),
                "to": end.isoformat(),
                "per_day": per_day,
                "written": written,
            },
        )
    return written


# -- training ----------------------------------------------------------------------------------------


def record_training(
    *,
    actor,
    department: Organisation,
    day: dt.date,
    trainer: str,
    subitems=(),
    attendees: list[Staff] = (),
    topic: str = "",
):
    """A department trained window clerks on some of the sub-items it implements or is sent."""
    from onewindow.catalogue.models import Assignment
    from onewindow.staffing.models import TrainingSession

    _require_manager(actor, department)
    trainer = _text(trainer, field="trainer", label=_("trainer"), max_length=60)
    topic = _text(topic, field="topic", label=_("topic"), max_length=200, required=False)
    chosen = _subitems(subitems)
    errors = {}
    if not isinstance(day, dt.date):
        errors["date"] = [_("Give a date.")]
    elif day > clock.today():
        errors["date"] = [_("A training is recorded once it took place.")]
    if not chosen:
        errors["subitems"] = [_("Choose at least one sub-item.")]
    implemented = set(Assignment.objects.filter(organisation=department).values_list("subitem_id", flat=True))
    foreign = [s.code for s in chosen if s.target_department_id != department.pk and s.pk not in implemented]
    if foreign:
        errors["subitems"] = [
            _("Not sub-items of %(department)s: %(codes)s")
            % {"department": department.name, "codes": ", ".join(foreign)}
        ]
    attendees = list(attendees)
    if not attendees:
        errors["attendees"] = [_("Name at least one window clerk.")]
    elif any(not r.has_role(a.user, r.WINDOW_CLERK) for a in attendees):
        errors["attendees"] = [_("Attendees are window clerks.")]
    if errors:
        raise InvalidValue(_("The training was not recorded."), code="staffing.invalid", errors=errors)
    with transaction.atomic():
        session = TrainingSession.objects.create(
            region=department.region,
            department=department,
            day=day,
            trainer=trainer,
            topic=topic,
            recorded_by=actor,
            recorded_at=clock.now(),
        )
        session.subitems.set(chosen)
        session.attendees.set(attendees)
        audit.record(
            action="staffing.training.record",
            actor=actor,
            **audit_context(actor, organisation=department.code, region=department.region.code),
            role=_role(actor),
            obj=session,
            detail={
                "day": day.isoformat(),
                "trainer": trainer,
                "subitems": [s.code for s in chosen],
                "attendees": [a.user.username for a in attendees],
            },
        )
    return session


# -- daily evaluation (日常考评) ------------------------------------------------------------------------

EVALUATION_FIELDS = ("attendance", "discipline", "conduct", "feedback")
EVALUATION_NOTES = ("attendance_note", "discipline_note", "conduct_note", "feedback_note")


def record_day_evaluations(*, actor, day: dt.date, entries: list[dict]) -> int:
    """The supervisor's log of a whole day's roster in one go: each entry {staff (username), attendance,
    discipline, conduct, feedback, *_note}. All-or-nothing: a bad row refuses the day, naming the row."""
    from onewindow.staffing.models import Attendance, Conduct, DailyEvaluation, Discipline, Feedback

    if not selectors.is_supervisor(actor):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor keeps the daily evaluation."), code="staffing.forbidden"
        )
    region = actor.staff.organisation.region
    if not isinstance(day, dt.date):
        raise InvalidValue(_("Give a date."), code="staffing.invalid", errors={"date": [_("Give a date.")]})
    if day > clock.today():
        raise RuleViolation(
            _("A day is evaluated once it has begun."),
            code="staffing.future",
            errors={"date": [_("Today or earlier.")]},
        )
    choices = {
        "attendance": Attendance.values,
        "discipline": Discipline.values,
        "conduct": Conduct.values,
        "feedback": Feedback.values,
    }
    roster = {p["staff"].user.username: p for p in selectors.evaluation_roster(region=region, day=day)}
    errors: dict[str, list[str]] = {}
    rows = []
    seen = set()
    for n, entry in enumerate(entries or [], start=1):
        username = str(entry.get("staff") or "").strip()
        problems = []
        person = roster.get(username)
        if person is None:
            problems.append(
                _("%(username)s is neither a window clerk nor stationed that day.") % {"username": username}
            )
        if username in seen:
            problems.append(_("%(username)s appears twice.") % {"username": username})
        seen.add(username)
        for field, allowed in choices.items():
            if entry.get(field) not in allowed:
                problems.append(
                    _("%(field)s: choose one of %(values)s") % {"field": field, "values": ", ".join(allowed)}
                )
        for field in EVALUATION_NOTES:
            if len(str(entry.get(field) or "")) > 200:
                problems.append(_("%(field)s: at most 200 characters.") % {"field": field})
        if problems:
            errors[f"entries[{n}]"] = problems
        else:
            rows.append((person, entry))
    if not entries:
        errors["entries"] = [_("Give at least one person's day.")]
    if errors:
        raise InvalidValue(
            _("Nothing was saved: correct the rows named."), code="staffing.invalid", errors=errors
        )
    now = clock.now()
    with transaction.atomic():
        for person, entry in rows:
            DailyEvaluation.objects.update_or_create(
                staff=person["staff"],
                day=day,
                defaults={
                    "region": region,
                    "subject_kind": person["subject_kind"],
                    **{f: entry[f] for f in EVALUATION_FIELDS},
                    **{f: str(entry.get(f) or "").strip() for f in EVALUATION_NOTES},
                    "recorded_by": actor,
                    "recorded_at": now,
                },
            )
        audit.record(
            action="staffing.evaluation.day",
            actor=actor,
            **audit_context(actor),
            role=r.SUPERVISOR,
            object_type="staffing.dailyevaluation",
            object_id=day.isoformat(),
            detail={"day": day.isoformat(), "staff": [p["staff"].user.username for p, _e in rows]},
        )
    return len(rows)
