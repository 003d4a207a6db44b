"""Fixtures of the working-day calendar: a region seeded from chinesecalendar, a fresh index per test."""

from __future__ import annotations

import pytest

from onewindow.workdays import arithmetic
from onewindow.workdays import services as workdays_services
from tests.conftest import shared_world, world_fixture


@pytest.fixture(autouse=True)
def _fresh_calendar_index():
    """Each test's database starts empty again: forget the index another test built in this process."""
    arithmetic.invalidate()
    yield
    arithmetic.invalidate()


@shared_world("region")
def _region_world(_parent):
    from onewindow.org.models import Region

    return Region.objects.create(code="210300", name="鞍山市")


@shared_world("seeded", parent="region")
def _seeded_world(region):
    workdays_services.seed_from_package(region=region)


world__region = world_fixture("region")
world__seeded = world_fixture("seeded")


@pytest.fixture
def region(world__region):
    return world__region


@pytest.fixture
def seeded(region, world__seeded):
    """The region with every official year chinesecalendar knows (2004–2026), nothing after."""
    return region


@pytest.fixture
def changed_years():
    """Record the calls of the on_calendar_changed hook (what the cases context registers)."""
    calls: list[frozenset[int]] = []

    def hook(*, region, years):
        calls.append(years)

    workdays_services.on_calendar_changed.append(hook)
    yield calls
    workdays_services.on_calendar_changed.remove(hook)


@pytest.fixture
def english():
    """Messages in English, for tests that quote them (the default language is zh-hans)."""
    from django.utils import translation

    with translation.override("en"):
        yield
