import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from onewindow.catalogue import selectors, services
from onewindow.catalogue.models import Assignment
from onewindow.core.errors import Conflict
from onewindow.core.models import AuditEntry
from onewindow.org.models import Organisation

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANDOVER = dt.datetime(2024, 9, 5, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture
def development(sample_org):
    return Organisation.objects.get(code="development")


def test_implementer_follows_the_handover_instant(subitem, development):
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=7)
    second = dt.timedelta(seconds=1)
    assert selectors.implementer(subitem, HANDOVER - second).code == "data-bureau"
    assert selectors.implementer(subitem, HANDOVER).code == "development"
    assert selectors.implementer(subitem, HANDOVER + dt.timedelta(days=400)).code == "development"
    assert selectors.assignment_at(subitem, HANDOVER).agreement_id == 7


def test_start_assignment_leaves_no_gap_and_no_overlap(subitem, development):
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=1)
    old, new = Assignment.objects.filter(subitem=subitem).order_by("valid_from")
    assert old.valid_to == new.valid_from == HANDOVER
    assert new.valid_to is None


def test_start_assignment_is_audited(subitem, development):
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=3)
    entry = AuditEntry.objects.filter(action="catalogue.assignment.start").get()
    assert entry.detail["from"] == "data-bureau" and entry.detail["to"] == "development"


def test_a_new_range_must_start_after_the_open_one(subitem, development):
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=1)
    bureau = Organisation.objects.get(code="data-bureau")
    for at in (HANDOVER, HANDOVER - dt.timedelta(days=1)):
        with pytest.raises(Conflict):
            services.start_assignment(subitem=subitem, organisation=bureau, at=at, agreement_id=2)
    assert Assignment.objects.filter(subitem=subitem).count() == 2
    assert selectors.implementer(subitem, HANDOVER).code == "development"


def test_two_successive_handovers_chain_without_gaps(subitem, development):
    science = Organisation.objects.get(code="science")
    later = HANDOVER + dt.timedelta(days=30)
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=1)
    services.start_assignment(subitem=subitem, organisation=science, at=later, agreement_id=2)
    ranges = list(Assignment.objects.filter(subitem=subitem).order_by("valid_from"))
    assert [a.organisation.code for a in ranges] == ["data-bureau", "development", "science"]
    assert ranges[0].valid_to == ranges[1].valid_from and ranges[1].valid_to == ranges[2].valid_from
    services.check_assignment_ranges(subitem.pk)


def test_overlapping_rows_are_detected_on_every_engine(subitem, development):
    from django.db import IntegrityError, transaction

    try:
        with transaction.atomic():
            Assignment.objects.filter(subitem=subitem).update(valid_to=HANDOVER + dt.timedelta(hours=1))
            Assignment.objects.create(
                region=subitem.region, subitem=subitem, organisation=development, valid_from=HANDOVER
            )
            services.check_assignment_ranges(subitem.pk)
    except (Conflict, IntegrityError):  # the service check, or PostgreSQL's exclusion constraint first
        pass
    else:
        pytest.fail("an overlap went through")
    assert Assignment.objects.filter(subitem=subitem).count() == 1


def test_a_gap_is_detected(subitem, development):
    Assignment.objects.filter(subitem=subitem).update(valid_to=HANDOVER)
    Assignment.objects.create(
        region=subitem.region,
        subitem=subitem,
        organisation=development,
        valid_from=HANDOVER + dt.timedelta(minutes=1),
    )
    with pytest.raises(Conflict):
        services.check_assignment_ranges(subitem.pk)


def test_postgresql_refuses_overlaps_itself(subitem, development):
    from django.db import IntegrityError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("exclusion constraints exist on PostgreSQL only")
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(subitem=subitem).update(valid_to=HANDOVER + dt.timedelta(hours=1))
        Assignment.objects.create(
            region=subitem.region, subitem=subitem, organisation=development, valid_from=HANDOVER
        )


def test_a_future_range_can_be_cancelled_but_not_once_begun(subitem, development, frozen_clock):
    frozen_clock(HANDOVER - dt.timedelta(days=1))
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=9)
    services.cancel_assignment(subitem=subitem, agreement_id=9)
    assert selectors.implementer(subitem, HANDOVER).code == "data-bureau"
    assert Assignment.objects.get(subitem=subitem).valid_to is None
    services.start_assignment(subitem=subitem, organisation=development, at=HANDOVER, agreement_id=10)
    frozen_clock(HANDOVER)
    with pytest.raises(Conflict):
        services.cancel_assignment(subitem=subitem, agreement_id=10)


def test_implementer_is_one_query(subitem, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.implementer(subitem.pk, HANDOVER)
