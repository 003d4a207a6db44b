"""Every reminder now has its region (filled by 0002)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_reminders_acknowledged_orders_warnings")]

    operations = [
        migrations.AlterField(
            model_name="reminder",
            name="region",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, to="org.region", verbose_name="region"
            ),
        )
    ]
