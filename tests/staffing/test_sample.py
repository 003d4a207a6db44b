"""load-sample (CONTRACT.md): each receiving department has a stationed approver qualified for every
sub-item targeted to it, so a handover of any sub-item to its target department passes the guard."""

from __future__ import annotations

import datetime as dt
import io

from django.core.management import call_command

from onewindow.catalogue.models import SubItem
from onewindow.handover.selectors import receiving_departments
from onewindow.org.models import Stationing
from onewindow.staffing import guard, selectors
from onewindow.workdays import arithmetic

HALL_TZ = dt.timezone(dt.timedelta(hours=8))


def test_the_sample_stations_a_qualified_approver_for_every_targeted_subitem(db, frozen_clock):
    arithmetic.invalidate()
    frozen_clock(dt.datetime(2024, 12, 20, 10, 0, tzinfo=HALL_TZ))
    call_command("load_sample", stdout=io.StringIO())
    call_command("load_sample", stdout=io.StringIO())  # idempotent
    today = dt.date(2024, 12, 20)
    for department in receiving_departments():
        targeted = set(SubItem.objects.filter(target_department=department).values_list("pk", flat=True))
        if not targeted:
            continue
        override = {today: {pk: {department.pk} for pk in targeted}}
        assert guard.find_gaps([today], departments=[department], responsible_override=override) == [], (
            department
        )
        stationed = Stationing.objects.filter(department=department).valid_on(today)
        assert stationed.filter(staff__user__groups__name="approver").exists()
    assert selectors.gaps(days=5) == []  # the bureau's approver is qualified for everything it implements
    arithmetic.invalidate()
