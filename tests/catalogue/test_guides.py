import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from onewindow.catalogue import selectors, services
from onewindow.catalogue.models import ServiceGuide, SubItem
from onewindow.core.errors import Conflict, InvalidInput, PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.org.models import Notification, Organisation
from tests.catalogue.conftest import user

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANDOVER = dt.datetime(2024, 9, 5, 9, 0, tzinfo=SHANGHAI)


def _handed_over(subitem):
    services.start_assignment(
        subitem=subitem,
        organisation=Organisation.objects.get(code="development"),
        at=HANDOVER,
        agreement_id=1,
    )


def _compress(subitem, actor="development-head"):
    """The department drafts v2 with 5 promised days and without the optional material M06, and publishes."""
    draft = services.draft_guide(actor=user(actor), subitem=subitem, change_note="压缩时限、精简材料")
    materials = [
        {"code": m.code, "name": m.name, "required": m.required, "form": m.form, "copies": m.copies}
        for m in draft.materials.all()
        if m.code != "M06"
    ]
    services.edit_draft(actor=user(actor), guide=draft, promised_days=5, materials=materials)
    return services.publish_guide(actor=user(actor), guide=draft)


def test_department_publishes_a_compressed_guide_after_the_handover(subitem, frozen_clock):
    _handed_over(subitem)
    frozen_clock(HANDOVER + dt.timedelta(days=3))
    guide = _compress(subitem)
    assert guide.version == 2 and guide.status == "published"
    subitem.refresh_from_db()
    assert subitem.promised_days == 5
    current = selectors.current_guide(subitem)
    assert current.pk == guide.pk
    assert "M06" not in {m.code for m in current.materials.all()}
    # Version 1 is kept unchanged: cases reviewed against it keep their reference.
    v1 = ServiceGuide.objects.get(subitem=subitem, version=1)
    assert v1.promised_days == 10 and v1.materials.filter(code="M06").exists()


def test_a_published_guide_is_never_edited(subitem):
    v1 = selectors.current_guide(subitem)
    with pytest.raises(Conflict):
        services.edit_draft(actor=user("supervisor1"), guide=v1, promised_days=1)
    draft = services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    services.publish_guide(actor=user("supervisor1"), guide=draft)
    with pytest.raises(Conflict):
        services.publish_guide(actor=user("supervisor1"), guide=draft)
    with pytest.raises(Conflict):
        services.edit_draft(actor=user("supervisor1"), guide=draft, conditions="改")


def test_publishing_notifies_the_data_bureau_and_is_audited(subitem, frozen_clock):
    _handed_over(subitem)
    frozen_clock(HANDOVER + dt.timedelta(days=3))
    guide = _compress(subitem)
    note = Notification.objects.get(kind="catalogue.guide_published")
    assert note.recipient.code == "data-bureau"
    assert subitem.name in note.title and "2" in note.title
    assert note.link == f"/catalogue/{subitem.code}/"
    entry = AuditEntry.objects.get(action="catalogue.guide.publish")
    assert entry.actor == "development-head" and entry.organisation == "development"
    assert entry.detail == {
        "subitem": subitem.code,
        "version": guide.version,
        "promised_days": 5,
        "statutory_days": 20,
        "materials": 5,
    }


def test_publishing_calls_the_training_hook(subitem, monkeypatch):
    seen = []
    monkeypatch.setattr(services.guides, "on_guide_published", [seen.append])
    guide = services.publish_guide(
        actor=user("supervisor1"), guide=services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    )
    assert seen == [guide]


def test_only_the_implementing_department_or_the_bureau_drafts(subitem):
    # Before the handover the bureau implements: the future department may not draft yet.
    with pytest.raises(PermissionDenied):
        services.draft_guide(actor=user("development-head"), subitem=subitem)
    _handed_over(subitem)
    with pytest.raises(PermissionDenied):
        services.draft_guide(actor=user("science-head"), subitem=subitem)
    with pytest.raises(PermissionDenied):
        services.draft_guide(actor=user("clerk1"), subitem=subitem)
    draft = services.draft_guide(actor=user("development-approver"), subitem=subitem)
    # An approver drafts; only the head (or the bureau) publishes.
    with pytest.raises(PermissionDenied):
        services.publish_guide(actor=user("development-approver"), guide=draft)
    services.publish_guide(actor=user("development-head"), guide=draft)


def test_one_draft_at_a_time(subitem):
    services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    with pytest.raises(Conflict):
        services.draft_guide(actor=user("supervisor1"), subitem=subitem)


def test_draft_rules_promised_within_statutory_and_unique_material_codes(subitem):
    draft = services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    with pytest.raises(InvalidInput) as too_long:
        services.edit_draft(actor=user("supervisor1"), guide=draft, promised_days=21)
    assert "promised_days" in too_long.value.errors
    twice = [{"code": "M01", "name": "申请表"}, {"code": "M01", "name": "申请表副本"}]
    with pytest.raises(InvalidInput) as dup:
        services.edit_draft(actor=user("supervisor1"), guide=draft, materials=twice)
    assert "materials.2.code" in dup.value.errors
    draft.refresh_from_db()
    assert draft.promised_days == 10 and draft.materials.count() == 6


def test_an_instant_item_keeps_zero_promised_days(sample_catalogue):
    instant = SubItem.objects.filter(kind="instant").first()
    draft = services.draft_guide(actor=user("supervisor1"), subitem=instant)
    with pytest.raises(InvalidInput):
        services.edit_draft(actor=user("supervisor1"), guide=draft, promised_days=2)


def test_history_shows_compression_and_reduction_per_department(subitem, frozen_clock):
    _handed_over(subitem)
    frozen_clock(HANDOVER + dt.timedelta(days=3))
    _compress(subitem)
    history = selectors.guide_changes()
    assert len(history) == 1
    development = history[0]
    assert development["department"].code == "development"
    assert development["days_compressed"] == 5 and development["materials_removed"] == 1
    change = development["changes"][0]
    assert (change["promised_before"], change["promised_after"]) == (10, 5)
    assert (change["materials_before"], change["materials_after"]) == (6, 5)
    assert selectors.guide_changes(department="science") == []


def test_guide_in_force_at_a_time(subitem, frozen_clock):
    frozen_clock(HANDOVER)
    v2 = services.publish_guide(
        actor=user("supervisor1"), guide=services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    )
    assert selectors.guide_at(subitem, HANDOVER - dt.timedelta(seconds=1)).version == 1
    assert selectors.guide_at(subitem, HANDOVER).pk == v2.pk
