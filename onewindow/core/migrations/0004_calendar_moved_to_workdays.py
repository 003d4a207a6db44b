# The working-day calendar became the `workdays` app: forget its models here, keep the tables and
# their rows (workdays 0001 takes them over under the same table names).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_calendar"),
        ("workdays", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="CalendarDay"),
                migrations.DeleteModel(name="CalendarYear"),
            ]
        )
    ]
