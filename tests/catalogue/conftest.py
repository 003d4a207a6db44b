"""Fixtures of the catalogue tests: the sample catalogue on top of the sample organisations."""

from __future__ import annotations

import pytest

from onewindow.catalogue import sample
from onewindow.catalogue.models import SubItem
from tests.conftest import shared_world, world_fixture


@shared_world("catalogue", parent="org")
def _catalogue_world(_sample_org) -> dict:
    return sample.load()


world__catalogue = world_fixture("catalogue")


@pytest.fixture
def sample_catalogue(sample_org, world__catalogue):
    """The 126 items / 181 sub-items, every one implemented by the Approval Bureau since 2020-06-01."""
    return world__catalogue


@pytest.fixture
def subitem(sample_catalogue):
    """企业投资项目核准 (XK00103001): a promised item the work plan sends to the development bureau."""
    return SubItem.objects.select_related("item", "target_department", "region").get(code="XK00103001")


def user(username: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.select_related("staff__organisation").get(username=username)
