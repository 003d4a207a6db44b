"""Rule 15: for random case histories driven through the real services, every figure of every grouping
equals a brute-force count over the same cases — from the roll-ups the case events kept up to date, and
again after `rebuild()` recomputed them with set-based SQL (and after a partial `rebuild(since=…)`)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.cases.models import Case
from onewindow.catalogue.models import SubItem
from onewindow.org.models import Organisation, Window
from onewindow.stats import drill, selectors, services
from onewindow.stats.models import CaseFigures
from tests.stats import history

BY = ("department", "subitem", "window", "staff", "month")


def _label(by: str, k):
    if not k:
        return None
    if by == "department":
        return Organisation.objects.get(pk=k).code
    if by == "subitem":
        return SubItem.objects.get(pk=k).code
    if by == "window":
        return Window.objects.get(pk=k).number
    if by == "staff":
        return get_user_model().objects.get(pk=k).username
    return f"{k:%Y-%m}"


def _expected(date_from, date_to, by):
    return {_label(by, k): v for k, v in history.brute_force(date_from, date_to, by).items()}


def _computed(region_id, date_from, date_to, by):
    rows = selectors.figures(region_id=region_id, date_from=date_from, date_to=date_to, by=by)
    return {row["key"]: {c: row[c] for c in history.COUNTERS + ("open_overdue",)} for row in rows}


def _check(world, date_from, date_to, *, drill=False):
    for by in BY:
        expected = _expected(date_from, date_to, by)
        assert _computed(world.region.pk, date_from, date_to, by) == expected, (by, date_from, date_to)
        if drill:
            _check_drill_down(world, date_from, date_to, by)


def _check_drill_down(world, date_from, date_to, by):
    """Each figure's drill-down selects exactly as many cases as the figure says."""
    rows = selectors.figures(region_id=world.region.pk, date_from=date_from, date_to=date_to, by=by)
    for row in rows:
        key = drill._key_id(by, row["key"] or drill.NONE_KEY, world.region.pk)
        for figure in drill.FIGURE_LABELS:
            if by == "month" and figure == "open_overdue":
                continue
            condition = drill.case_condition(figure, date_from=date_from, date_to=date_to, by=by, key=key)
            assert Case.objects.filter(condition).count() == row[figure], (by, row["key"], figure)


class _Rollback(Exception):
    pass


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    seeds=st.lists(st.integers(0, 2**31), min_size=1, max_size=10),
    start=st.integers(0, 150),
    length=st.integers(0, 170),
)
def test_every_figure_of_every_grouping_equals_a_brute_force_count(world, seeds, start, length):
    date_from = history.FIRST_DAY + dt.timedelta(days=start - 10)
    date_to = date_from + dt.timedelta(days=length)
    try:
        with transaction.atomic():
            history.build(seeds)
            _check(world, date_from, date_to, drill=True)  # the roll-ups the case events kept
            _check(world, history.FIRST_DAY.replace(day=1), history.TODAY)  # whole months and edges
            before = sorted(CaseFigures.objects.values_list(*[f.attname for f in CaseFigures._meta.fields]))
            services.rebuild()
            after = sorted(CaseFigures.objects.values_list(*[f.attname for f in CaseFigures._meta.fields]))
            assert after == before  # the SQL states the figures as the listener does
            _check(world, date_from, date_to)
            services.rebuild(since=date_from)
            _check(world, date_from, date_to)
            _check(world, history.FIRST_DAY.replace(day=1), history.TODAY)
            raise _Rollback
    except _Rollback:
        pass
