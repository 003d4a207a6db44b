"""Reminders moved from `cases` to `supervision`: a database migrated by the old code keeps its reminders."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onewindow.supervision.models import Reminder
from tests.cases.conftest import drive, user
from tests.conftest import ApiClient

BEFORE = [("cases", "0007_issue_details_and_particulars")]


def test_a_database_migrated_by_the_old_code_keeps_its_reminders(world_tx):
    case = drive("in_review")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)  # the schema as the old code left it: cases.Reminder in cases_reminder
    old = executor.loader.project_state(BEFORE).apps.get_model("cases", "Reminder")
    sent_at = dt.datetime(2024, 9, 27, 3, 0, tzinfo=dt.UTC)
    old.objects.create(
        case_id=case.pk,
        message="旧版催办：请加快办理",
        by_id=user("supervisor1").pk,
        at=sent_at,
        department_id=user("construction-approver").staff.organisation_id,
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = Reminder.objects.get()
    assert (kept.message, kept.case_id, kept.at) == ("旧版催办：请加快办理", case.pk, sent_at)
    assert kept.region_id == case.region_id and kept.department.code == "construction"
    assert kept.acknowledged_at is None and kept.reply == "" and kept.late_cases == []
    # The department sees it and can acknowledge it as any new one.
    listed = ApiClient("construction-approver").get("/reminders", {"acknowledged": "false"}).json()
    assert [r["message"] for r in listed["results"]] == ["旧版催办：请加快办理"]
    answer = ApiClient("construction-head").post(f"/reminders/{kept.pk}/acknowledge", {"reply": "今日办结"})
    assert answer.status_code == 200, answer.content
