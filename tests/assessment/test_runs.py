"""考核: a month's run equals an independent recomputation; the year follows the scheme's formula; a filed
result changes through no path and a correction keeps both; the 督考办 sees only what was filed."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import (
    IntegrityError,
    InternalError,
    OperationalError,
    ProgrammingError,
    connection,
    transaction,
)
from django.test import Client
from django.utils import timezone

from onewindow.assessment import services
from onewindow.assessment.models import Result, Scheme, Score
from onewindow.cases import services as case_services
from onewindow.cases.models import Case, CaseEvent
from onewindow.core.errors import Conflict
from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification
from onewindow.ratings import services as rating_services
from onewindow.ratings.models import Rating, Rectification
from onewindow.staffing.models import DailyEvaluation
from onewindow.supervision.models import Reminder, SupervisionOrder
from tests.cases.conftest import PERSON, at, user
from tests.conftest import DEMO_PASSWORD, ApiClient, artifacts_dir, sign_in

CHECK = PERSON["phone"][-4:]
OCT_START, NOV_START = at(2024, 10, 1), at(2024, 11, 1)


def make_case(frozen_clock, *, clerk, accepted, decided=None, issued=None, returned=None, rating=None):
    """A case of the construction department driven through the services at the given times."""
    approver, issuer = user("construction-approver"), user("issuer1")
    frozen_clock(accepted)
    case, _ = case_services.accept(
        actor=user(clerk), subitem="XK09901001", applicant=PERSON, materials=["M01", "M02", "M03"]
    )
    if returned:
        frozen_clock(returned)
        case = case_services.perform(
            actor=approver, case=case, action="return", version=case.version, reason="材料不全"
        )
        case = case_services.perform(
            actor=user(clerk), case=case, action="supplement", version=case.version, materials=["M03"]
        )
    if decided:
        frozen_clock(decided)
        case = case_services.perform(actor=approver, case=case, action="claim", version=case.version)
        case = case_services.perform(
            actor=approver,
            case=case,
            action="decide",
            version=case.version,
            decision="grant",
            reason="符合条件",
        )
    if issued:
        frozen_clock(issued)
        case = case_services.perform(actor=approver, case=case, action="produce_result", version=case.version)
        case = case_services.perform(
            actor=issuer, case=case, action="issue", version=case.version, method="pickup"
        )
        if rating:
            rating_services.rate_online(number=case.number, check=CHECK, level=rating)
    return case


@pytest.fixture
def october(world, frozen_clock):
    """Cases of October 2024 (and a few around it) at two clerks, decided on time or late, some rated."""
    cases = [
        make_case(
            frozen_clock,
            clerk="clerk1",
            accepted=at(2024, 10, 8, 9),
            decided=at(2024, 10, 9, 10),
            issued=at(2024, 10, 10, 9),
            rating=5,
        ),
        make_case(
            frozen_clock,
            clerk="clerk1",
            accepted=at(2024, 10, 8, 10),
            decided=at(2024, 10, 28, 10),
            issued=at(2024, 10, 29, 9),
            rating=2,
        ),
        make_case(
            frozen_clock,
            clerk="clerk2",
            accepted=at(2024, 10, 9, 9),
            decided=at(2024, 10, 10, 10),
            issued=at(2024, 10, 11, 9),
            rating=4,
        ),
        make_case(
            frozen_clock,
            clerk="clerk2",
            accepted=at(2024, 10, 14, 9),
            returned=at(2024, 10, 15, 9),
            decided=at(2024, 10, 16, 10),
        ),
        make_case(frozen_clock, clerk="clerk1", accepted=at(2024, 10, 21, 9)),
        make_case(
            frozen_clock, clerk="clerk1", accepted=at(2024, 10, 31, 15, 59), decided=at(2024, 11, 1, 9)
        ),
        make_case(
            frozen_clock,
            clerk="clerk2",
            accepted=at(2024, 9, 30, 9),
            decided=at(2024, 10, 8, 9),
            issued=at(2024, 10, 8, 16),
            rating=1,
        ),
    ]
    _supervise_and_evaluate(frozen_clock, open_case=cases[4])
    frozen_clock(at(2024, 11, 5, 9))
    return cases


def _supervise_and_evaluate(frozen_clock, *, open_case):
    """October's reminders (one sent in September and acknowledged in October, one sent and acknowledged in
    October, one never acknowledged, a department reminder), a supervision order, and a month of daily
    evaluations of the whole roster with generated (seeded) marks."""
    import random

    from onewindow.staffing import selectors as staffing_selectors
    from onewindow.staffing import services as staffing_services
    from onewindow.supervision import services as supervision

    supervisor, approver = user("supervisor1"), user("construction-approver")
    late = make_case(frozen_clock, clerk="clerk2", accepted=at(2024, 9, 23, 9))  # overdue in October
    frozen_clock(at(2024, 9, 27, 10))
    september = supervision.remind(actor=supervisor, case=late, message="请尽快办理")
    frozen_clock(at(2024, 10, 8, 11))
    supervision.acknowledge(actor=approver, reminder=september, reply="今日办结")
    frozen_clock(at(2024, 10, 15, 9))
    october = supervision.remind(actor=supervisor, case=late, message="已超期，请说明")
    frozen_clock(at(2024, 10, 15, 14, 30))
    supervision.acknowledge(actor=user("construction-head"), reminder=october, reply="正在办理")
    frozen_clock(at(2024, 10, 16, 9))
    supervision.issue_order(actor=supervisor, case=late, reason="超期未办结")
    frozen_clock(at(2024, 10, 25, 10))
    supervision.remind(actor=supervisor, case=open_case, message="请关注时限")
    frozen_clock(at(2024, 10, 28, 10))
    supervision.remind_department(actor=supervisor, department="construction", message="请清理超期办件")
    rng = random.Random(20241031)
    marks = {
        "attendance": ["present"] * 12 + ["late", "absent", "leave"],
        "discipline": ["good"] * 12 + ["minor", "serious"],
        "conduct": ["good"] * 10 + ["fair", "poor"],
        "feedback": ["none"] * 10 + ["praise", "complaint"],
    }
    day = dt.date(2024, 10, 8)
    while day <= dt.date(2024, 10, 31):
        if day.weekday() < 5 or day == dt.date(2024, 10, 12):
            frozen_clock(at(day.year, day.month, day.day, 18))
            roster = staffing_selectors.evaluation_roster(
                region=supervisor.staff.organisation.region, day=day
            )
            entries = [
                {"staff": p["staff"].user.username, **{k: rng.choice(v) for k, v in marks.items()}}
                for p in roster
            ]
            staffing_services.record_day_evaluations(actor=supervisor, day=day, entries=entries)
        day += dt.timedelta(days=1)


# -- the independent recomputation ------------------------------------------------------------------


def _in_october(moment) -> bool:
    return moment is not None and OCT_START <= moment < NOV_START


def _q(x) -> Decimal:
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _expected_points(indicator, value) -> Decimal:
    w = indicator.weight
    if value is None:
        return _q(w)
    if indicator.rule == "rate":
        return _q(w * value)
    if indicator.rule == "target":
        return _q(w * min(Decimal(1), Decimal(value) / indicator.parameter))
    return _q(max(Decimal(0), w - indicator.parameter * value))


# The marks of a day's entry, as docs/rules.md rule 20 states them (written out again, not imported).
ADVERSE_MARKS = {"late": 1, "absent": 2, "minor": 1, "serious": 3, "poor": 1, "complaint": 1}


def _marks(user_id) -> int:
    return sum(
        ADVERSE_MARKS.get(e.attendance, 0)
        + ADVERSE_MARKS.get(e.discipline, 0)
        + ADVERSE_MARKS.get(e.conduct, 0)
        + ADVERSE_MARKS.get(e.feedback, 0)
        for e in DailyEvaluation.objects.filter(staff__user_id=user_id)
        if dt.date(2024, 10, 1) <= e.day <= dt.date(2024, 10, 31)
    )


def _expected_values(subject_kind, *, user_id=None, department=None) -> dict:
    cases = list(Case.objects.all())
    ratings = [x for x in Rating.objects.all() if _in_october(x.rated_at)]
    late = lambda c: timezone.localtime(c.decided_at).date() > c.due_date  # noqa: E731
    if subject_kind == "window_staff":
        mine = [x for x in ratings if user_id in (x.clerk_id, x.issuer_id)]
        returns = [
            e
            for e in CaseEvent.objects.filter(action="return").select_related("case")
            if _in_october(e.at) and e.case.accepted_by_id == user_id
        ]
        return {
            "cases_accepted": len(
                [c for c in cases if c.accepted_by_id == user_id and _in_october(c.accepted_at)]
            ),
            "cases_issued": len([c for c in cases if c.issued_by_id == user_id and _in_october(c.issued_at)]),
            "returns_to_window": len(returns),
            "ratings_good_rate": Decimal(sum(x.level >= 4 for x in mine)) / len(mine) if mine else None,
            "bad_ratings": sum(x.level <= 2 for x in mine),
            "daily_evaluations": _marks(user_id),
        }
    if subject_kind == "stationed_staff":
        decided = [c for c in cases if c.decided_by_id == user_id and _in_october(c.decided_at)]
        mine = [x for x in ratings if x.approver_id == user_id]
        return {
            "cases_decided": len(decided),
            "decided_on_time_rate": Decimal(sum(not late(c) for c in decided)) / len(decided)
            if decided
            else None,
            "decided_late": sum(late(c) for c in decided),
            "ratings_good_rate": Decimal(sum(x.level >= 4 for x in mine)) / len(mine) if mine else None,
            "bad_ratings": sum(x.level <= 2 for x in mine),
            "daily_evaluations": _marks(user_id),
        }
    decided = [c for c in cases if c.decided_department_id == department.pk and _in_october(c.decided_at)]
    mine = [x for x in ratings if x.department_id == department.pk]
    return {
        "on_time_rate": Decimal(sum(not late(c) for c in decided)) / len(decided) if decided else None,
        "decided_late": sum(late(c) for c in decided),
        "ratings_good_rate": Decimal(sum(x.level >= 4 for x in mine)) / len(mine) if mine else None,
        "bad_ratings": sum(x.level <= 2 for x in mine),
        "rectifications_late": sum(
            1
            for x in Rectification.objects.filter(department=department)
            if (x.replied_at is None and x.deadline < dt.date(2024, 10, 31))
            or (_in_october(x.replied_at) and timezone.localtime(x.replied_at).date() > x.deadline)
        ),
        "reminders_received": sum(
            1 for x in Reminder.objects.filter(department=department) if _in_october(x.at)
        ),
        "orders_received": sum(
            1 for x in SupervisionOrder.objects.filter(department=department) if _in_october(x.issued_at)
        ),
        "acknowledgment_delay": _mean_delay(department),
    }


def _mean_delay(department):
    """The mean working hours from sending to acknowledging of the department's acknowledgments made in
    October, each delay counted again from the hall's hours (not the stored one)."""
    from onewindow.supervision.hours import working_minutes

    minutes = []
    for x in Reminder.objects.filter(department=department, acknowledged_at__isnull=False):
        if _in_october(x.acknowledged_at):
            again = working_minutes(x.at, x.acknowledged_at, region=department.region)
            assert again == x.delay_minutes
            minutes.append(again)
    return Decimal(str(round(sum(minutes) / len(minutes) / 60, 1))) if minutes else None


