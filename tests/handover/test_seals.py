"""The seal registry and rule 2: a result carries a valid, non-void seal of the authority pinned at acceptance."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.catalogue.selectors import implementer
from onewindow.core import clock
from onewindow.core.errors import Conflict, InvalidInput, PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.handover import sample, services
from onewindow.handover.models import Seal, SealPurpose
from onewindow.handover.seals import NoValidSeal, select_seal, select_seal_for_case
from tests.handover.conftest import BEFORE_HANDOVER, user


def old_special_seal():
    return Seal.objects.get(name=sample.OLD_SPECIAL_SEAL)


def bureau_official_seal():
    return Seal.objects.get(name=sample.BUREAU_OFFICIAL_SEAL)


def test_sample_registers_the_bureau_seals_and_one_per_receiving_department(catalogue):
    bureau_seals = Seal.objects.filter(organisation__code="data-bureau")
    assert {(s.name, s.purpose) for s in bureau_seals} == {
        ("高新区行政审批专用章", SealPurpose.APPROVAL),
        ("鞍山高新区行政审批局", SealPurpose.OFFICIAL),
    }
    assert not any(s.void for s in bureau_seals)
    department_seals = Seal.objects.filter(organisation__kind__in=["internal", "resident"])
    assert department_seals.count() == 14
    assert department_seals.values("organisation").distinct().count() == 14


def test_loading_the_sample_again_neither_duplicates_nor_revives_a_voided_seal(catalogue):
    count = Seal.objects.count()
    services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="交接协议生效，旧章作废")
    assert sample.load() == {"seals created": 0}
    assert Seal.objects.count() == count
    assert old_special_seal().void


def test_void_is_audited_and_records_who_and_why(catalogue):
    seal = services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="交接协议生效")
    assert seal.void and seal.voided_by.username == "supervisor1" and seal.voided_at == BEFORE_HANDOVER
    entry = AuditEntry.objects.get(action="seal.void")
    assert entry.object_id == str(seal.pk) and entry.detail["reason"] == "交接协议生效"


def test_voiding_a_void_seal_is_409(catalogue):
    services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="作废")
    with pytest.raises(Conflict):
        services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="再次作废")


def test_void_needs_a_reason_and_the_supervisor(catalogue):
    with pytest.raises(InvalidInput):
        services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="  ")
    with pytest.raises(PermissionDenied):
        services.void_seal(actor=user("construction-head"), seal=old_special_seal(), reason="作废")
    assert not old_special_seal().void


def test_the_bureau_prefers_its_approval_seal_and_falls_back_to_its_official_seal(catalogue):
    assert select_seal(authority=catalogue.bureau, at=BEFORE_HANDOVER) == old_special_seal()
    services.void_seal(actor=user("supervisor1"), seal=old_special_seal(), reason="交接协议生效，旧章作废")
    assert select_seal(authority=catalogue.bureau, at=BEFORE_HANDOVER) == bureau_official_seal()


def test_no_valid_seal_refuses_with_a_clear_error(catalogue):
    seal = Seal.objects.get(organisation=catalogue.health)
    services.void_seal(actor=user("supervisor1"), seal=seal, reason="印章遗失")
    with pytest.raises(NoValidSeal) as raised:
        select_seal(authority=catalogue.health, at=BEFORE_HANDOVER)
    assert raised.value.status == 422
    assert catalogue.health.name in str(raised.value)


def test_a_seal_is_not_valid_before_its_start_nor_from_its_end(catalogue):
    start = BEFORE_HANDOVER + dt.timedelta(days=1)
    newer = Seal.objects.create(
        region=catalogue.region,
        organisation=catalogue.health,
        name="鞍山高新区卫生健康局行政审批专用章",
        purpose=SealPurpose.APPROVAL,
        valid_from=start,
        valid_to=start + dt.timedelta(days=10),
    )
    official = Seal.objects.get(organisation=catalogue.health, purpose=SealPurpose.OFFICIAL)
    assert select_seal(authority=catalogue.health, at=start - dt.timedelta(seconds=1)) == official
    assert select_seal(authority=catalogue.health, at=start) == newer
    assert select_seal(authority=catalogue.health, at=start + dt.timedelta(days=10)) == official


def test_select_seal_for_case_uses_the_pinned_authority_and_the_clock(catalogue, frozen_clock):
    case = SimpleNamespace(authority=catalogue.construction)
    assert select_seal_for_case(case).organisation == catalogue.construction


def test_in_a_request_the_seal_comes_from_the_cache_and_a_voided_seal_is_dropped_at_once(
    catalogue, django_assert_num_queries
):
    """select_seal reads the registry through core.stamps' cache: no query once warm in a request whose
    stamp was seen, and a seal voided by any writer (here a bare UPDATE, as a shell or another server
    would) is never applied in the next request."""
    from onewindow.core import stamps

    def in_request():  # core.stamps' request_started receiver (the real signal would close the test's DB)
        stamps._request_started()
        stamps.observe(stamps.read())  # what the token query and the row lock do at a request's start

    old, official = old_special_seal(), bureau_official_seal()
    in_request()
    try:
        assert select_seal(authority=catalogue.bureau, at=BEFORE_HANDOVER) == old
        with django_assert_num_queries(0):
            assert select_seal(authority=catalogue.bureau, at=BEFORE_HANDOVER) == old
    finally:
        stamps._request_finished()
    Seal.objects.filter(pk=old.pk).update(void=True, void_reason="旧章作废", voided_at=clock.now())
    in_request()
    try:
        assert select_seal(authority=catalogue.bureau, at=BEFORE_HANDOVER) == official
    finally:
        stamps._request_finished()


# -- rule 2 as a property ------------------------------------------------------------------------------

HOURS = st.integers(min_value=0, max_value=24 * 20)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    effective_h=st.integers(min_value=-24 * 3, max_value=24 * 10),
    accepted_h=HOURS,
    produced_after_h=HOURS,
    void_old_h=st.none() | HOURS,
    void_official_h=st.none() | HOURS,
    void_department_h=st.none() | HOURS,
    new_department_seal_h=st.none() | HOURS,
    superseding_h=st.none() | st.integers(min_value=1, max_value=24 * 10),
)
def test_rule_2_the_seal_follows_the_authority_at_acceptance(
    catalogue,
    draft,
    frozen_clock,
    effective_h,
    accepted_h,
    produced_after_h,
    void_old_h,
    void_official_h,
    void_department_h,
    new_department_seal_h,
    superseding_h,
):
    base = BEFORE_HANDOVER
    hours = lambda h: base + dt.timedelta(hours=h, seconds=1)  # noqa: E731
    savepoint = transaction.savepoint()
    try:
        frozen_clock(base)
        effective = base + dt.timedelta(hours=effective_h, seconds=7)
        agreement = draft(subitems=[catalogue.permit_subs[0].code], effective_at=effective)
        services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
        services.sign_agreement(actor=user("construction-head"), agreement=agreement)
        sub = catalogue.permit_subs[0]
        if superseding_h is not None:  # a second agreement replaces the first before anything else happens
            replacement = services.supersede_agreement(
                actor=user("supervisor1"),
                agreement=agreement,
                subitems=[sub.code],
                effective_at=base + dt.timedelta(hours=superseding_h, seconds=3),
            )
            services.sign_agreement(actor=user("supervisor1"), agreement=replacement)
            services.sign_agreement(actor=user("construction-head"), agreement=replacement)
            if effective > base:  # not yet in effect: the new time replaces the old one
                effective = replacement.effective_at
        accepted, produced = hours(accepted_h), hours(accepted_h + produced_after_h)
        if new_department_seal_h is not None:
            Seal.objects.create(
                region=catalogue.region,
                organisation=catalogue.construction,
                name="鞍山高新区住房和城乡建设局行政审批专用章",
                purpose=SealPurpose.APPROVAL,
                valid_from=hours(new_department_seal_h),
            )
        authority = implementer(sub, at=accepted)  # what the case pins at acceptance
        voids = [
            (h, seal)
            for h, seal in (
                (void_old_h, old_special_seal()),
                (void_official_h, bureau_official_seal()),
                (
                    void_department_h,
                    Seal.objects.get(organisation=catalogue.construction, purpose="official"),
                ),
            )
            if h is not None and hours(h) <= produced
        ]
        for h, seal in sorted(voids, key=lambda pair: pair[0]):
            frozen_clock(hours(h))
            services.void_seal(actor=user("supervisor1"), seal=seal, reason="测试作废")
        frozen_clock(produced)
        usable = [
            s
            for s in Seal.objects.filter(organisation=authority)
            if not s.void and s.valid_from <= produced and (s.valid_to is None or produced < s.valid_to)
        ]
        if not usable:
            with pytest.raises(NoValidSeal):
                select_seal_for_case(SimpleNamespace(authority=authority))
            return
        seal = select_seal_for_case(SimpleNamespace(authority=authority))

        assert seal.organisation == authority
        assert not seal.void
        assert seal.valid_from <= clock.now() and (seal.valid_to is None or clock.now() < seal.valid_to)
        if accepted < effective:
            assert authority == catalogue.bureau  # accepted before: the bureau's seal, even if produced after
        else:
            assert authority == catalogue.construction
        if any(s.purpose == SealPurpose.APPROVAL for s in usable):
            assert seal.purpose == SealPurpose.APPROVAL
    finally:
        transaction.savepoint_rollback(savepoint)
