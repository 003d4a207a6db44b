"""Every write of 好差评: a rating (online by the applicant, or recorded at the counter) and the steps of
the rectification a 差评 opens. One transaction each, with the permission check and the audit entry."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from onewindow.cases import selectors as case_selectors
from onewindow.cases.models import Case, CaseStatus
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from onewindow.core.scoping import in_scope
from onewindow.core.validators import clean_text
from onewindow.org import roles as r
from onewindow.org import services as org_services
from onewindow.org.selectors import audit_context
from onewindow.ratings.models import (
    BAD_LEVELS,
    RECTIFICATION_WORKDAYS,
    Channel,
    Rating,
    Rectification,
    RectificationStatus,
    grade_of,
)
from onewindow.workdays import arithmetic

COMMENT_MAX = 500
TEXT_MAX = 2000
COUNTER_ROLES = (r.WINDOW_CLERK, r.ISSUING_CLERK)
DEPARTMENT_ROLES = (r.APPROVER, r.DEPARTMENT_HEAD)


def _level(level) -> int:
    try:
        value = int(level)
    except (TypeError, ValueError):
        value = 0
    if value not in (1, 2, 3, 4, 5):
        message = _("Choose a level from 1 (very dissatisfied) to 5 (very satisfied).")
        raise InvalidInput(message, code="rating.level", errors={"level": [message]})
    return value


def _text(value, field: str, *, required: bool, limit: int = TEXT_MAX) -> str:
    # Bounded, printable (no control or bidi-override characters), lines ending in LF (core.validators).
    return clean_text(value, field=field, max_length=limit, required=required, prefix="rating.")


def rate_online(*, number: str, check: str, level, comment: str = "") -> Rating:
    """The applicant rates an issued case from the public page (no login): the case number and the last 4
    digits of the phone identify them (404 otherwise), once per case (409), only after issuance (409)."""
    case = case_selectors.applicant_case(number, check)
    return _rate(case_pk=case.pk, level=level, comment=comment, channel=Channel.ONLINE, actor=None, role="")


def record_at_counter(*, actor, case: str, level, comment: str = "") -> Rating:
    """A hall clerk records the rating the applicant gave at the counter (the evaluator device or a
    paper form): the case in the clerk's scope (404), a hall clerk (403), issued and not yet rated (409)."""
    found = in_scope(Case.objects.only("pk"), actor).filter(number=str(case)[:24]).first()
    if found is None:
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    if not r.has_role(actor, *COUNTER_ROLES):
        raise PermissionDenied(
            _("Only a hall clerk records a rating given at the counter."), code="forbidden"
        )
    role = next(x for x in COUNTER_ROLES if r.has_role(actor, x))
    return _rate(
        case_pk=found.pk, level=level, comment=comment, channel=Channel.COUNTER, actor=actor, role=role
    )


def _rate(*, case_pk: int, level, comment: str, channel: str, actor, role: str) -> Rating:
    level = _level(level)
    comment = _text(comment, "comment", required=False, limit=COMMENT_MAX)
    try:
        with transaction.atomic():
            case = (
                Case.objects.select_for_update(of=("self",))
                .select_related("region", "decided_department")
                .get(pk=case_pk)
            )
            if case.status != CaseStatus.ISSUED:
                raise Conflict(
                    _("A case can be rated once its result has been handed out."), code="rating.not_issued"
                )
            if Rating.objects.filter(case_id=case.pk).exists():
                raise Conflict(_("This case has already been rated."), code="rating.already_rated")
            now = clock.now()
            rating = Rating.objects.create(
                region=case.region,
                case=case,
                level=level,
                grade=grade_of(level),
                comment=comment,
                channel=channel,
                rated_at=now,
                recorded_by=actor,
                department=case.decided_department or case_selectors.department_of(case),
                subitem_id=case.subitem_id,
                window_id=case.window_id,
                clerk_id=case.accepted_by_id,
                approver_id=case.decided_by_id,
                issuer_id=case.issued_by_id,
            )
            audit.record(
                action="ratings.rate",
                actor=actor,
                role=role,
                **audit_context(actor, region=case.region.code),
                obj=rating,
                detail={"case": case.number, "level": level, "channel": channel},
            )
            if level in BAD_LEVELS and rating.department is not None:
                _open_rectification(rating, case=case, at=now)
    except IntegrityError:  # a concurrent rating of the same case won the race
        raise Conflict(_("This case has already been rated."), code="rating.already_rated") from None
    return rating