def test_a_months_run_equals_an_independent_recomputation(october, world):
    supervisor = user("supervisor1")
    summary = services.run(actor=supervisor, period="2024-10")
    assert summary.created == Result.objects.count() and summary.created > 0
    checked = 0
    for result in Result.objects.select_related("subject_staff", "subject_department"):
        expected = _expected_values(
            result.subject_kind,
            user_id=result.subject_staff.user_id if result.subject_staff else None,
            department=result.subject_department,
        )
        computed_total = Decimal(0)
        for score in Score.objects.filter(result=result).select_related("indicator"):
            indicator = score.indicator
            if indicator.kind == "entered":
                assert score.points is None  # for the assessor
                continue
            want = expected[indicator.code]
            if want is None:
                assert score.value is None
            else:
                assert Decimal(score.value) == _q4(want), (result, indicator.code)
            assert score.points == _expected_points(indicator, None if want is None else _q4(want)), (
                result,
                indicator.code,
            )
            computed_total += score.points
            checked += 1
        assert result.total == _q(computed_total) and result.status == "draft"
    assert checked >= 30
    # The numbers are the ones a person counts by hand from the fixture.
    clerk1 = Result.objects.get(subject_staff__user__username="clerk1", period="2024-10")
    points = {s.indicator.code: s for s in clerk1.scores.select_related("indicator")}
    assert points["cases_accepted"].value == 4  # 8th twice, 21st, 31st 15:59 (+08:00)
    assert points["ratings_good_rate"].value == Decimal("0.5")  # a 5 and a 2 on clerk1's cases
    assert points["bad_ratings"].basis["records"][0]["type"] == "rating"
    clerk2 = Result.objects.get(subject_staff__user__username="clerk2", period="2024-10")
    returned = clerk2.scores.get(indicator__code="returns_to_window")
    assert returned.value == 1 and returned.points == Decimal("12.00")
    assert returned.basis["records"][0]["ref"] == october[3].number
    approver = Result.objects.get(subject_staff__user__username="construction-approver", period="2024-10")
    late = approver.scores.get(indicator__code="decided_late")
    assert late.value == 1 and late.basis["records"][0]["ref"] == october[1].number
    # The 差评 of 8 October was due on 28 October (15 working days, 12 October worked) and is unanswered.
    department = Result.objects.get(subject_department__code="construction", period="2024-10")
    assert department.scores.get(indicator__code="rectifications_late").value == 1
    # Supervision: three reminders sent in October (one to the whole department), one order; the September
    # reminder counts only for its acknowledgment, made in October.
    scores = {s.indicator.code: s for s in department.scores.select_related("indicator")}
    assert scores["reminders_received"].value == 3 and scores["reminders_received"].points == 2
    assert {r_["type"] for r_ in scores["reminders_received"].basis["records"]} == {"reminder"}
    assert scores["orders_received"].value == 1 and scores["orders_received"].points == 5
    assert scores["orders_received"].basis["records"][0]["ref"].startswith("督办〔2024〕")
    assert scores["acknowledgment_delay"].basis["count"] == 2
    assert len(scores["acknowledgment_delay"].basis["records"]) == 2
    # Daily evaluations: the entries behind the marks, each a day of October.
    marked = Score.objects.filter(indicator__code="daily_evaluations", value__gt=0).first()
    assert marked is not None and marked.basis["records"][0]["type"] == "evaluation"
    assert all(r_["ref"].startswith("2024-10-") for r_ in marked.basis["records"])
    # Every result's computation is audited, and the run itself.
    assert AuditEntry.objects.filter(action="assessment.compute").count() == Result.objects.count()
    assert AuditEntry.objects.filter(action="assessment.run", detail__period="2024-10").count() == 1


