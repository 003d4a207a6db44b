"""Reminders (催办) belong to the supervision app from now on: the model leaves the state of `cases` only;
its table and rows stay, and supervision.0001 takes them over (SeparateDatabaseAndState on both sides)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_issue_details_and_particulars")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Reminder")],
            database_operations=[],
        )
    ]
