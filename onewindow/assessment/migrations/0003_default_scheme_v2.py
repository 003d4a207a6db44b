"""The default schemes' second version (docs/rules.md rule 20): the supervision indicators (reminders and
supervision orders received, acknowledgment delay) and the daily evaluations of the staffing app join the
computed indicators. A region still on the shipped version 1 of a kind (no version saved by a supervisor)
gets version 2, effective from the first day of the current month: results already computed keep version
1, as do later runs of earlier months. A fresh installation gets the new indicators in version 1
(`assessment.defaults`). The rows are written out here, so later changes of the defaults leave this as it is.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations
from django.utils import timezone

# (code, name, source, rule, weight, parameter): the computed indicators added per kind.
DAILY = ("daily_evaluations", "日常考评", "daily_evaluations", "deduct", 10, 2)
ADDED = {
    "window_staff": [DAILY],
    "stationed_staff": [DAILY],
    "department": [
        ("reminders_received", "被催办", "reminders_received", "deduct", 5, 1),
        ("orders_received", "被督办", "orders_received", "deduct", 10, 5),
        ("acknowledgment_delay", "催办签收时效", "acknowledgment_delay", "deduct", 5, 1),
    ],
}
# New weights of version 1's monthly indicators, to keep the month at 100 points.
REWEIGHED = {
    "window_staff": {"cases_accepted": 15, "ratings_good_rate": 15},
    "stationed_staff": {"cases_decided": 15, "decided_late": 10},
    "department": {"on_time_rate": 30, "decided_late": 10, "ratings_good_rate": 15, "rectifications_late": 5},
}


def forwards(apps, schema_editor):
    Scheme = apps.get_model("assessment", "Scheme")
    Indicator = apps.get_model("assessment", "Indicator")
    today = timezone.localdate()
    first = dt.date(today.year, today.month, 1)
    for kind, added in ADDED.items():
        for v1 in Scheme.objects.filter(subject_kind=kind, version=1, created_by__isnull=True):
            if Scheme.objects.filter(region_id=v1.region_id, subject_kind=kind, version__gt=1).exists():
                continue  # the supervisor changed it: theirs stays
            if Indicator.objects.filter(scheme=v1, code__in=[row[0] for row in added]).exists():
                continue  # already the new default
            v2 = Scheme.objects.create(
                region_id=v1.region_id,
                subject_kind=kind,
                version=2,
                name=v1.name,
                effective_from=max(first, v1.effective_from),
                monthly_share=v1.monthly_share,
                month_weights=v1.month_weights,
                note="默认方案第2版：增加督办、催办与日常考评指标（docs/rules.md 规则20）",
                created_at=timezone.now(),
            )
            rows = list(Indicator.objects.filter(scheme=v1).order_by("part", "sort_order", "pk"))
            monthly = [i for i in rows if i.part == "month"]
            entered_from = next((n for n, i in enumerate(monthly) if i.kind == "entered"), len(monthly))
            order = [*monthly[:entered_from], *[None] * len(added), *monthly[entered_from:]]
            extra = iter(added)
            n = 0
            for old in order:
                if old is None:
                    code, name, source, rule, weight, parameter = next(extra)
                    Indicator.objects.create(
                        scheme=v2,
                        code=code,
                        name=name,
                        kind="computed",
                        part="month",
                        source=source,
                        rule=rule,
                        weight=Decimal(weight),
                        parameter=Decimal(parameter),
                        sort_order=n,
                    )
                else:
                    Indicator.objects.create(
                        scheme=v2,
                        code=old.code,
                        name=old.name,
                        kind=old.kind,
                        part=old.part,
                        source=old.source,
                        rule=old.rule,
                        weight=Decimal(REWEIGHED[kind].get(old.code, old.weight)),
                        parameter=old.parameter,
                        minimum=old.minimum,
                        maximum=old.maximum,
                        sort_order=n,
                    )
                n += 1
            for old in rows:
                if old.part != "month":
                    Indicator.objects.create(
                        scheme=v2,
                        code=old.code,
                        name=old.name,
                        kind=old.kind,
                        part=old.part,
                        source=old.source,
                        rule=old.rule,
                        weight=old.weight,
                        parameter=old.parameter,
                        minimum=old.minimum,
                        maximum=old.maximum,
                        sort_order=n,
                    )
                    n += 1


class Migration(migrations.Migration):
    dependencies = [("assessment", "0002_immutable_after_filing")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
