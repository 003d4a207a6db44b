"""Fixtures of the staffing tests: the cases world (calendar, three sub-items, qualified sample approvers)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.cases.conftest import (  # noqa: F401  (fixtures)
    ACCEPTED_AT,
    _fresh_state,
    _long_tokens,
    at,
    user,
    world,
    world__cases,
)

TODAY = dt.date(2024, 9, 27)  # ACCEPTED_AT's day, a Friday before the National Day holiday


@pytest.fixture
def posting():
    """The stationing of `username` (the sample's one per department)."""
    from onewindow.org.models import Stationing

    def find(username):
        return Stationing.objects.select_related("department", "staff__user").get(
            staff__user__username=username
        )

    return find
