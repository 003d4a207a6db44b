"""Every write of supervision: reminders (催办) on a case or a whole department, their acknowledgment and
escalation, the warnings of `onewindow tick`, and supervision orders (督办). One transaction each, with
the permission check and the audit entry; cases are read through cases.selectors and written only
through cases' public side-event service (the case's timeline shows reminders and orders)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors as case_selectors
from onewindow.cases import services as case_services
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from onewindow.core.scoping import not_found
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org import services as org_services
from onewindow.org.models import Organisation, OrganisationKind
from onewindow.org.selectors import audit_context
from onewindow.supervision import hours
from onewindow.supervision.models import (
    CaseWarning,
    OrderStatus,
    Reminder,
    SupervisionOrder,
    WarningKind,
    WarningLevel,
)
from onewindow.supervision.selectors import primary_key
from onewindow.workdays import arithmetic
from onewindow.workdays.errors import CalendarMissing

logger = logging.getLogger(__name__)

MAX_TEXT = 2000  # a reminder, reply or explanation: a paragraph, not a file
ACKNOWLEDGING_ROLES = (r.DEPARTMENT_HEAD, r.APPROVER)


# --------------------------------------------------------------------------------------------------
# Shared bits
# --------------------------------------------------------------------------------------------------


def _text(value, field: str, message) -> str:
    value = str(value or "").strip()
    if not value:
        raise InvalidInput(message, code=f"supervision.{field}_required", errors={field: [message]})
    if len(value) > MAX_TEXT:
        too_long = _("At most %(n)d characters.") % {"n": MAX_TEXT}
        raise InvalidInput(too_long, code="supervision.too_long", errors={field: [too_long]})
    return value


def _staff_org(actor):
    staff = getattr(actor, "staff", None)
    return staff.organisation if staff is not None else None


def _audit(action: str, *, actor, role: str, obj, region_code: str, detail: dict) -> None:
    audit.record(
        action=f"supervision.{action}",
        actor=actor,
        role=role,
        **audit_context(actor, region=region_code),
        obj=obj,
        detail=detail,
    )


def _require_supervisor(actor, message) -> str:
    if not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(message, code="supervision.role_forbidden")
    return r.SUPERVISOR


# --------------------------------------------------------------------------------------------------
# Reminders (催办)
# --------------------------------------------------------------------------------------------------


def remind(*, actor, case, message: str) -> Reminder:
    """The supervisor urges the department working a case (催办): kept, posted to the department's inbox,
    shown on the case's timeline. Does not bump the case's version: a reminder must not make the
    approver's next action stale."""
    message = _text(message, "message", _("A message is required."))
    with transaction.atomic():
        locked, role = case_services.begin_side_action(actor=actor, case=case, action=case_services.REMIND)
        department = case_selectors.department_of(locked)
        reminder = Reminder.objects.create(
            region_id=locked.region_id,
            case=locked,
            department=department,
            message=message,
            by=actor,
            at=clock.now(),
        )
        if department is not None:
            org_services.notify(
                organisation=department,
                kind="cases.reminder",
                title=_("Reminder on case %(number)s") % {"number": locked.number},
                body=message,
                link=f"/cases/{locked.number}/",
                object_type="supervision.reminder",
                object_id=reminder.pk,
                at=reminder.at,
            )
        case_services.record_side_event(
            case=locked,
            action=case_services.REMIND,
            actor=actor,
            role=role,
            comment=message,
            data={"department": department.code if department else None, "reminder": reminder.pk},
            audit_detail={"reminder": reminder.pk},
        )
    return reminder


def _department_in_region(actor, department) -> Organisation:
    """A receiving department of the actor's region by code (404 otherwise)."""
    if isinstance(department, Organisation):
        department = department.code
    organisation = (
        Organisation.objects.filter(
            code=str(department or "").strip(),
            region_id=actor.staff.organisation.region_id,
            kind__in=[OrganisationKind.INTERNAL, OrganisationKind.RESIDENT],
        )
        .select_related("region")
        .first()
    )
    if organisation is None:
        raise not_found()
    return organisation


def late_cases(department: Organisation, *, today: dt.date | None = None) -> list[str]:
    """Numbers of the department's open cases at `warning` or `overdue` today (the one clock's levels)."""
    today = today or clock.today()
    late = case_selectors.level_condition(case_clock.WARNING, today=today) | case_selectors.level_condition(
        case_clock.OVERDUE, today=today
    )
    qs = case_selectors.open_cases(region=department.region_id).of_department(department).filter(late)
    return list(qs.order_by("due_date", "number").values_list("number", flat=True))


