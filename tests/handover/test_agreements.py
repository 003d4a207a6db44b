"""Handover agreements: drafting, signing by the two parties only, the flip at the effective instant."""

import datetime as dt

import pytest

from onewindow.catalogue.models import Assignment
from onewindow.catalogue.selectors import implementer
from onewindow.core.errors import Conflict, InvalidInput, PermissionDenied, RuleViolation
from onewindow.core.models import AuditEntry
from onewindow.handover import services
from onewindow.handover.models import AgreementStatus
from tests.handover.conftest import BEFORE_HANDOVER, at, user


def sign_both(agreement):
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    return services.sign_agreement(actor=user(f"{agreement.department.code}-head"), agreement=agreement)


def test_drafted_agreement_names_both_parties_and_responsible_people(draft, catalogue):
    agreement = draft()
    assert agreement.status == AgreementStatus.DRAFT
    assert agreement.bureau == catalogue.bureau and agreement.department == catalogue.construction
    assert agreement.number.startswith("JJXY-2024-")
    assert agreement.bureau_contact_name == "刘建国"
    assert agreement.department_contact_name == user("construction-head").staff.full_name
    assert AuditEntry.objects.filter(action="handover.agreement.draft", object_id=str(agreement.pk)).exists()


def test_a_whole_item_expands_to_its_sub_items(draft, catalogue):
    agreement = draft(subitems=[], items=["XK00201"])
    assert sorted(s.code for s in agreement.subitems.all()) == ["XK00201001", "XK00201002"]


def test_only_the_supervisor_drafts(catalogue):
    with pytest.raises(PermissionDenied):
        services.draft_agreement(
            actor=user("construction-head"),
            department="construction",
            subitems=["XK00201001"],
            effective_at=at(2024, 9, 5),
        )


def test_unknown_sub_items_are_named_and_nothing_is_saved(draft):
    with pytest.raises(InvalidInput) as raised:
        draft(subitems=["XK00201001", "NOPE"])
    assert "NOPE" in raised.value.errors["subitems"][0]


def test_a_sub_item_cannot_be_in_two_open_drafts(draft):
    first = draft(subitems=["XK00201001"])
    with pytest.raises(RuleViolation) as raised:
        draft(subitems=["XK00201001", "XK00201002"])
    assert first.number in str(raised.value)


def test_effective_time_before_the_current_assignment_began_is_refused(draft):
    with pytest.raises(RuleViolation):
        draft(effective_at=at(2023, 12, 31))


def test_implementer_flips_at_the_effective_instant_and_not_before(draft, catalogue, frozen_clock):
    effective = BEFORE_HANDOVER + dt.timedelta(seconds=5)
    agreement = sign_both(draft(effective_at=effective))
    assert agreement.status == AgreementStatus.SIGNED
    sub = catalogue.permit_subs[0]
    for moment in (BEFORE_HANDOVER, effective - dt.timedelta(microseconds=1)):
        frozen_clock(moment)
        assert implementer(sub) == catalogue.bureau
    frozen_clock(effective)
    assert implementer(sub) == catalogue.construction
    frozen_clock(effective + dt.timedelta(seconds=1))
    assert all(implementer(s) == catalogue.construction for s in catalogue.construction_subs)
    assert implementer(catalogue.hygiene_subs[0]) == catalogue.bureau  # not in the agreement
    # The history stays answerable for any time, with no scheduler having run.
    assert implementer(sub, at=effective - dt.timedelta(seconds=1)) == catalogue.bureau


def test_an_effective_time_in_the_past_applies_from_that_time(draft, catalogue):
    effective = BEFORE_HANDOVER - dt.timedelta(days=1)
    sign_both(draft(effective_at=effective))
    sub = catalogue.permit_subs[0]
    assert implementer(sub) == catalogue.construction
    assert implementer(sub, at=effective - dt.timedelta(seconds=1)) == catalogue.bureau
    assert Assignment.objects.get(subitem=sub, valid_to__isnull=True).agreement_id is not None


def test_one_signature_changes_no_assignment(draft, catalogue):
    agreement = draft(effective_at=BEFORE_HANDOVER - dt.timedelta(hours=1))
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.DRAFT
    assert implementer(catalogue.permit_subs[0]) == catalogue.bureau


