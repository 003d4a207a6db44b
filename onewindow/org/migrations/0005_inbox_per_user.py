"""The inbox per user: notifications to named users as well as organisations, read state per reader.

A notification read before this migration was read for its whole organisation (the old shared flag), so
every member of that organisation gets a read row at that time; unread ones stay unread for everybody."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def shared_read_to_per_user(apps, schema_editor):
    Notification = apps.get_model("org", "Notification")
    NotificationRead = apps.get_model("org", "NotificationRead")
    Staff = apps.get_model("org", "Staff")
    members: dict[int, list[int]] = {}
    rows = []
    for note in Notification.objects.filter(read_at__isnull=False).only("pk", "recipient_id", "read_at"):
        if note.recipient_id not in members:
            members[note.recipient_id] = list(
                Staff.objects.filter(organisation_id=note.recipient_id).values_list("user_id", flat=True)
            )
        rows += [
            NotificationRead(notification_id=note.pk, user_id=user_id, read_at=note.read_at)
            for user_id in members[note.recipient_id]
        ]
        if len(rows) >= 5000:
            NotificationRead.objects.bulk_create(rows)
            rows = []
    NotificationRead.objects.bulk_create(rows)


def per_user_read_to_shared(apps, schema_editor):
    """Backwards: a notification counts as read when any member read it (the old shared flag)."""
    Notification = apps.get_model("org", "Notification")
    NotificationRead = apps.get_model("org", "NotificationRead")
    for read in NotificationRead.objects.order_by("notification_id", "read_at"):
        Notification.objects.filter(pk=read.notification_id, read_at__isnull=True).update(read_at=read.read_at)


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0004_names_without_control_characters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NotificationRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("read_at", models.DateTimeField(verbose_name="read at")),
                (
                    "notification",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="reads", to="org.notification"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_reads",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "notification read",
                "verbose_name_plural": "notifications read",
                "constraints": [
                    models.UniqueConstraint(fields=("user", "notification"), name="notification_read_once")
                ],
            },
        ),
        migrations.RunPython(shared_read_to_per_user, per_user_read_to_shared, elidable=False),
        migrations.RemoveIndex(model_name="notification", name="notification_unread"),
        migrations.RemoveField(model_name="notification", name="read_at"),
        migrations.AddField(
            model_name="notification",
            name="users",
            field=models.ManyToManyField(
                blank=True,
                help_text="Named people who see the notification besides the organisation's members.",
                related_name="addressed_notifications",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recipient users",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                help_text="Dotted code registered in org.notifications, e.g. catalogue.guide_published.",
                max_length=40,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="recipient",
            field=models.ForeignKey(
                blank=True,
                help_text="Every member of this organisation sees the notification; empty when only named users do.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="notifications",
                to="org.organisation",
                verbose_name="recipient organisation",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
        ),
    ]