def remind_department(*, actor, department, message: str) -> Reminder:
    """The supervisor urges a department about all its late (warning and overdue) cases at once: one
    reminder listing them, posted to the department's inbox, and on each case's timeline (the approver
    opening the case sees it was urged). 422 when it has none."""
    if getattr(actor, "staff", None) is None:
        raise not_found()
    organisation = _department_in_region(actor, department)
    role = _require_supervisor(actor, _("Only the supervisor sends reminders."))
    message = _text(message, "message", _("A message is required."))
    with transaction.atomic():
        numbers = late_cases(organisation)
        if not numbers:
            raise RuleViolation(
                _("%(name)s has no case near or past its limit.") % {"name": organisation.name},
                code="supervision.no_late_cases",
            )
        reminder = Reminder.objects.create(
            region_id=organisation.region_id,
            case=None,
            department=organisation,
            message=message,
            late_cases=numbers,
            by=actor,
            at=clock.now(),
        )
        org_services.notify(
            organisation=organisation,
            kind="supervision.reminder",
            title=_("Reminder on %(n)d cases near or past their limit") % {"n": len(numbers)},
            body=message,
            link="/supervision/reminders/",
            object_type="supervision.reminder",
            object_id=reminder.pk,
            at=reminder.at,
        )
        _audit(
            "remind_department",
            actor=actor,
            role=role,
            obj=reminder,
            region_code=organisation.region.code,
            detail={"department": organisation.code, "cases": numbers},
        )
        # Each case's timeline and trail; locked in number order like every multi-case writer. A case
        # that left the late set since the count above is simply not marked.
        cases = case_selectors.open_cases(region=organisation.region_id).filter(number__in=numbers)
        for case in cases.order_by("number"):
            try:
                locked, case_role = case_services.begin_side_action(
                    actor=actor, case=case, action=case_services.REMIND
                )
            except (Conflict, NotFound):
                continue
            case_services.record_side_event(
                case=locked,
                action=case_services.REMIND,
                actor=actor,
                role=case_role,
                comment=message,
                data={"department": organisation.code, "reminder": reminder.pk, "department_wide": True},
                audit_detail={"reminder": reminder.pk},
            )
    return reminder


def acknowledge(*, actor, reminder, reply: str, promised_by: dt.date | None = None) -> Reminder:
    """The department's head or an approver answers a reminder: what will be done, by when. The delay
    since sending, in working hours, is kept for the assessment. Twice is 409; another department's
    reminder is 404; an empty reply is 400; a date in the past is 422."""
    from onewindow.core.scoping import in_scope

    with transaction.atomic():
        pk = reminder.pk if isinstance(reminder, Reminder) else reminder
        try:
            locked = (
                in_scope(Reminder.objects.select_for_update(of=("self",)), actor)
                .select_related("region", "case", "department")
                .get(pk=primary_key(pk))
            )
        except Reminder.DoesNotExist:
            raise not_found() from None
        mine = [role for role in ACKNOWLEDGING_ROLES if r.has_role(actor, role)]
        organisation = _staff_org(actor)
        if not mine or organisation is None or organisation.pk != locked.department_id:
            raise PermissionDenied(
                _("Only the reminded department's head or an approver acknowledges a reminder."),
                code="supervision.role_forbidden",
            )
        if locked.acknowledged_at is not None:
            raise Conflict(_("This reminder has already been acknowledged."), code="supervision.acknowledged")
        reply = _text(reply, "reply", _("A reply is required: what will be done, by when."))
        now = clock.now()
        if promised_by is not None and promised_by < clock.local_date(now):
            message = _("The date cannot be in the past.")
            raise RuleViolation(
                message, code="supervision.promised_in_past", errors={"promised_by": [message]}
            )
        locked.acknowledged_at = now
        locked.acknowledged_by = actor
        locked.reply = reply
        locked.promised_by = promised_by
        locked.delay_minutes = hours.working_minutes(locked.at, now, region=locked.region)
        locked.save(
            update_fields=["acknowledged_at", "acknowledged_by", "reply", "promised_by", "delay_minutes"]
        )
        _audit(
            "acknowledge",
            actor=actor,
            role=mine[0],
            obj=locked,
            region_code=locked.region.code,
            detail={
                "case": locked.case.number if locked.case_id else None,
                "delay_minutes": locked.delay_minutes,
                "promised_by": promised_by,
            },
        )
    return locked


