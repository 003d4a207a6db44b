"""Fixtures of the handover tests: a small catalogue still implemented by the bureau, the sample seals."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from onewindow.catalogue.models import Assignment, PowerItem, SubItem
from onewindow.core import clock
from onewindow.handover import sample as seal_sample
from onewindow.org.models import Organisation
from onewindow.staffing import sample as staffing_sample
from tests.conftest import shared_world, world_fixture

HALL_TZ = dt.timezone(dt.timedelta(hours=8))


def at(*args) -> dt.datetime:
    """A time in the hall's offset (+08:00)."""
    return dt.datetime(*args, tzinfo=HALL_TZ)


BEFORE_HANDOVER = at(2024, 9, 3, 10, 0)


def user(username: str):
    return get_user_model().objects.select_related("staff__organisation").get(username=username)


def make_item(region, code, name, target, subitems, since):
    bureau = Organisation.objects.get(code="data-bureau")
    item = PowerItem.objects.create(
        region=region, code=code, name=name, power_type="licensing", power_source="department"
    )
    made = []
    for n, sub_name in enumerate(subitems, start=1):
        sub = SubItem.objects.create(
            region=region,
            item=item,
            code=f"{code}{n:03d}",
            name=sub_name,
            kind="promised",
            statutory_days=20,
            promised_days=10,
            target_department=target,
        )
        Assignment.objects.create(region=region, subitem=sub, organisation=bureau, valid_from=since)
        made.append(sub)
    return item, made


@shared_world("handover", parent="org")
def _handover_world(sample_org) -> SimpleNamespace:
    with clock.frozen(BEFORE_HANDOVER):
        return build_catalogue(sample_org)


world__handover = world_fixture("handover")


@pytest.fixture
def catalogue(sample_org, world__handover, frozen_clock):
    """Two construction items (3 sub-items) and one health item, implemented by the bureau since 2024-01-01;
    the sample seals; the clock at 2024-09-03 10:00 (+08:00)."""
    frozen_clock(BEFORE_HANDOVER)
    return world__handover


def build_catalogue(sample_org) -> SimpleNamespace:
    region = sample_org["region"]
    construction = Organisation.objects.get(code="construction")
    health = Organisation.objects.get(code="health")
    since = at(2024, 1, 1)
    permit, permit_subs = make_item(
        region,
        "XK00201",
        "建设工程施工许可",
        construction,
        ["建设工程施工许可（新办）", "建设工程施工许可（变更）"],
        since,
    )
    completion, completion_subs = make_item(
        region, "QT00301", "建设工程竣工验收备案", construction, ["竣工验收备案"], since
    )
    hygiene, hygiene_subs = make_item(
        region, "XK00501", "公共场所卫生许可", health, ["公共场所卫生许可（新办）"], since
    )
    seal_sample.load()
    # Each department's stationed approver qualified for the sub-items sent to it (as load-sample does).
    staffing_sample.qualify_stationed_approvers()
    return SimpleNamespace(
        region=region,
        bureau=Organisation.objects.get(code="data-bureau"),
        construction=construction,
        health=health,
        permit=permit,
        completion=completion,
        hygiene=hygiene,
        permit_subs=permit_subs,
        completion_subs=completion_subs,
        hygiene_subs=hygiene_subs,
        construction_subs=permit_subs + completion_subs,
    )


@pytest.fixture
def draft(catalogue):
    """A factory: draft(**overrides) → a construction agreement drafted by supervisor1."""
    from onewindow.handover import services

    def make(**overrides):
        fields = {
            "department": "construction",
            "subitems": [s.code for s in catalogue.construction_subs],
            "effective_at": at(2024, 9, 5, 0, 0),
            "rights_duties": "自协议生效之日起，乙方依法实施协议所列事项，并承担相应法律责任。",
            "liaison": "双方建立周例会和专人对接机制。",
        }
        fields.update(overrides)
        return services.draft_agreement(actor=user("supervisor1"), **fields)

    return make
