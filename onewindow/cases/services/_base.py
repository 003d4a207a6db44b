"""What every write on a case shares: who acts, the row lock and the check before an action, the event,
the audit entry and the version bump, numbers from the counters."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, CharField
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from onewindow.cases import hooks
from onewindow.cases import transitions as t
from onewindow.cases.models import (
    Case,
    CaseEvent,
    CaseSerial,
    CaseStatus,
    Closure,
    Extension,
    Result,
    Suspension,
    visible_row,
)
from onewindow.cases.selectors import EVENT_COLUMNS, RESULT_COLUMNS, attach_reference_data, result_of_locked
from onewindow.catalogue.selectors import cached_implementer
from onewindow.core import audit, clock, prepared, stamps
from onewindow.core.errors import Conflict, InvalidInput, InvalidValue, NotFound, RuleViolation
from onewindow.core.models import AuditEntry
from onewindow.core.prepared import Insert, Prepared, gathering
from onewindow.core.validators import TEXT_MAX, clean_text
from onewindow.org.selectors import audit_context, cached_organisation

SYSTEM = "system"


def _staff(actor):
    return getattr(actor, "staff", None) if actor is not None else None


def _organisation(actor):
    staff = _staff(actor)
    return staff.organisation if staff is not None else None


def _new_event(case: Case, *, action: str, actor, role: str, comment: str = "", data=None, organisation=None):
    """An event of `case` as of now, not yet written."""
    staff = _staff(actor)
    return CaseEvent(
        case=case,
        at=clock.now(),
        action=action,
        actor=actor,
        actor_name=getattr(actor, "username", None) or SYSTEM,
        actor_full_name=staff.full_name if staff is not None else "",
        role=role,
        organisation=organisation or (staff.organisation if staff is not None else None),
        comment=comment or "",
        status_after=case.status,
        data=json.loads(json.dumps(data or {}, ensure_ascii=False, default=str)),
    )


# Events are append-only (CaseEvent.save refuses an update): a new row is all this path writes.
_INSERT_EVENT = Insert(CaseEvent)


def _write_events(
    case: Case,
    events: list[CaseEvent],
    *,
    audited: AuditEntry | None = None,
    update: tuple[str, list] | None = None,
) -> list[CaseEvent]:
    """Write the case row's `update` (`_update_of`), `events` and the action's audit entry (`_audit_entry`),
    and tell the case-event listeners of each event, in order, what they write joining the same writes
    (core.prepared.gathering): on PostgreSQL all of it one statement, elsewhere one after another. The
    listeners run before the writes are sent: an event's id is known after (a listener's new row refers
    to the event object, core.prepared.add)."""
    with gathering() as writes:
        if update is not None:
            writes.execute(*update)
        for event in events:
            writes.insert(_INSERT_EVENT, event)
        if audited is not None:
            writes.insert(audit.INSERT, audited)
        case.__dict__.setdefault("_new_events", []).extend(events)
        for event in events:
            for listener in hooks.on_case_event:
                listener(case, event)
            case.__dict__.pop("_row_before", None)  # it described the first event's change only
    return events


def _event(case: Case, *, action: str, actor, role: str, comment: str = "", data=None, organisation=None):
    event = _new_event(
        case, action=action, actor=actor, role=role, comment=comment, data=data, organisation=organisation
    )
    return _write_events(case, [event])[0]


def _audit_entry(case: Case, *, action: str, actor, role: str, detail: dict | None = None) -> AuditEntry:
    """The audit entry of an action on `case`, not yet written (`_write_events` writes it with the event)."""
    organisation = _organisation(actor)
    return audit.entry(
        action=f"cases.{action}",
        actor=actor,
        **audit_context(
            actor, organisation=organisation.code if organisation else "", region=case.region.code
        ),
        role=role,
        obj=case,
        object_id=case.number,
        detail={"number": case.number, "status": case.status, "version": case.version, **(detail or {})},
    )


def _audit(case: Case, *, action: str, actor, role: str, detail: dict | None = None) -> None:
    audit.INSERT(_audit_entry(case, action=action, actor=actor, role=role, detail=detail))


def _next_serial(region, scope: str, key: str) -> int:
    """Draw the next number of (region, scope, key) under a row lock: unique under any concurrency."""
    # One statement takes the row's lock and draws the number (RETURNING: PostgreSQL, SQLite ≥ 3.35).
    table = connection.ops.quote_name(CaseSerial._meta.db_table)
    with connection.cursor() as cursor:
        prepared.execute(
            cursor,
            f'UPDATE {table} SET "last" = "last" + 1 WHERE "region_id" = %s AND "scope" = %s AND "key" = %s '
            'RETURNING "last"',
            [region.pk, scope, key],
        )
        drawn = cursor.fetchone()
    if drawn is not None:
        return drawn[0]
    try:  # the first number of the day (or year)
        with transaction.atomic():
            CaseSerial.objects.create(region=region, scope=scope, key=key, last=0)
    except IntegrityError:
        pass  # another transaction created it first; lock theirs
    row = CaseSerial.objects.select_for_update().get(region=region, scope=scope, key=key)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def case_number(region, day: dt.date, serial: int) -> str:
    """Region code + YYYYMMDD + 5-digit serial of that day, e.g. 2103002024092700001."""
    return f"{region.code}{day:%Y%m%d}{serial:05d}"


def _required(value, field: str, message, *, max_length: int = TEXT_MAX) -> str:
    """A required free text (a reason, a message): not blank, bounded, printable."""
    return clean_text(
        value, field=field, max_length=max_length, required=True, required_message=message, prefix="case."
    )


def _optional(value, field: str, *, max_length: int = TEXT_MAX, multiline: bool = True) -> str:
    """An optional free text: blank is "", else bounded and printable like a required one."""
    return clean_text(value, field=field, max_length=max_length, multiline=multiline, prefix="case.")


def _missing_field(name: str):
    message = _("This field is required.")
    raise InvalidInput(message, code="case.missing_field", errors={name: [message]})


def _save(case: Case, *, action: str, actor, role: str, comment: str = "", data=None, organisation=None):
    """Bump the version, save, write the event and the audit entry (inside the caller's transaction)."""
    case.version += 1
    case.updated_at = clock.now()
    loaded = getattr(case, "_loaded", None)
    update = None
    if loaded is None:
        case.save()
    else:  # only the columns the action changed (the row was read whole by _lock), with the event
        update = _update_of(
            case, [name for name, attname in _COLUMNS if getattr(case, attname) != loaded[name]]
        )
        case._loaded = _column_values(case)
    case.__dict__["_row_before"] = loaded  # for the listeners (hooks.row_before), until the event is written
    event = _new_event(
        case, action=action, actor=actor, role=role, comment=comment, data=data, organisation=organisation
    )
    entry = _audit_entry(
        case, action=action, actor=actor, role=role, detail={"comment": comment[:200], **(data or {})}
    )
    _write_events(case, [event], audited=entry, update=update)
    return case


def _update_of(case: Case, names: list[str]) -> tuple[str, list]:
    """The UPDATE of the locked case row's `names` columns, as `case.save(update_fields=names)` would
    write them (each field's pre_save and database value), not yet run."""
    fields = [Case._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    params = [f.get_db_prep_save(f.pre_save(case, False), connection) for f in fields]
    table = quote(Case._meta.db_table)
    return f"UPDATE {table} SET {assignments} WHERE {quote(Case._meta.pk.column)} = %s", [*params, case.pk]


def _clean_codes(codes, field: str, known: set[str]) -> list[str]:
    if codes is None:
        return []
    if isinstance(codes, str) or not isinstance(codes, Iterable):
        raise InvalidInput(
            _("A list of material codes is expected."), code="case.invalid_materials", errors={field: []}
        )
    cleaned = []
    for code in codes:
        code = str(code).strip()
        if code and code not in cleaned:
            cleaned.append(code)
    unknown = [c for c in cleaned if c not in known]
    if unknown:
        message = _("Not materials of this service guide: %(codes)s") % {"codes": ", ".join(unknown)}
        raise InvalidValue(message, code="case.unknown_materials", errors={field: [message]})
    return cleaned


def _missing(guide, received: Iterable[str]) -> list[str]:
    """Required materials of the pinned guide not received: the one complete list (一次性告知)."""
    received = set(received)
    return [m.code for m in guide.materials.all() if m.required and m.code not in received]


@functools.cache
def _lock_columns() -> dict:
    """What the lock reads besides the row, as SQL text (an ORM subquery costs more Python to compile,
    on every action, than the statement takes to run)."""
    case = f'"{Case._meta.db_table}"'
    user = get_user_model()._meta.db_table
    return {
        "_has_suspensions": RawSQL(
            f'EXISTS (SELECT 1 FROM "{Suspension._meta.db_table}" s WHERE s.case_id = {case}."id")',
            [],
            output_field=BooleanField(),
        ),
        "_has_extensions": RawSQL(
            f'EXISTS (SELECT 1 FROM "{Extension._meta.db_table}" e WHERE e.case_id = {case}."id")',
            [],
            output_field=BooleanField(),
        ),
        "_claimed_by_username": RawSQL(
            f'SELECT u.username FROM "{user}" u WHERE u.id = {case}."claimed_by_id"',
            [],
            output_field=CharField(),
        ),
        # The case's events so far, for the action's answer (cases.selectors.events_of_locked): every
        # writer of events holds this row's lock, so these and the action's own are all of them.
        "_events_json": RawSQL(_events_sql(case), [], output_field=CharField()),
        # The case's result (what the answer shows of it, not its content), if it has one: issuing
        # stamps it without reading it again (cases.selectors.result_of_locked).
        "_result_json": RawSQL(_result_sql(case), [], output_field=CharField()),
    }


def _events_sql(case: str) -> str:
    """A case's events as one JSON array of arrays (EVENT_COLUMNS), in SQL text on either engine."""
    table = f'"{CaseEvent._meta.db_table}"'
    columns = ", ".join(f'e."{c}"' for c in EVENT_COLUMNS)
    if connection.vendor == "postgresql":
        return (
            f'SELECT json_agg(json_build_array({columns}))::text FROM {table} e WHERE e.case_id = {case}."id"'
        )
    return f'SELECT json_group_array(json_array({columns})) FROM {table} e WHERE e.case_id = {case}."id"'


def _result_sql(case: str) -> str:
    """The case's result as one JSON array (RESULT_COLUMNS), NULL when it has none, in SQL on either engine."""
    table = f'"{Result._meta.db_table}"'
    columns = ", ".join(f'r."{c}"' for c in RESULT_COLUMNS)
    array = "json_build_array" if connection.vendor == "postgresql" else "json_array"
    cast = "::text" if connection.vendor == "postgresql" else ""
    return f'SELECT {array}({columns}){cast} FROM {table} r WHERE r.case_id = {case}."id"'


# Compiled once per process (core.prepared): the statement never changes, only the number.
_LOCK = Prepared(
    lambda number: (
        Case.objects.select_for_update(of=("self",))
        .annotate(_stamp=stamps.subquery(), **_lock_columns())
        .filter(number=number)
        .order_by()[:1]
    ),
    number=str,
)


def _lock(actor, case) -> Case:
    """The case within the actor's scope (else 404), locked for the rest of the transaction.

    One statement: the bare row `FOR UPDATE` (no join), with core.stamps' stamp and whether the case has
    any suspension or extension. The scope is checked on the locked row (cases.models.visible_row), its
    region, sub-item, guide and organisations come from the process caches the stamp just validated.
    """
    number = case.number if isinstance(case, Case) else str(case)
    locked = _LOCK.first(number=number)
    if locked is None:
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    stamps.observe(locked._stamp)
    if locked.decided_department_id:
        department_id = locked.decided_department_id
    else:
        try:
            department_id = cached_implementer(locked.subitem_id).pk
        except RuleViolation:
            department_id = None
    if not visible_row(locked, actor, department_id):
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    attach_reference_data(locked)
    if locked.claimed_by_id:  # who holds it, for the answer (its username came with the lock)
        Case.claimed_by.field.set_cached_value(
            locked,
            get_user_model().from_db(
                "default", ["id", "username"], [locked.claimed_by_id, locked._claimed_by_username]
            ),
        )
    result = result_of_locked(locked)
    if result is not None:
        Case.result.related.set_cached_value(locked, result)
    locked.department_id_now = department_id
    locked.department_now = cached_organisation(department_id) if department_id is not None else None
    # No suspension or extension: the clock and the answer need not ask (an action adding one forgets this).
    none = {}
    if not locked._has_suspensions:
        none["suspensions"] = _known_empty(Suspension)
    if not locked._has_extensions:
        none["extensions"] = _known_empty(Extension)
    locked._prefetched_objects_cache = none
    locked._loaded = _column_values(locked)
    return locked


def _known_empty(model):
    """An empty queryset already evaluated, as prefetching leaves it (reading it costs nothing)."""
    empty = model.objects.none()
    empty._result_cache = []
    empty._prefetch_done = True
    return empty


def forget_prefetched(case: Case, name: str) -> None:
    """The action just added a suspension or an extension: read them again when asked."""
    getattr(case, "_prefetched_objects_cache", {}).pop(name, None)


_COLUMNS = [(f.name, f.attname) for f in Case._meta.concrete_fields if not f.primary_key]


def _column_values(case: Case) -> dict:
    """The row as read, to UPDATE only what an action changes (lists and dicts copied: changed in place)."""
    values = {}
    for name, attname in _COLUMNS:
        value = getattr(case, attname)
        values[name] = copy.copy(value) if isinstance(value, list | dict) else value
    return values


def _begin(actor, case, action: str, version) -> tuple[Case, str, t.Transition]:
    """The case locked in the actor's scope (404), the role the actor takes `action` in and its transition
    (403/409: cases.transitions.check, the same check the case page's buttons come from), then the
    version (409)."""
    locked = _lock(actor, case)
    role, transition = t.check(locked, action, actor, department_id=locked.department_id_now)
    if version is None or int(version) != locked.version:
        raise Conflict(
            _("The case changed meanwhile (version %(current)s, you sent %(sent)s); reload it and try again.")
            % {"current": locked.version, "sent": version},
            code="case.stale_version",
        )
    return locked, role, transition


def _close_open_suspension(case: Case, *, actor, outcome: str) -> Suspension | None:
    open_one = case.suspensions.select_for_update().filter(ended_at__isnull=True).first()
    if open_one is not None:
        now = clock.now()
        open_one.ended_at = now
        open_one.ended_on = clock.local_date(now)
        open_one.ended_by = actor
        open_one.outcome = outcome
        open_one.save()
    return open_one


def _end(
    case: Case, *, status: str, closure: str, actor, role: str, action: str, reason: str, data=None
) -> Case:
    if case.status == CaseStatus.SUSPENDED:
        _close_open_suspension(case, actor=actor, outcome=reason or Closure(closure).label)
    case.status = status
    case.closure = closure
    case.ended_at = clock.now()
    return _save(case, action=action, actor=actor, role=role, comment=reason, data=data)
