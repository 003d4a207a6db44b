from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_calendar_moved_to_workdays"),
    ]

    operations = [
        migrations.CreateModel(
            name="RateCounter",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False, verbose_name="key")),
                ("hits", models.PositiveIntegerField(default=0, verbose_name="hits")),
                (
                    "expires_at",
                    models.FloatField(db_index=True, help_text="Unix time.", verbose_name="expires at"),
                ),
            ],
            options={"verbose_name": "rate counter"},
        ),
    ]