def _q4(x) -> Decimal:
    return Decimal(x).quantize(Decimal("0.0001"))


def test_a_second_run_recomputes_drafts_keeps_entered_scores_and_leaves_later_steps(october):
    supervisor = user("supervisor1")
    services.run(actor=supervisor, period="2024-10")
    clerk1 = Result.objects.get(subject_staff__user__username="clerk1", period="2024-10")
    services.enter_score(actor=supervisor, result=clerk1, indicator="conduct", points="14", note="服务热情")
    services.enter_score(actor=supervisor, result=clerk1, indicator="discipline", points="10")
    clerk1.refresh_from_db()
    services.act(actor=supervisor, result=clerk1, action="review", version=clerk1.version)
    again = services.run(actor=supervisor, period="2024-10")
    assert again.created == 0 and again.kept == 1 and again.updated == Result.objects.count() - 1
    clerk1.refresh_from_db()
    assert clerk1.status == "reviewed" and clerk1.scores.get(indicator__code="conduct").points == 14


def test_an_entered_score_must_be_in_range_and_every_one_entered_before_review(october):
    supervisor = user("supervisor1")
    services.run(actor=supervisor, period="2024-10")
    result = Result.objects.get(subject_staff__user__username="clerk1", period="2024-10")
    api = ApiClient("supervisor1")
    scores = f"/assessments/{result.pk}/scores"
    assert api.post(scores, {"indicator": "conduct", "points": 16}).status_code == 422  # beyond its range
    assert api.post(scores, {"indicator": "cases_accepted", "points": 1}).status_code == 422  # computed
    assert api.post(scores, {"indicator": "conduct", "points": 101}).status_code == 400  # beyond the schema
    assert api.post(f"/assessments/{result.pk}/review", {}).status_code == 422
    ok = api.post(
        f"/assessments/{result.pk}/scores", {"indicator": "conduct", "points": "12.5", "note": "迟到一次"}
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["scores"][5]["points"] == "12.50" or any(
        s["points"] == "12.50" for s in ok.json()["scores"]
    )
    assert (
        api.post(
            f"/assessments/{result.pk}/scores", {"indicator": "conduct", "points": 12, "version": 1}
        ).status_code
        == 409
    )


def _through(result_id, *steps, version=None):
    """Take `steps` with the users who take them (supervisor, then the 督考办, then the unit)."""
    who = {
        "review": "supervisor1",
        "confirm": "supervisor1",
        "file": "supervisor1",
        "acknowledge": "assessor1",
        "return": "assessor1",
    }
    for step in steps:
        actor = user(who.get(step, "supervisor1"))
        services.act(actor=actor, result=result_id, action=step)


def _fill(result):
    supervisor = user("supervisor1")
    for score in result.scores.select_related("indicator").filter(indicator__kind="entered"):
        services.enter_score(
            actor=supervisor, result=result.pk, indicator=score.indicator.code, points=score.indicator.maximum
        )


def test_the_flow_draft_to_recorded_with_the_office_and_the_unit(october):
    supervisor = user("supervisor1")
    services.run(actor=supervisor, period="2024-10")
    result = Result.objects.get(subject_staff__user__username="construction-approver", period="2024-10")
    _fill(result)
    office, head, other_head = (
        ApiClient("assessor1"),
        ApiClient("construction-head"),
        ApiClient("health-head"),
    )
    assert office.get("/assessments").json()["count"] == 0  # nothing filed yet
    assert head.get("/assessments").json()["count"] == 0  # nothing confirmed yet
    assert office.post(f"/assessments/{result.pk}/acknowledge", {}).status_code == 404
    _through(result.pk, "review", "confirm")
    assert head.get("/assessments").json()["count"] == 1
    assert ApiClient("construction-approver").get("/assessments").json()["count"] == 1  # their own
    assert other_head.get("/assessments").json()["count"] == 0
    assert ApiClient("clerk1").get(f"/assessments/{result.pk}").status_code == 404
    assert office.post(f"/assessments/{result.pk}/file", {}).status_code == 404  # not filed: out of its sight
    assert head.post(f"/assessments/{result.pk}/file", {}).status_code == 403
    filed = ApiClient("supervisor1").post(f"/assessments/{result.pk}/file", {})
    assert filed.status_code == 200 and filed.json()["status"] == "filed"
    assert Notification.objects.filter(kind="assessment.filed", recipient__kind="office").count() == 1
    listed = office.get("/assessments", {"period": "2024-10"}).json()
    assert [x["id"] for x in listed["results"]] == [result.pk]
    assert office.post(f"/assessments/{result.pk}/return", {}).status_code == 409  # acknowledge first
    assert office.post(f"/assessments/{result.pk}/acknowledge", {}).status_code == 200
    assert office.post(f"/assessments/{result.pk}/acknowledge", {}).status_code == 409
    assert office.post(f"/assessments/{result.pk}/return", {}).status_code == 200
    assert (
        ApiClient("supervisor1").post(f"/assessments/{result.pk}/record", {}).status_code == 403
    )  # not the bureau's
    recorded = head.post(f"/assessments/{result.pk}/record", {})
    assert recorded.status_code == 200 and recorded.json()["status"] == "recorded"
    actions = list(
        AuditEntry.objects.filter(object_type="assessment.result", object_id=str(result.pk))
        .order_by("seq", "id")
        .values_list("action", flat=True)
    )
    assert actions[-6:] == [
        "assessment.review",
        "assessment.confirm",
        "assessment.file",
        "assessment.acknowledge",
        "assessment.return",
        "assessment.record",
    ]


def test_a_filed_result_changes_through_no_path_and_a_correction_keeps_both(october):
    supervisor = user("supervisor1")
    services.run(actor=supervisor, period="2024-10")
    result = Result.objects.get(subject_staff__user__username="clerk1", period="2024-10")
    _fill(result)
    _through(result.pk, "review", "confirm", "file")
    result.refresh_from_db()
    total, version = result.total, result.version
    # The services and the API.
    with pytest.raises(Conflict):
        services.enter_score(actor=supervisor, result=result.pk, indicator="conduct", points=1)
    api = ApiClient("supervisor1")
    for step in ("review", "confirm", "reopen", "file"):
        assert api.post(f"/assessments/{result.pk}/{step}", {}).status_code == 409, step
    assert (
        api.post(f"/assessments/{result.pk}/scores", {"indicator": "conduct", "points": 1}).status_code == 409
    )
    assert services.run(actor=supervisor, period="2024-10").kept >= 1
    # The admin site: read-only whatever the permissions.
    from django.contrib import admin as django_admin

    model_admin = django_admin.site._registry[Result]
    assert not model_admin.has_change_permission(None, result) and not model_admin.has_delete_permission(
        None, result
    )
    # The database itself.
    for statement, params in [
        ("UPDATE assessment_result SET total = 100 WHERE id = %s", [result.pk]),
        ("UPDATE assessment_result SET status = 'draft' WHERE id = %s", [result.pk]),
        ("DELETE FROM assessment_result WHERE id = %s", [result.pk]),
        ("UPDATE assessment_score SET points = 0 WHERE result_id = %s", [result.pk]),
        ("DELETE FROM assessment_score WHERE result_id = %s", [result.pk]),
    ]:
        with (
            pytest.raises((IntegrityError, InternalError, OperationalError, ProgrammingError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, params)
    result.refresh_from_db()
    assert (result.total, result.version, result.status) == (total, version, "filed")
    # The flow's own next step still goes through the trigger.
    services.act(actor=user("assessor1"), result=result.pk, action="acknowledge")
    # A correction: a new linked draft; both stay, the filed one untouched.
    response = api.post(f"/assessments/{result.pk}/correct", {"reason": "受理量统计口径有误"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["corrects"] == result.pk and body["status"] == "draft"
    assert api.post(f"/assessments/{result.pk}/correct", {"reason": "再次"}).status_code == 409
    new = Result.objects.get(pk=body["id"])
    assert new.scores.get(indicator__code="conduct").points == 15  # the entered scores carried over
    result.refresh_from_db()
    assert result.status == "filed" and result.total == total
    assert api.get(f"/assessments/{result.pk}").json()["corrected_by"] == new.pk
    assert AuditEntry.objects.filter(action="assessment.correct", object_id=str(new.pk)).exists()


def test_the_annual_score_follows_the_schemes_formula(world, frozen_clock):
    supervisor = user("supervisor1")
    frozen_clock(at(2024, 12, 31, 18))
    for month in ("2024-10", "2024-11", "2024-12"):
        services.run(actor=supervisor, period=month, kinds=["department"])
    months = Result.objects.filter(subject_department__code="construction").order_by("period")
    assert months.count() == 3
    for n, result in enumerate(months):
        services.enter_score(
            actor=supervisor, result=result.pk, indicator="cooperation", points=[10, 4, 7][n]
        )
    for result in months:
        _through(result.pk, "review", "confirm")
    summary = services.run(actor=supervisor, period="2024", kinds=["department"])
    assert summary.created >= 1
    year = Result.objects.get(subject_department__code="construction", period="2024")
    services.enter_score(actor=supervisor, result=year.pk, indicator="annual_review", points="88.5")
    year.refresh_from_db()
    scheme = Scheme.objects.get(subject_kind="department", version=1)
    totals = [
        m.total for m in Result.objects.filter(subject_department__code="construction", period_kind="month")
    ]
    mean = _q(sum(totals) / len(totals))  # equal month weights in the default scheme
    assert year.monthly_mean == mean
    assert year.year_end_score == Decimal("88.50")
    assert year.total == _q(scheme.monthly_share * mean + (1 - scheme.monthly_share) * Decimal("88.5"))
    assert [m["period"] for m in year.months] == ["2024-10", "2024-11", "2024-12"]
    # With month weights in a new version, a later year's mean is weighted.
    from onewindow.assessment import scoring

    assert scoring.weighted_mean({1: Decimal(80), 2: Decimal(90)}, [1, 3]) == Decimal("87.50")


def test_a_year_cannot_be_reviewed_before_its_months_are_confirmed(world, frozen_clock):
    supervisor = user("supervisor1")
    frozen_clock(at(2024, 12, 31, 18))
    services.run(actor=supervisor, period="2024-11", kinds=["department"])
    services.run(actor=supervisor, period="2024", kinds=["department"])
    year = Result.objects.get(subject_department__code="construction", period="2024")
    services.enter_score(actor=supervisor, result=year.pk, indicator="annual_review", points=90)
    assert ApiClient("supervisor1").post(f"/assessments/{year.pk}/review", {}).status_code == 422


def test_the_command_line_runs_a_month_and_refuses_a_bad_period(world, frozen_clock):
    frozen_clock(at(2024, 11, 2, 9))
    out = io.StringIO()
    call_command("assess", period="2024-10", stdout=out)
    assert "period 2024-10" in out.getvalue() and Result.objects.filter(period="2024-10").exists()
    assert AuditEntry.objects.filter(action="assessment.run", actor="system").exists()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("assess", period="2024-13")


def test_lists_and_schemas_answer_exact_values(october):
    api = ApiClient("supervisor1")
    assert api.post("/assessments/runs", {"period": "2024-10"}).status_code == 200
    assert api.post("/assessments/runs", {"period": "2024-1"}).status_code == 400
    assert ApiClient("clerk1").post("/assessments/runs", {"period": "2024-10"}).status_code == 403
    listed = api.get("/assessments", {"period": "2024-10", "subject_kind": "department"}).json()
    assert listed["count"] == Result.objects.filter(subject_kind="department").count()
    assert {x["status"] for x in listed["results"]} == {"draft"}
    assert api.get("/assessments", {"status": "bogus"}).status_code == 400
    assert api.get("/assessments", {"subject_kind": "bogus"}).status_code == 400


def test_a_scheme_change_is_a_new_version_and_results_keep_theirs(october):
    api = ApiClient("supervisor1")
    api.post("/assessments/runs", {"period": "2024-10"})
    schemes = api.get("/assessment-schemes").json()
    current = next(s for s in schemes if s["subject_kind"] == "window_staff")
    indicators = current["indicators"]
    bad = api.post(
        "/assessment-schemes",
        {
            "subject_kind": "window_staff",
            "effective_from": "2024-11-01",
            "monthly_share": "0.6",
            "indicators": indicators[:2],
        },
    )
    assert bad.status_code == 422 and "indicators" in bad.json()["errors"]
    indicators[0]["parameter"] = "60"
    created = api.post(
        "/assessment-schemes",
        {
            "subject_kind": "window_staff",
            "name": "2024年11月起",
            "effective_from": "2024-11-01",
            "monthly_share": "0.6",
            "indicators": indicators,
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["version"] == current["version"] + 1
    assert Scheme.objects.filter(subject_kind="window_staff").count() == 2
    october_result = Result.objects.filter(subject_kind="window_staff", period="2024-10").first()
    assert october_result.scheme.version == 1  # kept
    services.run(actor=user("supervisor1"), period="2024-11", kinds=["window_staff"])
    assert Result.objects.filter(subject_kind="window_staff", period="2024-11").first().scheme.version == 2
    assert ApiClient("clerk1").post("/assessment-schemes", {}).status_code in (400, 403)


# -- documents and pages ------------------------------------------------------------------------------


def _filed(october_result_username="clerk1"):
    supervisor = user("supervisor1")
    services.run(actor=supervisor, period="2024-10")
    result = Result.objects.get(subject_staff__user__username=october_result_username, period="2024-10")
    _fill(result)
    _through(result.pk, "review", "confirm", "file")
    result.refresh_from_db()
    return result


def test_the_assessment_sheet_pdf_reads_back_in_chinese(october):
    result = _filed()
    response = sign_in(Client(), "supervisor1").get(f"/assessments/{result.pk}/sheet.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = artifacts_dir() / "assessment-sheet.pdf"
    path.write_bytes(response.content)
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    text = "".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split()
    )
    for words in (
        "考核登记表",
        "王晓梅",
        "综合窗口工作人员",
        "2024-10",
        "受理办件量",
        "服务作风",
        "已报送督考办",
        str(result.total),
    ):
        assert words in text, words
    assert ApiClient("assessor1").get(f"/assessments/{result.pk}/sheet.pdf").status_code == 200
    assert ApiClient("clerk2").get(f"/assessments/{result.pk}/sheet.pdf").status_code == 404


def test_the_ranking_workbook_lists_a_period_best_first(october):
    from openpyxl import load_workbook

    services.run(actor=user("supervisor1"), period="2024-10")
    response = sign_in(Client(), "supervisor1").get(
        "/assessments/ranking.xlsx", {"period": "2024-10", "subject_kind": "window_staff"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("名次", "考核对象", "单位", "得分")
    scores = [row[3] for row in rows[1:]]
    assert (
        scores == sorted(scores, reverse=True)
        and len(scores) == Result.objects.filter(subject_kind="window_staff").count()
    )


def test_the_personal_file_shows_every_filed_result(october):
    result = _filed()
    page = sign_in(Client(), "clerk1").get("/assessments/people/clerk1/")
    html = page.content.decode()
    assert (
        page.status_code == 200
        and "个人档案" in html
        and str(result.total) in html
        and 'id="chart-2024"' in html
    )
    assert sign_in(Client(), "clerk2").get("/assessments/people/clerk1/").status_code == 404
    assert sign_in(Client(), "assessor1").get("/assessments/people/clerk1/").status_code == 200


def test_the_pages_run_enter_and_file(october):
    client = sign_in(Client(), "supervisor1")
    assert client.post("/assessments/run/", {"period": "2024-10"}).status_code == 302
    result = Result.objects.get(subject_staff__user__username="clerk2", period="2024-10")
    page = client.get(f"/assessments/{result.pk}/").content.decode()
    assert "后台退回" in page and 'id="enter-conduct"' in page
    assert (
        client.post(f"/assessments/{result.pk}/score/", {"indicator": "conduct", "points": "99"}).status_code
        == 422
    )
    for code, points in (("conduct", "13"), ("discipline", "9")):
        assert (
            client.post(f"/assessments/{result.pk}/score/", {"indicator": code, "points": points}).status_code
            == 302
        )
    for step in ("review", "confirm", "file"):
        assert client.post(f"/assessments/{result.pk}/{step}/", {}).status_code == 302, step
    result.refresh_from_db()
    assert result.status == "filed"
    assert client.get("/assessments/schemes/").status_code == 200
    assert client.get("/assessments/schemes/department/new/").status_code == 200
    office = sign_in(Client(), "assessor1").get("/assessments/").content.decode()
    assert "李娜" in office and "王晓梅" not in office


def test_a_runs_query_count_does_not_grow_with_the_subjects(october, frozen_clock):
    """Each indicator is one grouped query for all the subjects (and one for the records behind it),
    the results, scores and audit entries are written in bulk: 8 more clerks cost no query."""
    from django.test.utils import CaptureQueriesContext

    from onewindow.org import services as org_services

    supervisor = user("supervisor1")

    def queries() -> tuple[int, int]:
        Score.objects.all().delete()  # drafts only: the triggers let them go
        Result.objects.all().delete()
        frozen_clock(at(2024, 11, 5, 9))
        with CaptureQueriesContext(connection) as captured:
            summary = services.run(actor=supervisor, period="2024-10")
        return len(captured.captured_queries), summary.created

    services.run(actor=supervisor, period="2024-10")  # installs the default schemes
    before, subjects_before = queries()
    for n in range(8):
        org_services.create_user(
            actor=None,
            username=f"clerk-extra{n}",
            role="window_clerk",
            password=DEMO_PASSWORD,
            full_name=f"新窗口{n}",
        )
        make_case(
            frozen_clock,
            clerk=f"clerk-extra{n}",
            accepted=at(2024, 10, 22, 9, n),
            decided=at(2024, 10, 23, 10, n),
            issued=at(2024, 10, 24, 9, n),
            rating=1 + n % 5,
        )
    after, subjects_after = queries()
    assert subjects_after == subjects_before + 8
    assert after == before, (before, after)


def test_the_result_page_lists_the_reminders_orders_and_evaluations_behind_a_score(october):
    services.run(actor=user("supervisor1"), period="2024-10")
    client = sign_in(Client(), "supervisor1")
    department = Result.objects.get(subject_department__code="construction", period="2024-10")
    html = client.get(f"/assessments/{department.pk}/").content.decode()
    order = SupervisionOrder.objects.get()
    assert 'id="score-reminders_received"' in html and "被催办" in html and "催办" in html
    assert f'href="/supervision/orders/{order.pk}/"' in html and order.number in html
    assert "个工作小时后签收" in html and "全部超期办件" in html  # the department reminder has no case
    marked = (
        Score.objects.filter(indicator__code="daily_evaluations", value__gt=0)
        .select_related("result")
        .first()
    )
    html = client.get(f"/assessments/{marked.result_id}/").content.decode()
    assert "日常考评" in html and marked.basis["records"][0]["ref"] in html
