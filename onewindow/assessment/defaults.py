"""The default scheme of each subject kind (docs/rules.md rule 20), installed as version 1 by load-sample
or by the first run of a region that has none; the supervisor changes it by saving a new version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from onewindow.assessment.models import Indicator, Scheme, SubjectKind
from onewindow.core import audit, clock

# (code, name, kind, part, source, rule, weight, parameter, minimum, maximum)
ANNUAL_REVIEW = ("annual_review", "年度述职测评", "entered", "year_end", "", "", 100, None, 0, 100)
# 2 points off per adverse mark of the daily evaluations (assessment.indicators.ADVERSE), 10 at most.
DAILY = (
    "daily_evaluations",
    "日常考评",
    "computed",
    "month",
    "daily_evaluations",
    "deduct",
    10,
    2,
    None,
    None,
)
DEFAULTS = {
    SubjectKind.WINDOW_STAFF: {
        "name": "综合窗口工作人员考核方案",
        "monthly_share": Decimal("0.70"),
        "indicators": [
            (
                "cases_accepted",
                "受理办件量",
                "computed",
                "month",
                "cases_accepted",
                "target",
                15,
                40,
                None,
                None,
            ),
            ("cases_issued", "出件量", "computed", "month", "cases_issued", "target", 10, 40, None, None),
            (
                "returns_to_window",
                "后台退回（受理差错）",
                "computed",
                "month",
                "returns_to_window",
                "deduct",
                15,
                3,
                None,
                None,
            ),
            (
                "ratings_good_rate",
                "好评率",
                "computed",
                "month",
                "ratings_good_rate",
                "rate",
                15,
                None,
                None,
                None,
            ),
            ("bad_ratings", "差评", "computed", "month", "bad_ratings", "deduct", 10, 5, None, None),
            DAILY,
            ("conduct", "服务作风", "entered", "month", "", "", 15, None, 0, 15),
            ("discipline", "工作纪律", "entered", "month", "", "", 10, None, 0, 10),
            ANNUAL_REVIEW,
        ],
    },
    SubjectKind.STATIONED_STAFF: {
        "name": "进驻人员考核方案",
        "monthly_share": Decimal("0.70"),
        "indicators": [
            (
                "cases_decided",
                "审批办件量",
                "computed",
                "month",
                "cases_decided",
                "target",
                15,
                30,
                None,
                None,
            ),
            (
                "decided_on_time_rate",
                "按时办结率",
                "computed",
                "month",
                "decided_on_time_rate",
                "rate",
                25,
                None,
                None,
                None,
            ),
            ("decided_late", "超期办件", "computed", "month", "decided_late", "deduct", 10, 5, None, None),
            (
                "ratings_good_rate",
                "好评率",
                "computed",
                "month",
                "ratings_good_rate",
                "rate",
                15,
                None,
                None,
                None,
            ),
            ("bad_ratings", "差评", "computed", "month", "bad_ratings", "deduct", 10, 5, None, None),
            DAILY,
            ("conduct", "服务作风与纪律", "entered", "month", "", "", 15, None, 0, 15),
            ANNUAL_REVIEW,
        ],
    },
    SubjectKind.DEPARTMENT: {
        "name": "部门事项办理考核方案",
        "monthly_share": Decimal("0.80"),
        "indicators": [
            (
                "on_time_rate",
                "按时办结率",
                "computed",
                "month",
                "department_on_time_rate",
                "rate",
                30,
                None,
                None,
                None,
            ),
            (
                "decided_late",
                "超期办件",
                "computed",
                "month",
                "department_decided_late",
                "deduct",
                10,
                3,
                None,
                None,
            ),
            (
                "ratings_good_rate",
                "好评率",
                "computed",
                "month",
                "ratings_good_rate",
                "rate",
                15,
                None,
                None,
                None,
            ),
            ("bad_ratings", "差评", "computed", "month", "bad_ratings", "deduct", 10, 2, None, None),
            (
                "rectifications_late",
                "差评整改超期",
                "computed",
                "month",
                "rectifications_late",
                "deduct",
                5,
                5,
                None,
                None,
            ),
            (
                "reminders_received",
                "被催办",
                "computed",
                "month",
                "reminders_received",
                "deduct",
                5,
                1,
                None,
                None,
            ),
            (
                "orders_received",
                "被督办",
                "computed",
                "month",
                "orders_received",
                "deduct",
                10,
                5,
                None,
                None,
            ),
            (
                "acknowledgment_delay",
                "催办签收时效",
                "computed",
                "month",
                "acknowledgment_delay",
                "deduct",
                5,
                1,
                None,
                None,
            ),
            ("cooperation", "配合度", "entered", "month", "", "", 10, None, 0, 10),
            ANNUAL_REVIEW,
        ],
    },
}
EFFECTIVE_FROM = dt.date(2020, 1, 1)


def install_default(kind: str, *, region) -> Scheme:
    """Version 1 of `kind`'s scheme, when the region has none (idempotent)."""
    with transaction.atomic():
        existing = Scheme.objects.filter(region=region, subject_kind=kind).order_by("version").first()
        if existing is not None:
            return existing
        spec = DEFAULTS[kind]
        scheme = Scheme.objects.create(
            region=region,
            subject_kind=kind,
            version=1,
            name=spec["name"],
            effective_from=EFFECTIVE_FROM,
            monthly_share=spec["monthly_share"],
            note="默认方案（docs/rules.md 规则20）",
            created_at=clock.now(),
        )
        for n, row in enumerate(spec["indicators"]):
            code, name, ikind, part, source, rule, weight, parameter, low, high = row
            Indicator.objects.create(
                scheme=scheme,
                code=code,
                name=name,
                kind=ikind,
                part=part,
                source=source,
                rule=rule,
                weight=Decimal(weight),
                parameter=None if parameter is None else Decimal(parameter),
                minimum=None if low is None else Decimal(low),
                maximum=None if high is None else Decimal(high),
                sort_order=n,
            )
        audit.record(
            action="assessment.scheme.default",
            region=region.code,
            obj=scheme,
            detail={"kind": kind, "version": 1},
        )
    return scheme


def install_defaults(*, region) -> list[Scheme]:
    return [install_default(kind, region=region) for kind in SubjectKind.values]
