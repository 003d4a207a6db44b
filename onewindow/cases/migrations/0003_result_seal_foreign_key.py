"""Result.seal becomes a real foreign key to handover.Seal (PROTECT) on the same `seal_id` column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_result_produced_by_optional"),
        ("handover", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The column keeps its name and values; it only gains the constraint and an index.
            database_operations=[
                migrations.AlterField(
                    model_name="result",
                    name="seal_id",
                    field=models.ForeignKey(
                        db_column="seal_id",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="results",
                        to="handover.seal",
                    ),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="result", name="seal_id"),
                migrations.AddField(
                    model_name="result",
                    name="seal",
                    field=models.ForeignKey(
                        help_text="handover.Seal applied (rule 2).",
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="results",
                        to="handover.seal",
                        verbose_name="seal",
                    ),
                    preserve_default=False,
                ),
            ],
        ),
    ]
