"""The monthly roll-ups follow the case figures rows through triggers (stats.triggers): whatever changes a
row, the roll-ups stay the sum of the rows' contributions as `stats.figures.contributions` defines them;
a rebuild turns the triggers off for its own writes only."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import connection

from onewindow.stats import figures, services, triggers
from onewindow.stats.models import COUNTERS, CaseFigures, MonthlyFigures, MonthlySubItemFigures
from tests.cases.conftest import drive

STATUSES = ("accepted", "suspended", "decided", "issued", "rejected", "supplement_requested")


def _stored() -> dict:
    """The roll-up rows, by table and key, leaving out rows whose counters are all zero."""
    rows = {}
    for model, keys in (
        (MonthlyFigures, ("region_id", "month", "department_id", "subitem_id", "window_id", "staff_id")),
        (MonthlySubItemFigures, ("region_id", "month", "department_id", "subitem_id")),
    ):
        for row in model.objects.values(*keys, *COUNTERS):
            counts = {c: row[c] for c in COUNTERS}
            if any(counts.values()):
                rows[(model.__name__, *(row[k] for k in keys))] = counts
    return rows


def _summed() -> dict:
    """The roll-ups as the Python definition gives them from the figures rows."""
    sums = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for row in CaseFigures.objects.all():
        f = figures.Facts(**{name: getattr(row, name) for name in figures.Facts.__dataclass_fields__})
        for day, staff, counts in figures.contributions(f):
            month = day.replace(day=1)
            for key in (
                ("MonthlyFigures", f.region_id, month, f.department_id, f.subitem_id, f.window_id, staff),
                ("MonthlySubItemFigures", f.region_id, month, f.department_id, f.subitem_id),
            ):
                for name, amount in counts.items():
                    sums[key][name] += amount
    return {key: counts for key, counts in sums.items() if any(counts.values())}


def test_the_rollups_kept_by_the_case_events_are_the_sum_of_the_figures_rows(world):
    for status in STATUSES:
        drive(status)
    kept = _stored()
    assert kept and kept == _summed()
    services.rebuild()
    assert _stored() == kept


def test_a_figures_row_changed_by_any_means_moves_the_rollups_with_it(world):
    cases = [drive(status) for status in STATUSES]
    decided = CaseFigures.objects.get(case=cases[STATUSES.index("decided")])
    CaseFigures.objects.filter(pk=decided.pk).update(
        window_id=decided.window_id + 1000, on_time=not decided.on_time, working_days=7, supplemented=True
    )
    assert _stored() == _summed()
    CaseFigures.objects.filter(case=cases[0]).update(accepted_on=None)
    assert _stored() == _summed()


def test_after_a_rebuild_the_case_events_of_the_same_transaction_count_again(world):
    drive("decided")
    services.rebuild()
    services.rebuild(since=CaseFigures.objects.get().received_on)
    for status in STATUSES:
        drive(status)
    assert CaseFigures.objects.count() == 1 + len(STATUSES)
    assert _stored() == _summed()


def test_the_triggers_are_installed_as_the_code_states_them(world):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [CaseFigures._meta.db_table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [CaseFigures._meta.db_table],
            )
        names = {row[0] for row in cursor.fetchall()}
    assert {n for n in names if n.startswith(triggers.NAME)} == (
        {triggers.NAME}
        if connection.vendor == "postgresql"
        else {f"{triggers.NAME}_insert", f"{triggers.NAME}_update"}
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_changes_lose_no_count_in_the_rollups(world_tx):
    """Threads on their own connections change different cases at once; the triggers' upserts add up."""
    from onewindow.cases import services as case_services
    from tests.cases.conftest import PERSON, user
    from tests.cases.test_concurrency import race

    cases = [drive("in_review") for _ in range(6)]
    approver, clerk = user("construction-approver"), user("clerk1")

    def work(i):
        if i < len(cases):
            case = cases[i]
            case_services.decide(
                actor=approver, case=case.number, version=case.version, decision="grant", reason="符合"
            )
        else:
            case_services.accept(
                actor=clerk, subitem="XK09901001", applicant=PERSON, materials=["M01", "M02", "M03"]
            )

    race(12, work)
    assert CaseFigures.objects.count() == 12
    stored = _stored()
    assert stored == _summed()
    monthly = [v for k, v in stored.items() if k[0] == "MonthlySubItemFigures"]
    assert sum(v["accepted"] for v in monthly) == 12 and sum(v["completed"] for v in monthly) == 6