@pytest.mark.parametrize(
    "outsider", ["health-head", "construction-approver", "clerk1", "issuer1", "sysadmin1"]
)
def test_anyone_but_the_two_signatories_gets_403(draft, outsider):
    agreement = draft()
    with pytest.raises(PermissionDenied):
        services.sign_agreement(actor=user(outsider), agreement=agreement)
    assert not agreement.signatures.exists()


def test_signing_twice_is_409(draft):
    agreement = draft()
    services.sign_agreement(actor=user("supervisor1"), agreement=agreement)
    with pytest.raises(Conflict):
        services.sign_agreement(actor=user("supervisor1"), agreement=agreement)


def test_a_signed_agreement_cannot_be_signed_again_nor_edited(draft):
    agreement = sign_both(draft())
    with pytest.raises(Conflict):
        services.sign_agreement(actor=user("construction-head"), agreement=agreement)
    with pytest.raises(Conflict):
        services.update_draft(
            actor=user("supervisor1"),
            agreement=agreement,
            subitems=["XK00201001"],
            effective_at=at(2024, 9, 6),
        )


def test_editing_a_draft_withdraws_the_signature_already_given(draft):
    agreement = draft()
    services.sign_agreement(actor=user("construction-head"), agreement=agreement)
    services.update_draft(
        actor=user("supervisor1"),
        agreement=agreement,
        subitems=["XK00201001"],
        effective_at=at(2024, 9, 6),
        rights_duties="修改后的权利义务",
    )
    agreement.refresh_from_db()
    assert not agreement.signatures.exists()
    assert [s.code for s in agreement.subitems.all()] == ["XK00201001"]
    entry = AuditEntry.objects.get(action="handover.agreement.edit")
    assert entry.detail["signatures_withdrawn"]


def test_superseding_replaces_ranges_that_have_not_begun(draft, catalogue, frozen_clock):
    old = sign_both(draft(effective_at=at(2024, 9, 5)))
    new = services.supersede_agreement(
        actor=user("supervisor1"),
        agreement=old,
        subitems=[s.code for s in catalogue.permit_subs],
        effective_at=at(2024, 9, 6),
    )
    sign_both(new)
    old.refresh_from_db()
    assert old.status == AgreementStatus.SUPERSEDED and old.superseded_by == new
    sub, dropped = catalogue.permit_subs[0], catalogue.completion_subs[0]
    assert implementer(sub, at=at(2024, 9, 5, 12)) == catalogue.bureau
    assert implementer(sub, at=at(2024, 9, 6)) == catalogue.construction
    assert implementer(dropped, at=at(2024, 9, 30)) == catalogue.bureau
    assert Assignment.objects.filter(agreement_id=old.pk).count() == 0


def test_superseding_keeps_what_is_already_in_effect(draft, catalogue, frozen_clock):
    old = sign_both(draft(effective_at=at(2024, 9, 4)))
    frozen_clock(at(2024, 9, 10))
    with pytest.raises(RuleViolation):  # dropping a sub-item already handed over would undo history
        services.supersede_agreement(
            actor=user("supervisor1"), agreement=old, subitems=["XK00201001"], effective_at=at(2024, 9, 11)
        )
    new = services.supersede_agreement(
        actor=user("supervisor1"),
        agreement=old,
        subitems=[s.code for s in catalogue.construction_subs],
        effective_at=at(2024, 9, 11),
        liaison="新的联络机制",
    )
    sign_both(new)
    sub = catalogue.permit_subs[0]
    assert implementer(sub, at=at(2024, 9, 4, 1)) == catalogue.construction
    assert Assignment.objects.filter(subitem=sub).count() == 2  # no new range: it never left the department


def test_a_draft_can_be_withdrawn_and_its_sub_items_drafted_again(draft):
    first = draft()
    services.withdraw_draft(actor=user("supervisor1"), agreement=first, reason="起草有误")
    first.refresh_from_db()
    assert first.status == AgreementStatus.WITHDRAWN
    assert draft().status == AgreementStatus.DRAFT
