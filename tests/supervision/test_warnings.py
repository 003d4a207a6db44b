"""Automatic warnings of `onewindow tick`: each open case's warning once per level to its department, the
art. 44 issuance warning to the issuing window; never twice, also when two ticks run at once."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO

from django.conf import settings
from django.core.management import call_command

from onewindow.core import periodic
from onewindow.org.models import Notification
from onewindow.supervision import services
from onewindow.supervision.models import CaseWarning
from tests.cases.conftest import at, drive
from tests.conftest import database_env_for_subprocess


def test_the_warning_jobs_run_after_the_due_dates():
    names = [job.name for job in periodic.jobs()]
    assert names.index("cases.due_dates") < names.index("supervision.warnings")
    assert names.index("supervision.warnings") < names.index("supervision.escalations")


def test_each_level_is_raised_once_to_the_working_department(world, frozen_clock):
    review = drive("in_review")  # due 2024-10-10
    drive("accepted", subitem="XK09901003")  # health's, due later (10 days)
    assert services.raise_warnings() == 0
    frozen_clock(at(2024, 10, 9, 9, 0))  # two working days left: warning
    assert services.raise_warnings() == 1
    assert services.raise_warnings() == 0  # tick run twice: once
    frozen_clock(at(2024, 10, 14, 9, 0))  # past the due date: overdue
    call_command("tick", stdout=StringIO())
    call_command("tick", stdout=StringIO())
    warnings = CaseWarning.objects.filter(case=review).order_by("raised_at")
    assert [(w.kind, w.level, w.department.code) for w in warnings] == [
        ("handling", "warning", "construction"),
        ("handling", "overdue", "construction"),
    ]
    kinds = list(
        Notification.objects.filter(object_id=review.number, kind__startswith="supervision.handling")
        .order_by("created_at")
        .values_list("kind", "recipient__code")
    )
    assert kinds == [
        ("supervision.handling_warning", "construction"),
        ("supervision.handling_overdue", "construction"),
    ]


def test_the_issuance_warning_goes_to_the_issuing_window(world, frozen_clock):
    ready = drive("result_ready")
    frozen_clock(at(2024, 10, 30, 9, 0))  # more than 10 working days after the decision
    call_command("tick", stdout=StringIO())
    call_command("tick", stdout=StringIO())
    issuance = CaseWarning.objects.get(case=ready, kind="issuance")
    assert issuance.level == "overdue" and issuance.department.code == "data-bureau"
    assert not CaseWarning.objects.filter(case=ready, kind="handling").exists()  # decided in time
    assert (
        Notification.objects.filter(kind="supervision.issuance_overdue", object_id=ready.number).count() == 1
    )


def test_two_ticks_at_once_send_each_warning_once(world_tx):
    """Committed cases accepted in 2024 are long overdue today; two `onewindow tick` processes start
    together on the same database and race for every warning."""
    late = [drive("in_review"), drive("accepted"), drive("in_review")]
    ready = drive("result_ready")
    env = {**database_env_for_subprocess(), "ONEWINDOW_DATA_DIR": str(settings.DATA_DIR)}
    ticks = [
        subprocess.Popen(
            [sys.executable, "-m", "onewindow", "tick"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [tick.communicate(timeout=300) for tick in ticks]
    assert [tick.returncode for tick in ticks] == [0, 0], outputs
    raised = sum(
        int(line.rsplit(":", 1)[1])
        for out, _ in outputs
        for line in out.splitlines()
        if "warnings raised" in line
    )
    handling = CaseWarning.objects.filter(kind="handling", level="overdue")
    assert sorted(handling.values_list("case__number", flat=True)) == sorted(c.number for c in late)
    assert CaseWarning.objects.filter(kind="issuance", case=ready).count() == 1
    assert raised == CaseWarning.objects.count()  # each process counts only what it inserted
    for case in [*late, ready]:
        notices = Notification.objects.filter(object_id=case.number, kind__startswith="supervision.")
        assert notices.count() == CaseWarning.objects.filter(case=case).count() == 1
    # And a third tick afterwards adds nothing.
    again = subprocess.run(
        [sys.executable, "-m", "onewindow", "tick"], env=env, capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0 and "warnings raised: 0" in again.stdout, again.stderr
