"""The roll-ups follow the case figures: the triggers of onewindow.stats.triggers (post_migrate keeps them
as the code states them)."""

from django.db import migrations


def install(apps, schema_editor):
    from onewindow.stats import triggers

    triggers.install(schema_editor.connection)


def remove(apps, schema_editor):
    from onewindow.stats import triggers

    with schema_editor.connection.cursor() as cursor:
        for statement in triggers.statements(schema_editor.connection.vendor, False):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("stats", "0002_edges_from_case_figures")]

    operations = [migrations.RunPython(install, remove)]
