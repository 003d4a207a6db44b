"""The audit sealer: entries are inserted unsealed (no seq, no hash) and chained after commit; the
append-only triggers now allow exactly that one change (sealing an unsealed entry, its content untouched).
On SQLite AlterField rebuilds the table, which drops its triggers: they are installed again last."""

from django.db import migrations, models

from onewindow.core import db_guards


def guards(apps, schema_editor):
    db_guards.install(schema_editor.connection)


def no_guards(apps, schema_editor):
    db_guards.remove(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_ratecounter'),
    ]

    operations = [
        migrations.RunPython(no_guards, guards),
        migrations.AlterModelOptions(
            name='auditentry',
            options={'ordering': ['id'], 'verbose_name': 'audit entry', 'verbose_name_plural': 'audit entries'},
        ),
        migrations.AddField(
            model_name='auditchainhead',
            name='lag_ms',
            field=models.PositiveBigIntegerField(default=0, help_text='The oldest entry of the last sealing run waited this long (milliseconds).'),
        ),
        migrations.AddField(
            model_name='auditchainhead',
            name='sealed_at',
            field=models.DateTimeField(blank=True, help_text='When the last entries were sealed.', null=True),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(blank=True, help_text='SM3 over this entry and prev_hash; empty until sealed.', max_length=64, null=True, verbose_name='hash'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(blank=True, max_length=64, null=True, verbose_name='previous hash'),
        ),
        migrations.AlterField(
            model_name='auditentry',
            name='seq',
            field=models.PositiveBigIntegerField(blank=True, help_text='Position in the chain, 1, 2, 3… without gaps; empty until the sealer chains the entry (within a second of its commit).', null=True, unique=True, verbose_name='sequence'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(condition=models.Q(('hash__isnull', True)), fields=['id'], name='core_audit_unsealed'),
        ),
        migrations.RunPython(guards, no_guards),
    ]
