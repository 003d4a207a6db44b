"""Filed assessment results and their scores refuse UPDATE and DELETE in the database (rule 20)."""

from django.db import migrations

from onewindow.assessment import db_guards


def forwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in db_guards.statements(schema_editor.connection.vendor, True):
            cursor.execute(sql)


def backwards(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in db_guards.statements(schema_editor.connection.vendor, False):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
