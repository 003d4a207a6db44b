"""Every write of the assessment: schemes (a new version each time), runs that compute drafts, entered
scores, the flow draft → reviewed → confirmed → filed → returned → recorded, and corrections. One
transaction each, with the permission check (404 scope, 403 role, 409 state or stale version) and the audit
entry."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.assessment import indicators as registry
from onewindow.assessment import scoring
from onewindow.assessment.models import (
    Indicator,
    IndicatorKind,
    Part,
    PeriodKind,
    Result,
    Rule,
    Scheme,
    Score,
    Status,
    SubjectKind,
)
from onewindow.assessment.periods import Period
from onewindow.assessment.subjects import Subject, subjects
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RuleViolation
from onewindow.core.scoping import in_scope
from onewindow.org import roles as r
from onewindow.org import services as org_services
from onewindow.org.models import Organisation, Region
from onewindow.org.selectors import audit_context

# -- the flow: action → (statuses it starts from, status after, roles) -------------------------------
REVIEW, CONFIRM, REOPEN, FILE, ACKNOWLEDGE, RETURN, RECORD = (
    "review",
    "confirm",
    "reopen",
    "file",
    "acknowledge",
    "return",
    "record",
)
FLOW = {
    REVIEW: ((Status.DRAFT,), Status.REVIEWED, (r.SUPERVISOR,)),
    CONFIRM: ((Status.REVIEWED,), Status.CONFIRMED, (r.SUPERVISOR,)),
    REOPEN: ((Status.REVIEWED, Status.CONFIRMED), Status.DRAFT, (r.SUPERVISOR,)),
    FILE: ((Status.CONFIRMED,), Status.FILED, (r.SUPERVISOR,)),
    ACKNOWLEDGE: ((Status.FILED,), Status.FILED, (r.ASSESSMENT_OFFICE,)),
    RETURN: ((Status.FILED,), Status.RETURNED, (r.ASSESSMENT_OFFICE,)),
    RECORD: ((Status.RETURNED,), Status.RECORDED, (r.DEPARTMENT_HEAD, r.SUPERVISOR)),
}
ACTIONS = tuple(FLOW)


def _region_of(actor) -> Region:
    staff = getattr(actor, "staff", None)
    if staff is not None:
        return staff.organisation.region
    region = Region.objects.order_by("pk").first()
    if region is None:
        raise RuleViolation(_("No region is set up yet."), code="assessment.no_region")
    return region


def _require_supervisor(actor) -> None:
    if actor is not None and not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(_("Only the supervisor runs and edits assessments."), code="forbidden")


def _audit(obj, *, action: str, actor, detail: dict, region: str) -> None:
    audit.record(
        action=f"assessment.{action}",
        actor=actor,
        role=r.primary_role(actor) if actor is not None else "",
        **audit_context(actor, region=region),
        obj=obj,
        detail=detail,
    )


# -- schemes --------------------------------------------------------------------------------------


def current_scheme(kind: str, day, *, region) -> Scheme | None:
    """The newest version effective on `day`."""
    return (
        Scheme.objects.filter(region=region, subject_kind=kind, effective_from__lte=day)
        .order_by("-version")
        .first()
    )


def _decimal(value, field: str, *, required=True) -> Decimal | None:
    if value in (None, "") and not required:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) >= 10000:
        message = _("Enter a number.")
        raise InvalidInput(message, code="assessment.number", errors={field: [message]})
    return number


def create_scheme_version(
    *,
    actor,
    subject_kind: str,
    name: str,
    effective_from,
    monthly_share,
    indicators: list[dict],
    note: str = "",
) -> Scheme:
    """A new version of the kind's scheme (the old ones stay as they are: results pin theirs).

    `indicators`: [{code, name, kind, part, source, rule, weight, parameter, minimum, maximum}]. The weights of
    each part add up to 100; a computed indicator names a registered source for the kind and a rule; an
    entered one a range within [0, weight]."""
    _require_supervisor(actor)
    if subject_kind not in SubjectKind.values:
        message = _("Unknown subject kind.")
        raise InvalidInput(message, code="assessment.kind", errors={"subject_kind": [message]})
    name = str(name or "").strip()[:100] or str(SubjectKind(subject_kind).label)
    share = scoring.q(_decimal(monthly_share, "monthly_share"))
    errors: dict[str, list[str]] = {}
    if not Decimal(0) <= share <= Decimal(1):
        errors["monthly_share"] = [_("Between 0 and 1.")]
    rows, codes = [], set()
    for n, row in enumerate(indicators):
        where = f"indicators.{n}"
        try:
            rows.append(_indicator_row(row, subject_kind, where, codes))
        except InvalidInput as exc:
            for key, messages in exc.errors.items():
                errors.setdefault(key, []).extend(messages)
    for part in Part.values:
        weights = sum((row["weight"] for row in rows if row["part"] == part), Decimal(0))
        used = any(row["part"] == part for row in rows)
        if (part == Part.MONTH or used) and weights != 100:
            errors.setdefault("indicators", []).append(
                _("The weights of the %(part)s add up to %(sum)s, not 100.")
                % {"part": Part(part).label, "sum": weights}
            )
    if errors:  # well-formed (the schema's), but not a scheme: 422
        raise RuleViolation(_("The scheme is not valid."), code="assessment.scheme", errors=errors)
    with transaction.atomic():
        region = _region_of(actor)
        last = (
            Scheme.objects.select_for_update()
            .filter(region=region, subject_kind=subject_kind)
            .order_by("-version")
            .first()
        )
        scheme = Scheme.objects.create(
            region=region,
            subject_kind=subject_kind,
            version=(last.version + 1) if last else 1,
            name=name,
            effective_from=effective_from,
            monthly_share=share,
            note=str(note or "")[:2000],
            created_at=clock.now(),
            created_by=actor,
        )
        for n, row in enumerate(rows):
            Indicator.objects.create(scheme=scheme, sort_order=n, **row)
        _audit(
            scheme,
            action="scheme.version",
            actor=actor,
            region=region.code,
            detail={
                "kind": subject_kind,
                "version": scheme.version,
                "indicators": [r_["code"] for r_ in rows],
            },
        )
    return scheme


def _indicator_row(row: dict, subject_kind: str, where: str, codes: set) -> dict:
    def fail(field, message):
        raise InvalidInput(message, code="assessment.indicator", errors={f"{where}.{field}": [message]})

    code = str(row.get("code") or "").strip()
    if not code or len(code) > 40 or not code.replace("_", "").replace("-", "").isalnum() or code in codes:
        fail("code", _("A unique code of letters, digits and underscores."))
    codes.add(code)
    name = str(row.get("name") or "").strip()
    if not name or len(name) > 100:
        fail("name", _("A name of at most 100 characters."))
    kind = row.get("kind")
    if kind not in IndicatorKind.values:
        fail("kind", _("computed or entered."))
    part = row.get("part") or Part.MONTH
    if part not in Part.values:
        fail("part", _("month or year_end."))
    weight = scoring.q(_decimal(row.get("weight"), f"{where}.weight"))
    if not Decimal(0) < weight <= 100:
        fail("weight", _("Between 0 and 100."))
    out = {"code": code, "name": name, "kind": kind, "part": part, "weight": weight, "source": "", "rule": ""}
    for name in ("parameter", "minimum", "maximum"):
        value = _decimal(row.get(name), f"{where}.{name}", required=False)
        out[name] = None if value is None else scoring.q(value)
    if kind == IndicatorKind.COMPUTED:
        source = registry.REGISTRY.get(str(row.get("source") or ""))
        if source is None or subject_kind not in source.kinds:
            fail("source", _("A source computed for this kind of subject."))
        rule = row.get("rule") or source.rule
        if rule not in Rule.values:
            fail("rule", _("rate, target or deduct."))
        if rule in (Rule.TARGET, Rule.DEDUCT) and (out["parameter"] is None or out["parameter"] <= 0):
            fail("parameter", _("A target or the points per item, above 0."))
        out.update(source=source.code, rule=rule, minimum=None, maximum=None)
    else:
        low = out["minimum"] if out["minimum"] is not None else Decimal(0)
        high = out["maximum"] if out["maximum"] is not None else weight
        if not Decimal(0) <= low <= high <= weight:
            fail("maximum", _("0 ≤ minimum ≤ maximum ≤ weight."))
        out.update(minimum=low, maximum=high, parameter=None)
    return out


# -- runs ---------------------------------------------------------------------------------------------


@dataclass
class RunSummary:
    period: str
    created: int = 0
    updated: int = 0
    kept: int = 0
    kinds: dict = field(default_factory=dict)
    missing_schemes: list = field(default_factory=list)


def _subject_key(subject: Subject) -> tuple:
    return ("staff", subject.staff.pk) if subject.staff else ("department", subject.department.pk)


def _result_key(result: Result) -> tuple:
    if result.subject_staff_id:
        return ("staff", result.subject_staff_id)
    return ("department", result.subject_department_id)


def _newest(results) -> dict:
    """{subject key: newest result} of a set of results of one period: the original, or the last
    correction of it (a correction hangs off the result it corrects)."""
    results = list(results)
    correction_of = {x.corrects_id: x for x in results if x.corrects_id}
    out = {}
    for x in results:
        if x.corrects_id:
            continue
        found = x
        while found.pk in correction_of:
            found = correction_of[found.pk]
        out[_result_key(x)] = found
    return out


def current_result(subject: Subject, period: str, kind: str):
    """The newest result of a subject and period: the original, or the last correction of it."""
    lookup = {"subject_staff": subject.staff} if subject.staff else {"subject_department": subject.department}
    found = Result.objects.filter(subject_kind=kind, period=period, corrects__isnull=True, **lookup).first()
    while found is not None and hasattr(found, "correction"):
        found = found.correction
    return found


def current_results(kind: str, periods: list[str], *, region) -> dict:
    """{period: {subject key: newest result}} of every subject of a kind: one query for all of them."""
    by_period: dict[str, list] = {str(p): [] for p in periods}
    for x in Result.objects.filter(
        region=region, subject_kind=kind, period__in=list(by_period)
    ).select_related("scheme"):
        by_period[x.period].append(x)
    return {period: _newest(rows) for period, rows in by_period.items()}


def run(*, actor, period: str, kinds=None) -> RunSummary:
    """Compute the drafts of every subject for a month or a year (the CLI passes actor=None, the system).
    A draft is recomputed (entered scores kept); a result further on in the flow is kept as it is.

    Set-based: per kind, the existing results, the scores and each computed indicator are read with one
    query for all the subjects (indicators: `assessment.indicators`), and the results, scores and audit
    entries written in bulk, so the number of queries does not grow with the number of subjects."""
    _require_supervisor(actor)
    parsed = Period.parse(period)
    summary = RunSummary(period=str(parsed))
    with transaction.atomic():
        region = _region_of(actor)
        ctx = registry.Context(region=region, period=parsed)
        for kind in kinds or SubjectKind.values:
            scheme = current_scheme(kind, parsed.first_day, region=region)
            if scheme is None and not Scheme.objects.filter(region=region, subject_kind=kind).exists():
                from onewindow.assessment.defaults import install_default

                scheme = install_default(kind, region=region)
            if scheme is None:
                summary.missing_schemes.append(kind)
                continue
            existing = current_results(kind, [parsed], region=region)[str(parsed)]
            todo = []
            for subject in subjects(kind, parsed, region=region):
                result = existing.get(_subject_key(subject))
                if result is not None and result.status != Status.DRAFT:
                    summary.kept += 1
                    continue
                todo.append((subject, result))
            _compute_many(todo, scheme=scheme, ctx=ctx, actor=actor)
            summary.created += sum(1 for _subject, result in todo if result is None)
            summary.updated += sum(1 for _subject, result in todo if result is not None)
            summary.kinds[kind] = len(todo)
        _audit(
            region,
            action="run",
            actor=actor,
            region=region.code,
            detail={
                "period": str(parsed),
                "created": summary.created,
                "updated": summary.updated,
                "kept": summary.kept,
                "missing_schemes": summary.missing_schemes,
            },
        )
    return summary


def _compute_many(items, *, scheme: Scheme, ctx, actor, corrects=None, reason="") -> list[Result]:
    """(Re)compute drafts: [(subject, draft or None)] of one kind → their results. The computed scores
    come from the registry, one grouped computation per indicator for all the subjects; a year's results
    take their monthly parts from the months' results. Written in bulk; one audit entry per result."""
    if not items:
        return []
    period = ctx.period
    now = clock.now()
    part = Part.MONTH if period.month else Part.YEAR_END
    schemes = {scheme.pk: scheme}
    for _subject, result in items:
        if result is not None:
            schemes.setdefault(result.scheme_id, result.scheme)
    indicators: dict[int, list[Indicator]] = {pk: [] for pk in schemes}
    for indicator in Indicator.objects.filter(scheme_id__in=list(schemes), part=part).order_by(
        "sort_order", "pk"
    ):
        indicators[indicator.scheme_id].append(indicator)
    # The results: existing drafts refreshed, new ones inserted at once (their ids come back).
    results, new = [], []
    for subject, result in items:
        if result is None:
            result = Result(
                region=ctx.region,
                scheme=scheme,
                subject_kind=subject.kind,
                subject_staff=subject.staff,
                subject_department=subject.department,
                unit=subject.unit,
                period=str(period),
                period_kind=PeriodKind.MONTH if period.month else PeriodKind.YEAR,
                computed_at=now,
                corrects=corrects,
                correction_reason=reason,
            )
            new.append(result)
        result.computed_at = now
        results.append(result)
    existing_scores: dict[int, dict[int, Score]] = defaultdict(dict)
    for score in Score.objects.filter(result__in=[x for x in results if x.pk]):
        existing_scores[score.result_id][score.indicator_id] = score
    Result.objects.bulk_create(new)
    # Each computed source once, for every subject whose scheme uses it.
    subjects_of = [subject for subject, _result in items]
    measures = {}
    for code in {i.source for rows in indicators.values() for i in rows if i.kind == IndicatorKind.COMPUTED}:
        if code in registry.REGISTRY:
            measures[code] = registry.measure_all(code, subjects_of, ctx)
    to_create, to_update = [], []
    for (subject, _old), result in zip(items, results, strict=True):
        mine = existing_scores.get(result.pk, {})
        for indicator in indicators[result.scheme_id]:
            score = mine.get(indicator.pk)
            if score is None:
                score = Score(result=result, indicator=indicator)
                mine[indicator.pk] = score
                to_create.append(score)
            else:
                to_update.append(score)
            if indicator.kind != IndicatorKind.COMPUTED:
                continue
            found = measures.get(indicator.source, {}).get(subject)
            if found is None:  # a source no longer registered: left for the assessor to see
                score.value, score.points, score.basis = None, None, {"error": "unknown source"}
                continue
            score.value = found.value
            score.points = scoring.points(
                indicator.rule, weight=indicator.weight, parameter=indicator.parameter, value=found.value
            )
            score.basis = _json(found.basis)
        existing_scores[result.pk] = mine
    Score.objects.bulk_create(to_create)
    if to_update:
        Score.objects.bulk_update(to_update, ["value", "points", "basis"])
    if not period.month:
        _annual_parts_many(results, items, period=period, region=ctx.region)
    for result in results:
        _total_of(result, list(existing_scores[result.pk].values()))
    Result.objects.bulk_update(results, ["computed_at", "total", "monthly_mean", "year_end_score", "months"])
    created = {x.pk for x in new}
    audit.record_many(
        {
            "action": "assessment.compute",
            "actor": actor,
            "role": r.primary_role(actor) if actor is not None else "",
            **audit_context(actor, region=ctx.region.code),
            "obj": result,
            "detail": {
                "period": result.period,
                "subject": subject.name,
                "total": str(result.total),
                "created": result.pk in created,
            },
        }
        for (subject, _old), result in zip(items, results, strict=True)
    )
    return results


