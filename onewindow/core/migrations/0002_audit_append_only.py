"""Refuse UPDATE and DELETE on the audit log at the database level, on PostgreSQL and SQLite."""

from django.db import migrations

from onewindow.core import db_guards


def forwards(apps, schema_editor):
    db_guards.install(schema_editor.connection, core_only=True)


def backwards(apps, schema_editor):
    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