def _open_rectification(rating: Rating, *, case: Case, at) -> Rectification:
    deadline = arithmetic.add_workdays(clock.local_date(at), RECTIFICATION_WORKDAYS, region=case.region)
    item = Rectification.objects.create(
        region=case.region, rating=rating, department=rating.department, opened_at=at, deadline=deadline
    )
    org_services.notify(
        organisation=rating.department,
        kind="ratings.rectification",
        title=_("Bad rating on case %(number)s: rectify by %(deadline)s")
        % {"number": case.number, "deadline": deadline.isoformat()},
        body=rating.comment,
        link=f"/rectifications/{item.pk}/",
        object_type="ratings.rectification",
        object_id=str(item.pk),
        at=at,
    )
    audit.record(
        action="ratings.rectification.open",
        region=case.region.code,
        obj=item,
        detail={"case": case.number, "department": rating.department.code, "deadline": deadline},
    )
    return item


def _lock_rectification(actor, rectification) -> Rectification:
    pk = rectification.pk if isinstance(rectification, Rectification) else rectification
    found = (
        in_scope(Rectification.objects.select_for_update(of=("self",)), actor)
        .select_related("region", "department", "rating__case")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    return found


def _check_version(item: Rectification, version) -> None:
    if version is not None and int(version) != item.version:
        raise Conflict(_("Someone changed this rectification meanwhile; reload it."), code="stale_version")


def _step(item: Rectification, *, action: str, actor, role: str, detail: dict | None = None) -> Rectification:
    item.version += 1
    item.save()
    audit.record(
        action=f"ratings.rectification.{action}",
        actor=actor,
        role=role,
        **audit_context(actor, region=item.region.code),
        obj=item,
        detail={"case": item.rating.case.number, "status": item.status, **(detail or {})},
    )
    return item


def reply(*, actor, rectification, reply: str, measures: str, version=None) -> Rectification:
    """The department answers the applicant and says what it fixed (谁办理谁负责): its approvers and head."""
    with transaction.atomic():
        item = _lock_rectification(actor, rectification)
        if not r.has_role(actor, *DEPARTMENT_ROLES):
            raise PermissionDenied(_("Only the department replies to a bad rating."), code="forbidden")
        reply = _text(reply, "reply", required=True)
        measures = _text(measures, "measures", required=True)
        if item.status != RectificationStatus.OPEN:
            raise Conflict(_("This rectification has already been replied to."), code="rectification.state")
        _check_version(item, version)
        item.reply, item.measures = reply, measures
        item.replied_at, item.replied_by = clock.now(), actor
        item.status = RectificationStatus.REPLIED
        role = r.DEPARTMENT_HEAD if r.has_role(actor, r.DEPARTMENT_HEAD) else r.APPROVER
        return _step(item, action="reply", actor=actor, role=role, detail={"late": item.replied_late})


def follow_up(*, actor, rectification, result: str, satisfied: bool, version=None) -> Rectification:
    """The Data Bureau records the applicant's follow-up (回访) after the department's reply."""
    with transaction.atomic():
        item = _lock_rectification(actor, rectification)
        if not r.has_role(actor, r.SUPERVISOR):
            raise PermissionDenied(_("Only the supervisor records the follow-up."), code="forbidden")
        result = _text(result, "result", required=True)
        if not isinstance(satisfied, bool):
            message = _("Say whether the applicant is satisfied.")
            raise InvalidInput(message, code="rating.satisfied", errors={"satisfied": [message]})
        if item.status != RectificationStatus.REPLIED:
            raise Conflict(_("The department has to reply first."), code="rectification.state")
        _check_version(item, version)
        item.follow_up, item.applicant_satisfied = result, satisfied
        item.followed_up_at, item.followed_up_by = clock.now(), actor
        item.status = RectificationStatus.FOLLOWED_UP
        return _step(
            item, action="follow_up", actor=actor, role=r.SUPERVISOR, detail={"satisfied": satisfied}
        )


def close(*, actor, rectification, note: str = "", version=None) -> Rectification:
    """The supervisor closes a rectification whose follow-up is recorded."""
    with transaction.atomic():
        item = _lock_rectification(actor, rectification)
        if not r.has_role(actor, r.SUPERVISOR):
            raise PermissionDenied(_("Only the supervisor closes a rectification."), code="forbidden")
        note = _text(note, "note", required=False)
        if item.status != RectificationStatus.FOLLOWED_UP:
            raise Conflict(_("Record the applicant's follow-up before closing."), code="rectification.state")
        _check_version(item, version)
        item.closing_note = note
        item.closed_at, item.closed_by = clock.now(), actor
        item.status = RectificationStatus.CLOSED
        return _step(item, action="close", actor=actor, role=r.SUPERVISOR)