def _json(basis: dict) -> dict:
    import json

    return json.loads(json.dumps(basis, default=str, ensure_ascii=False))


def _annual_parts_many(results: list[Result], items, *, period: Period, region) -> None:
    """Each year's result takes the newest result of each of its months (one query for all subjects)."""
    kinds = {x.subject_kind for x in results}
    months_of: dict = {}
    for kind in kinds:
        found = current_results(kind, [str(m) for m in period.months()], region=region)
        months_of[kind] = found
    for result in results:
        found = months_of[result.subject_kind]
        key = _result_key(result)
        values, used = {}, []
        for month in period.months():
            x = found[str(month)].get(key)
            if x is not None:
                values[month.month] = x.total
                used.append({"period": str(month), "id": x.pk, "total": str(x.total), "status": x.status})
        result.months = used
        result.monthly_mean = scoring.weighted_mean(values, result.scheme.month_weights or [])


def _total_of(result: Result, scores: list[Score]) -> None:
    part_sum = scoring.q(sum((s.points or Decimal(0) for s in scores), Decimal(0)))
    if result.period_kind == PeriodKind.MONTH:
        result.total = part_sum
        return
    result.year_end_score = part_sum if scores else None
    result.total = scoring.annual(
        monthly_share=result.scheme.monthly_share,
        monthly_mean=result.monthly_mean,
        year_end=result.year_end_score,
    )


