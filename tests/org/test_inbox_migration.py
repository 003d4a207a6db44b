"""Migrating the shared read flag to read state per person (org 0005)."""

import datetime as dt

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onewindow.org.models import NotificationRead


def test_a_notification_read_before_the_migration_is_read_for_every_member_and_unread_stays_unread(
    transactional_db,
):
    from onewindow.org import sample

    loaded = sample.load_organisations()
    sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
    executor = MigrationExecutor(connection)
    executor.migrate([("org", "0004_names_without_control_characters")])
    old = (
        MigrationExecutor(connection)
        .loader.project_state(("org", "0004_names_without_control_characters"))
        .apps
    )
    Notification = old.get_model("org", "Notification")
    Organisation = old.get_model("org", "Organisation")
    construction = Organisation.objects.get(code="construction")
    at = dt.datetime(2024, 10, 9, 9, 0, tzinfo=dt.UTC)
    read = Notification.objects.create(
        recipient=construction, kind="cases.reminder", title="已读", created_at=at, read_at=at
    )
    unread = Notification.objects.create(
        recipient=construction, kind="cases.reminder", title="未读", created_at=at
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    readers = set(
        NotificationRead.objects.filter(notification_id=read.pk).values_list("user__username", flat=True)
    )
    assert readers == {"construction-approver", "construction-head"}
    assert (
        NotificationRead.objects.get(notification_id=read.pk, user__username="construction-head").read_at
        == at
    )
    assert not NotificationRead.objects.filter(notification_id=unread.pk).exists()