def escalate_unacknowledged(*, now: dt.datetime | None = None) -> list[int]:
    """`onewindow tick`: reminders unacknowledged for more than ONEWINDOW_REMINDER_ESCALATION_HOURS working
    hours escalate, once, to the supervisor's board and the Data Bureau's inbox. A conditional update
    decides which of two ticks running at once posts the notification."""
    now = now or clock.now()
    limit = int(settings.ONEWINDOW_REMINDER_ESCALATION_HOURS) * 60
    # Working hours never outrun wall-clock hours: older than the limit is a necessary condition.
    candidates = Reminder.objects.filter(
        acknowledged_at__isnull=True,
        escalated_at__isnull=True,
        at__lte=now - dt.timedelta(minutes=limit),
    ).select_related("region", "case", "department")
    escalated = []
    for reminder in candidates.iterator(chunk_size=200):
        waited = hours.working_minutes(reminder.at, now, region=reminder.region)
        if waited <= limit:
            continue
        with transaction.atomic():
            won = Reminder.objects.filter(
                pk=reminder.pk, acknowledged_at__isnull=True, escalated_at__isnull=True
            ).update(escalated_at=now)
            if not won:
                continue
            bureau = org_selectors.bureau_of(reminder.region)
            subject = reminder.case.number if reminder.case_id else reminder.department.name
            if bureau is not None:
                org_services.notify(
                    organisation=bureau,
                    kind="supervision.escalation",
                    title=_("Reminder not acknowledged after %(hours)d working hours: %(subject)s")
                    % {"hours": limit // 60, "subject": subject},
                    body=reminder.message,
                    link="/supervision/board/",
                    object_type="supervision.reminder",
                    object_id=reminder.pk,
                    at=now,
                )
            audit.record(
                action="supervision.escalate",
                region=reminder.region.code,
                obj=reminder,
                detail={"waited_minutes": waited, "department": getattr(reminder.department, "code", None)},
            )
            escalated.append(reminder.pk)
    return escalated


# --------------------------------------------------------------------------------------------------
# Automatic warnings (onewindow tick)
# --------------------------------------------------------------------------------------------------


def _warning_title(kind: str, level: str, number: str, due: dt.date) -> str:
    titles = {
        (WarningKind.HANDLING, WarningLevel.WARNING): _(
            "Case %(number)s is near its time limit (due %(due)s)"
        ),
        (WarningKind.HANDLING, WarningLevel.OVERDUE): _(
            "Case %(number)s is past its time limit (due %(due)s)"
        ),
        (WarningKind.ISSUANCE, WarningLevel.WARNING): _(
            "Result of case %(number)s must be issued by %(due)s (art. 44)"
        ),
        (WarningKind.ISSUANCE, WarningLevel.OVERDUE): _(
            "Result of case %(number)s not issued by %(due)s (art. 44)"
        ),
    }
    return titles[(kind, level)] % {"number": number, "due": due.isoformat()}


def raise_warnings(*, today: dt.date | None = None) -> int:
    """`onewindow tick`: each open case's warning once per level (warning, then overdue) to its working
    department, and the art. 44 issuance warning to the issuing window (the bureau). The unique
    constraint (case, kind, level) makes it once, also when two ticks run at once: the one whose insert
    loses posts nothing. Returns how many warnings this run raised."""
    today = today or clock.today()
    raised = 0
    for level in (WarningLevel.WARNING, WarningLevel.OVERDUE):
        handling = (
            case_selectors.open_cases()
            .filter(case_selectors.level_condition(level, today=today))
            .exclude(
                pk__in=CaseWarning.objects.filter(kind=WarningKind.HANDLING, level=level).values("case_id")
            )
            .filter(department_id_now__isnull=False)
            .values_list("pk", "number", "region_id", "department_id_now", "due_date")
        )
        for pk, number, region_id, department_id, due in handling.iterator(chunk_size=500):
            raised += _raise(WarningKind.HANDLING, level, pk, number, region_id, department_id, due)
        issuance = (
            case_selectors.awaiting_issuance()
            .filter(case_selectors.issuance_level_condition(level, today=today))
            .exclude(
                pk__in=CaseWarning.objects.filter(kind=WarningKind.ISSUANCE, level=level).values("case_id")
            )
            .values_list("pk", "number", "region_id", "issue_due_date")
        )
        bureaus = {}
        for pk, number, region_id, due in issuance.iterator(chunk_size=500):
            if region_id not in bureaus:
                bureau = org_selectors.bureau_of(region_id)
                bureaus[region_id] = bureau.pk if bureau else None
            if bureaus[region_id] is not None:
                raised += _raise(WarningKind.ISSUANCE, level, pk, number, region_id, bureaus[region_id], due)
    return raised


def _raise(kind, level, case_id, number, region_id, organisation_id, due) -> int:
    now = clock.now()
    try:
        with transaction.atomic():
            warning = CaseWarning.objects.create(
                region_id=region_id,
                case_id=case_id,
                kind=kind,
                level=level,
                department_id=organisation_id,
                due_date=due,
                raised_at=now,
            )
            org_services.notify(
                organisation=org_selectors.cached_organisation(organisation_id),
                kind=f"supervision.{kind}_{level}",
                title=_warning_title(kind, level, number, due),
                link=f"/cases/{number}/",
                object_type="cases.case",
                object_id=number,
                at=now,
            )
    except IntegrityError:
        return 0  # another tick raised it first
    logger.info("warning %s/%s raised for case %s", kind, level, number)
    return 1 if warning.pk else 0


# --------------------------------------------------------------------------------------------------
# Supervision orders (督办)
# --------------------------------------------------------------------------------------------------


def _order_number(year: int, serial: int) -> str:
    return f"督办〔{year}〕{serial}号"


def _explanation_due(today: dt.date, region) -> dt.date:
    days = int(settings.ONEWINDOW_ORDER_EXPLANATION_DAYS)
    try:
        return arithmetic.add_workdays(today, days, region=region)
    except CalendarMissing as exc:
        raise RuleViolation(str(exc), code="calendar.missing") from exc


def issue_order(*, actor, case, reason: str) -> SupervisionOrder:
    """The supervisor escalates an overdue open case to a numbered supervision order (督办) with a deadline
    for the department's written explanation. 404 outside scope, 403 for another role, 409 when the case
    is closed or already has an open order, 422 when it is not overdue."""
    reason = _text(reason, "reason", _("A reason is required."))
    with transaction.atomic():
        locked, role = case_services.begin_side_action(actor=actor, case=case, action=case_services.SUPERVISE)
        if SupervisionOrder.objects.filter(case=locked).exclude(status=OrderStatus.CLOSED).exists():
            raise Conflict(
                _("This case already has an open supervision order."), code="supervision.order_open"
            )
        today = clock.today()
        late = case_selectors.level_condition(case_clock.OVERDUE, today=today) | (
            case_selectors.issuance_level_condition(case_clock.OVERDUE, today=today)
        )
        if not case_selectors.open_cases().filter(late, pk=locked.pk).exists():
            raise RuleViolation(
                _("Only an overdue case can be escalated to a supervision order."),
                code="supervision.not_overdue",
            )
        department = case_selectors.department_of(locked)
        if department is None:
            raise RuleViolation(_("No department works this case now."), code="supervision.no_department")
        order = _create_order(
            case=locked,
            department=department,
            reason=reason,
            actor=actor,
            today=today,
        )
        org_services.notify(
            organisation=department,
            kind="supervision.order",
            title=_("Supervision order %(number)s on case %(case)s: explanation due %(due)s")
            % {"number": order.number, "case": locked.number, "due": order.explanation_due.isoformat()},
            body=reason,
            link=f"/supervision/orders/{order.pk}/",
            object_type="supervision.supervisionorder",
            object_id=order.pk,
            at=order.issued_at,
        )
        case_services.record_side_event(
            case=locked,
            action=case_services.SUPERVISE,
            actor=actor,
            role=role,
            comment=reason,
            data={"order": order.number, "department": department.code},
            audit_detail={"order": order.pk, "number": order.number},
        )
        _audit(
            "order_issue",
            actor=actor,
            role=role,
            obj=order,
            region_code=locked.region.code,
            detail={"number": order.number, "case": locked.number, "department": department.code},
        )
    return order


def _create_order(*, case, department, reason: str, actor, today: dt.date) -> SupervisionOrder:
    """The order with the next number of its region and year. Two supervisors numbering at once: the
    unique constraint refuses the second insert (in a savepoint), which takes the next number; a second
    open order on the same case is 409 (the partial unique constraint, under any concurrency)."""
    explanation_due = _explanation_due(today, case.region)
    for _attempt in range(5):
        last = SupervisionOrder.objects.filter(region_id=case.region_id, year=today.year).aggregate(
            n=Max("serial")
        )
        serial = (last["n"] or 0) + 1
        try:
            with transaction.atomic():
                return SupervisionOrder.objects.create(
                    region_id=case.region_id,
                    year=today.year,
                    serial=serial,
                    number=_order_number(today.year, serial),
                    case=case,
                    department=department,
                    reason=reason,
                    status=OrderStatus.ISSUED,
                    issued_by=actor,
                    issued_at=clock.now(),
                    case_due_date=case.due_date,
                    explanation_due=explanation_due,
                )
        except IntegrityError:
            if SupervisionOrder.objects.filter(case=case).exclude(status=OrderStatus.CLOSED).exists():
                raise Conflict(
                    _("This case already has an open supervision order."), code="supervision.order_open"
                ) from None
    raise Conflict(_("Please try again."), code="supervision.busy")


def _lock_order(actor, order) -> SupervisionOrder:
    from onewindow.core.scoping import in_scope

    pk = order.pk if isinstance(order, SupervisionOrder) else order
    try:
        return (
            in_scope(SupervisionOrder.objects.select_for_update(of=("self",)), actor)
            .select_related("region", "case", "department")
            .get(pk=primary_key(pk))
        )
    except SupervisionOrder.DoesNotExist:
        raise NotFound(_("Not found, or outside your scope."), code="not_found") from None


def explain_order(*, actor, order, explanation: str) -> SupervisionOrder:
    """The department (its head or an approver) explains itself in writing; the supervisor reviews it."""
    with transaction.atomic():
        locked = _lock_order(actor, order)
        mine = [role for role in ACKNOWLEDGING_ROLES if r.has_role(actor, role)]
        organisation = _staff_org(actor)
        if not mine or organisation is None or organisation.pk != locked.department_id:
            raise PermissionDenied(
                _("Only the department's head or an approver explains a supervision order."),
                code="supervision.role_forbidden",
            )
        if locked.status not in (OrderStatus.ISSUED, OrderStatus.RETURNED):
            raise Conflict(_("This order is not waiting for an explanation."), code="supervision.order_state")
        explanation = _text(explanation, "explanation", _("A written explanation is required."))
        locked.explanation = explanation
        locked.explained_by = actor
        locked.explained_at = clock.now()
        locked.status = OrderStatus.EXPLAINED
        locked.save(update_fields=["explanation", "explained_by", "explained_at", "status"])
        bureau = org_selectors.bureau_of(locked.region)
        if bureau is not None:
            org_services.notify(
                organisation=bureau,
                kind="supervision.order_explained",
                title=_("Supervision order %(number)s explained by %(department)s")
                % {"number": locked.number, "department": locked.department.name},
                body=explanation,
                link=f"/supervision/orders/{locked.pk}/",
                object_type="supervision.supervisionorder",
                object_id=locked.pk,
                at=locked.explained_at,
            )
        _audit(
            "order_explain",
            actor=actor,
            role=mine[0],
            obj=locked,
            region_code=locked.region.code,
            detail={"number": locked.number, "late": locked.explained_at.date() > locked.explanation_due},
        )
    return locked


def review_order(*, actor, order, accept: bool, note: str = "") -> SupervisionOrder:
    """The supervisor accepts the explanation (the order is closed) or sends it back with a note (the
    department explains again by a new deadline)."""
    with transaction.atomic():
        locked = _lock_order(actor, order)
        role = _require_supervisor(actor, _("Only the supervisor reviews explanations."))
        if locked.status != OrderStatus.EXPLAINED:
            raise Conflict(_("There is no explanation to review."), code="supervision.order_state")
        note = str(note or "").strip()[:MAX_TEXT]
        if not accept and not note:
            raise InvalidInput(
                _("Say what the explanation lacks."),
                code="supervision.note_required",
                errors={"note": [_("Say what the explanation lacks.")]},
            )
        locked.review_note = note
        locked.reviewed_by = actor
        fields = ["review_note", "reviewed_by", "status"]
        if accept:
            locked.status = OrderStatus.CLOSED
            locked.closed_at = clock.now()
            fields.append("closed_at")
        else:
            locked.status = OrderStatus.RETURNED
            locked.returned_count += 1
            locked.explanation_due = _explanation_due(clock.today(), locked.region)
            fields += ["returned_count", "explanation_due"]
            org_services.notify(
                organisation=locked.department,
                kind="supervision.order_returned",
                title=_("Supervision order %(number)s: explanation sent back, due %(due)s")
                % {"number": locked.number, "due": locked.explanation_due.isoformat()},
                body=note,
                link=f"/supervision/orders/{locked.pk}/",
                object_type="supervision.supervisionorder",
                object_id=locked.pk,
            )
        locked.save(update_fields=fields)
        _audit(
            "order_close" if accept else "order_return",
            actor=actor,
            role=role,
            obj=locked,
            region_code=locked.region.code,
            detail={"number": locked.number, "note": note[:200]},
        )
    return locked