def _total(result: Result) -> None:
    scores = list(result.scores.select_related("indicator"))
    part_sum = scoring.q(sum((s.points or Decimal(0) for s in scores), Decimal(0)))
    if result.period_kind == PeriodKind.MONTH:
        result.total = part_sum
        return
    result.year_end_score = part_sum if scores else None
    result.total = scoring.annual(
        monthly_share=result.scheme.monthly_share,
        monthly_mean=result.monthly_mean,
        year_end=result.year_end_score,
    )


# -- the assessor's scores and the flow ------------------------------------------------------------


def _lock(actor, result) -> Result:
    pk = result.pk if isinstance(result, Result) else result
    found = (
        in_scope(Result.objects.select_for_update(of=("self",)), actor)
        .select_related("region", "scheme", "subject_staff", "subject_department", "unit")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    return found


def _version(result: Result, version) -> None:
    if version is not None and int(version) != result.version:
        raise Conflict(_("Someone changed this result meanwhile; reload it."), code="stale_version")


def _filed_refusal() -> Conflict:
    return Conflict(
        _("A filed result cannot be changed; make a correction instead."), code="assessment.filed"
    )


def enter_score(*, actor, result, indicator: str, points, note: str = "", version=None) -> Result:
    """The assessor's points of an entered indicator (conduct, discipline…), within its range, on a draft."""
    with transaction.atomic():
        locked = _lock(actor, result)
        _require_supervisor(actor)
        if locked.is_filed:
            raise _filed_refusal()
        if locked.status != Status.DRAFT:
            raise Conflict(_("Scores are entered on a draft; reopen it first."), code="assessment.state")
        _version(locked, version)
        part = Part.MONTH if locked.period_kind == PeriodKind.MONTH else Part.YEAR_END
        found = locked.scheme.indicators.filter(
            code=str(indicator), kind=IndicatorKind.ENTERED, part=part
        ).first()
        if found is None:
            message = _("No entered indicator with this code in the result's scheme.")
            raise RuleViolation(message, code="assessment.indicator", errors={"indicator": [message]})
        value = scoring.q(_decimal(points, "points"))
        if not found.minimum <= value <= found.maximum:
            message = _("Between %(low)s and %(high)s.") % {"low": found.minimum, "high": found.maximum}
            raise RuleViolation(message, code="assessment.range", errors={"points": [message]})
        score, _created = Score.objects.get_or_create(result=locked, indicator=found)
        score.value = value
        score.points = scoring.q(value)
        score.note = str(note or "").strip()[:2000]
        score.entered_by, score.entered_at = actor, clock.now()
        score.save()
        _total(locked)
        locked.version += 1
        locked.save()
        _audit(
            locked,
            action="enter",
            actor=actor,
            region=locked.region.code,
            detail={"indicator": found.code, "points": score.points, "total": locked.total},
        )
    return locked


def act(*, actor, result, action: str, version=None) -> Result:
    """One step of the flow (FLOW): review, confirm, reopen, file, acknowledge, return, record."""
    if action not in FLOW:
        message = _("Unknown action.")
        raise InvalidInput(message, code="assessment.action", errors={"action": [message]})
    starts, after, roles = FLOW[action]
    with transaction.atomic():
        locked = _lock(actor, result)
        if not r.has_role(actor, *roles):
            raise PermissionDenied(_("Your role does not take this step."), code="forbidden")
        if action == RECORD and not _records_for_unit(actor, locked):
            raise PermissionDenied(_("The unit the result was returned to records it."), code="forbidden")
        if locked.status not in starts:
            if locked.is_filed and action in (REVIEW, CONFIRM, REOPEN, FILE):
                raise _filed_refusal()
            raise Conflict(
                _("Not possible while the result is “%(status)s”.") % {"status": locked.get_status_display()},
                code="assessment.state",
            )
        if action == ACKNOWLEDGE and locked.acknowledged_at is not None:
            raise Conflict(_("Already acknowledged."), code="assessment.state")
        if action == RETURN and locked.acknowledged_at is None:
            raise Conflict(_("Acknowledge the filing before returning it."), code="assessment.state")
        _version(locked, version)
        if action == REVIEW:
            _check_complete(locked)
        now = clock.now()
        stamp = {
            REVIEW: "reviewed",
            CONFIRM: "confirmed",
            FILE: "filed",
            ACKNOWLEDGE: "acknowledged",
            RETURN: "returned",
            RECORD: "recorded",
        }.get(action)
        if stamp:
            setattr(locked, f"{stamp}_at", now)
            setattr(locked, f"{stamp}_by", actor)
        if action == REOPEN:
            locked.reviewed_at = locked.reviewed_by = locked.confirmed_at = locked.confirmed_by = None
        locked.status = after
        locked.version += 1
        locked.save()
        if action == FILE:
            _notify_office(locked)
        if action == RETURN:
            org_services.notify(
                organisation=locked.unit,
                kind="assessment.returned",
                title=_("Assessment %(period)s of %(subject)s returned to your unit")
                % {"period": locked.period, "subject": locked.subject_name},
                link=f"/assessments/{locked.pk}/",
                object_type="assessment.result",
                object_id=str(locked.pk),
                at=now,
            )
        _audit(
            locked,
            action=action,
            actor=actor,
            region=locked.region.code,
            detail={"period": locked.period, "subject": locked.subject_name, "status": locked.status},
        )
    return locked


def _records_for_unit(actor, result: Result) -> bool:
    """The head of the unit records; for the bureau's own people (window staff) the supervisor does."""
    staff = getattr(actor, "staff", None)
    if staff is None:
        return False
    if r.has_role(actor, r.DEPARTMENT_HEAD) and staff.organisation_id == result.unit_id:
        return True
    return r.has_role(actor, r.SUPERVISOR) and result.unit.kind == "bureau"


def _check_complete(result: Result) -> None:
    part = Part.MONTH if result.period_kind == PeriodKind.MONTH else Part.YEAR_END
    entered = set(result.scores.filter(points__isnull=False).values_list("indicator_id", flat=True))
    missing = [i.name for i in result.scheme.indicators.filter(part=part) if i.pk not in entered]
    if missing:
        raise RuleViolation(
            _("Enter every indicator first: %(names)s.") % {"names": "、".join(missing)},
            code="assessment.incomplete",
        )
    if result.period_kind == PeriodKind.YEAR:
        early = [m["period"] for m in result.months if m["status"] in (Status.DRAFT, Status.REVIEWED)]
        if early:
            raise RuleViolation(
                _("Confirm the monthly results first: %(months)s.") % {"months": ", ".join(early)},
                code="assessment.months_unconfirmed",
            )


def _notify_office(result: Result) -> None:
    for office in Organisation.objects.filter(region=result.region, kind="office"):
        org_services.notify(
            organisation=office,
            kind="assessment.filed",
            title=_("Assessment %(period)s of %(subject)s filed")
            % {"period": result.period, "subject": result.subject_name},
            link=f"/assessments/{result.pk}/",
            object_type="assessment.result",
            object_id=str(result.pk),
            at=result.filed_at,
        )


def correct(*, actor, result, reason: str) -> Result:
    """A correction of a filed result: a new draft linked to it, computed again with the same scheme
    version, the entered scores carried over for the assessor to revise. The filed one stays as it is."""
    reason = str(reason or "").strip()
    with transaction.atomic():
        locked = _lock(actor, result)
        _require_supervisor(actor)
        if not locked.is_filed:
            raise Conflict(
                _("Only a filed result is corrected; change the draft instead."), code="assessment.state"
            )
        if hasattr(locked, "correction"):
            raise Conflict(
                _("This result was already corrected; correct the correction."), code="assessment.state"
            )
        if not reason or len(reason) > 2000:
            message = _("Say why the result is corrected.")
            raise InvalidInput(message, code="assessment.reason", errors={"reason": [message]})
        subject = Subject(
            locked.subject_kind, staff=locked.subject_staff, department=locked.subject_department
        )
        ctx = registry.Context(region=locked.region, period=Period.parse(locked.period))
        (new,) = _compute_many(
            [(subject, None)], scheme=locked.scheme, ctx=ctx, actor=actor, corrects=locked, reason=reason
        )
        for old in locked.scores.filter(indicator__kind=IndicatorKind.ENTERED):
            Score.objects.update_or_create(
                result=new,
                indicator_id=old.indicator_id,
                defaults={
                    "value": old.value,
                    "points": old.points,
                    "note": old.note,
                    "entered_by": old.entered_by,
                    "entered_at": old.entered_at,
                },
            )
        _total(new)
        new.save()
        _audit(
            new,
            action="correct",
            actor=actor,
            region=locked.region.code,
            detail={"corrects": locked.pk, "reason": reason[:200], "period": locked.period},
        )
    return new
