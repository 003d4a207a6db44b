import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Count

from onewindow.catalogue import sample, selectors
from onewindow.catalogue.models import Assignment, GuideMaterial, PowerItem, ServiceGuide, SubItem

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_sample_has_126_items_and_181_subitems(sample_catalogue):
    assert sample_catalogue == {"items": 126, "subitems": 181}
    assert PowerItem.objects.count() == 126
    assert SubItem.objects.count() == 181


def test_sample_split_by_power_type_is_the_work_plans(sample_catalogue):
    items = dict(
        PowerItem.objects.values("power_type").annotate(n=Count("pk")).values_list("power_type", "n")
    )
    subitems = dict(
        SubItem.objects.values("item__power_type")
        .annotate(n=Count("pk"))
        .values_list("item__power_type", "n")
    )
    assert items == {"licensing": 75, "confirmation": 17, "other": 34}
    assert subitems == {"licensing": 130, "confirmation": 17, "other": 34}


def test_loading_the_sample_twice_changes_nothing(sample_catalogue):
    counts = [m.objects.count() for m in (PowerItem, SubItem, ServiceGuide, GuideMaterial, Assignment)]
    assert sample.load() == {"items": 126, "subitems": 181}
    assert [
        m.objects.count() for m in (PowerItem, SubItem, ServiceGuide, GuideMaterial, Assignment)
    ] == counts


def test_every_subitem_has_a_published_guide_with_materials(sample_catalogue):
    assert ServiceGuide.objects.filter(status="published", version=1).count() == 181
    assert not SubItem.objects.filter(guides__materials__isnull=True).exists()
    guide = selectors.current_guide(SubItem.objects.get(code="XK00103001"))
    assert guide.version == 1
    assert [m.code for m in guide.materials.all()][:2] == ["M01", "M02"]


def test_every_subitem_is_still_implemented_by_the_approval_bureau(sample_catalogue):
    assert Assignment.objects.count() == 181
    assert set(Assignment.objects.values_list("organisation__code", flat=True)) == {"data-bureau"}
    assert not Assignment.objects.filter(valid_to__isnull=False).exists()
    assert set(Assignment.objects.values_list("valid_from", flat=True)) == {
        dt.datetime(2020, 6, 1, tzinfo=SHANGHAI)
    }


def test_subitems_are_spread_over_the_14_receiving_units(sample_catalogue):
    targets = SubItem.objects.values_list("target_department__kind", flat=True)
    assert set(targets) <= {"internal", "resident"}
    assert SubItem.objects.values("target_department").distinct().count() == 14


def test_implementer_before_2020_reform_is_an_error(sample_catalogue):
    import pytest

    from onewindow.core.errors import RuleViolation

    subitem = SubItem.objects.get(code="XK00103001")
    with pytest.raises(RuleViolation):
        selectors.implementer(subitem, dt.datetime(2020, 5, 31, 23, 59, tzinfo=SHANGHAI))
    assert selectors.implementer(subitem, dt.datetime(2020, 6, 1, tzinfo=SHANGHAI)).code == "data-bureau"
