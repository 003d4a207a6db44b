# The calendar tables were created by core 0003 and keep their names: this migration only tells
# Django's migration state that the models now belong to this app (core 0004 forgets them there).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0003_calendar"),
        ("org", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name="CalendarYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "status",
                    models.CharField(
                        choices=[("official", "Official"), ("provisional", "Provisional")],
                        help_text="Official: from the State Council's holiday notice. Provisional: derived from the holiday regulation until the notice is published; every due date it yields says so.",
                        max_length=12,
                        verbose_name="status",
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        help_text="The package and version, the file name, or the provisional rule the days come from.",
                        max_length=200,
                        verbose_name="source",
                    ),
                ),
                (
                    "revision",
                    models.PositiveIntegerField(
                        default=1,
                        help_text="Raised by every change of the year, so every process notices it and re-reads the days.",
                        verbose_name="revision",
                    ),
                ),
                ("loaded_at", models.DateTimeField(verbose_name="loaded at")),
                (
                    "loaded_by",
                    models.ForeignKey(
                        blank=True,
                        help_text="Empty when the operator's command line loaded it.",
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="loaded by",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="calendar_years",
                        to="org.region",
                        verbose_name="region",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar year",
                "verbose_name_plural": "calendar years",
                "db_table": "core_calendaryear",
                "ordering": ["region", "year"],
                "constraints": [models.UniqueConstraint(fields=("region", "year"), name="calendar_year_unique")],
            },
        ),
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(verbose_name="date")),
                (
                    "kind",
                    models.CharField(
                        choices=[("off", "Day off"), ("work", "Working day")],
                        help_text="Off: a Monday–Friday day without work. Work: a Saturday or Sunday worked (调休).",
                        max_length=4,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(blank=True, max_length=60, verbose_name="name")),
                (
                    "calendar_year",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="days",
                        to="workdays.calendaryear",
                        verbose_name="calendar year",
                    ),
                ),
                (
                    "region",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, to="org.region", verbose_name="region"
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar day",
                "verbose_name_plural": "calendar days",
                "db_table": "core_calendarday",
                "ordering": ["date"],
                "constraints": [models.UniqueConstraint(fields=("region", "date"), name="calendar_day_unique")],
            },
        ),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=state_operations)]
