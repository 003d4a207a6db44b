"""The upgrade of a region still on the shipped default scheme: migration assessment/0003 gives each kind a
version 2 equal to the new default (the supervision and daily-evaluation indicators, weights adding up to
100), effective from the month of the upgrade; a region whose supervisor saved a version keeps theirs."""

from __future__ import annotations

import importlib
from decimal import Decimal

from django.apps import apps as django_apps

from onewindow.assessment import defaults
from onewindow.assessment.models import Indicator, Scheme

migration = importlib.import_module("onewindow.assessment.migrations.0003_default_scheme_v2")

# Version 1 as shipped before the upgrade: the new default without the added indicators, the old weights.
OLD_WEIGHTS = {
    "window_staff": {"cases_accepted": 20, "ratings_good_rate": 20},
    "stationed_staff": {"cases_decided": 20, "decided_late": 15},
    "department": {
        "on_time_rate": 35,
        "decided_late": 15,
        "ratings_good_rate": 20,
        "rectifications_late": 10,
    },
}


def test_a_region_on_the_old_default_gets_the_new_one_as_version_2(world):
    for kind, added in migration.ADDED.items():
        v1 = defaults.install_default(kind, region=world.region)
        Indicator.objects.filter(scheme=v1, code__in=[row[0] for row in added]).delete()
        for code, weight in OLD_WEIGHTS[kind].items():
            Indicator.objects.filter(scheme=v1, code=code).update(weight=weight)
        assert sum(i.weight for i in v1.indicators.filter(part="month")) == 100
    migration.forwards(django_apps, None)
    migration.forwards(django_apps, None)  # idempotent: a version 2 exists
    for kind, spec in defaults.DEFAULTS.items():
        v2 = Scheme.objects.get(region=world.region, subject_kind=kind, version=2)
        got = [(i.code, i.kind, i.part, i.source, i.rule, i.weight, i.parameter) for i in v2.indicators.all()]
        want = [
            (
                code,
                ikind,
                part,
                source,
                rule,
                Decimal(weight),
                None if parameter is None else Decimal(parameter),
            )
            for code, _name, ikind, part, source, rule, weight, parameter, _low, _high in spec["indicators"]
        ]
        assert got == want, kind
        assert v2.effective_from.day == 1 and v2.monthly_share == spec["monthly_share"]


def test_a_region_on_the_new_default_or_with_its_own_version_is_left_alone(world):
    defaults.install_defaults(region=world.region)
    migration.forwards(django_apps, None)
    assert not Scheme.objects.filter(version=2).exists()
