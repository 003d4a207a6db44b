"""Reminders get their region, acknowledgments (reply, by when, delay in working hours) and escalation;
department reminders (no case); the warnings of `onewindow tick`; supervision orders (督办)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_regions(apps, schema_editor):
    """Every reminder moved from `cases` was about a case: its region is the case's."""
    Reminder = apps.get_model("supervision", "Reminder")
    Case = apps.get_model("cases", "Case")
    for pk, region_id in Case.objects.filter(pk__in=Reminder.objects.values("case_id")).values_list(
        "pk", "region_id"
    ):
        Reminder.objects.filter(case_id=pk, region__isnull=True).update(region_id=region_id)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_reminder_moves_to_supervision'),
        ('org', '0004_names_without_control_characters'),
        ('supervision', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The table becomes the app's own (supervision_reminder), rows and all.
        migrations.AlterModelTable(
            name='reminder',
            table=None,
        ),
        migrations.CreateModel(
            name='CaseWarning',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('handling', 'Time limit of the case'), ('issuance', 'Issuance within 10 working days (art. 44)')], max_length=10, verbose_name='kind')),
                ('level', models.CharField(choices=[('warning', 'Near the limit'), ('overdue', 'Overdue')], max_length=10, verbose_name='warning level')),
                ('due_date', models.DateField(verbose_name='due date')),
                ('raised_at', models.DateTimeField(verbose_name='raised at')),
            ],
            options={
                'verbose_name': 'warning',
                'verbose_name_plural': 'warnings',
                'ordering': ['-raised_at', '-pk'],
            },
        ),
        migrations.CreateModel(
            name='SupervisionOrder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('serial', models.PositiveIntegerField(help_text='Counted per region and year.', verbose_name='serial')),
                ('number', models.CharField(help_text='督办〔year〕serial号', max_length=40, verbose_name='order number')),
                ('reason', models.TextField(verbose_name='reason')),
                ('status', models.CharField(choices=[('issued', 'Issued, explanation due'), ('explained', 'Explained, under review'), ('returned', 'Sent back for a better explanation'), ('closed', 'Closed')], db_index=True, max_length=10, verbose_name='status')),
                ('issued_at', models.DateTimeField(verbose_name='issued at')),
                ('case_due_date', models.DateField(blank=True, null=True, verbose_name='due date of the case')),
                ('explanation_due', models.DateField(help_text='Working days after issue (ONEWINDOW_ORDER_EXPLANATION_DAYS).', verbose_name='explanation due')),
                ('explanation', models.TextField(blank=True, verbose_name='explanation')),
                ('explained_at', models.DateTimeField(blank=True, null=True, verbose_name='explained at')),
                ('review_note', models.TextField(blank=True, verbose_name='review note')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                ('returned_count', models.PositiveSmallIntegerField(default=0, verbose_name='times sent back')),
            ],
            options={
                'verbose_name': 'supervision order',
                'verbose_name_plural': 'supervision orders',
                'ordering': ['-issued_at', '-pk'],
            },
        ),
        migrations.AlterModelOptions(
            name='reminder',
            options={'ordering': ['-at', '-pk'], 'verbose_name': 'reminder', 'verbose_name_plural': 'reminders'},
        ),
        migrations.AddField(
            model_name='reminder',
            name='acknowledged_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='acknowledged at'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='acknowledged_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='acknowledged by'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='delay_minutes',
            field=models.PositiveIntegerField(blank=True, help_text='Hall hours on working days between sending and acknowledging (kept for assessment).', null=True, verbose_name='acknowledgment delay (working minutes)'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='escalated_at',
            field=models.DateTimeField(blank=True, help_text="Unacknowledged beyond the configured working hours: raised to the supervisor's board.", null=True, verbose_name='escalated at'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='late_cases',
            field=models.JSONField(blank=True, default=list, help_text='A department reminder: the numbers of its warning and overdue cases when it was sent.', verbose_name='late cases'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='promised_by',
            field=models.DateField(blank=True, help_text='By when the department will have done it.', null=True, verbose_name='promised by'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='region',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to='org.region', verbose_name='region'),
        ),
        migrations.AddField(
            model_name='reminder',
            name='reply',
            field=models.TextField(blank=True, help_text='What the department will do.', verbose_name='reply'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='at',
            field=models.DateTimeField(verbose_name='sent at'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='case',
            field=models.ForeignKey(blank=True, help_text="Empty for a reminder about all the department's late cases.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reminders', to='cases.case', verbose_name='case'),
        ),
        migrations.AlterField(
            model_name='reminder',
            name='department',
            field=models.ForeignKey(blank=True, help_text='The department working the case when the reminder was sent.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.organisation', verbose_name='department reminded'),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(fields=['department', 'acknowledged_at'], name='supervision_reminder_open'),
        ),
        migrations.AddIndex(
            model_name='reminder',
            index=models.Index(fields=['region', 'at'], name='supervision_reminder_period'),
        ),
        migrations.AddConstraint(
            model_name='reminder',
            constraint=models.CheckConstraint(condition=models.Q(('acknowledged_at__isnull', True), models.Q(('reply', ''), _negated=True), _connector='OR'), name='supervision_reminder_acknowledged_with_reply'),
        ),
        migrations.AddField(
            model_name='casewarning',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case', verbose_name='case'),
        ),
        migrations.AddField(
            model_name='casewarning',
            name='department',
            field=models.ForeignKey(help_text='The department working the case; the issuing window (the bureau) for art. 44.', on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.organisation', verbose_name='warned organisation'),
        ),
        migrations.AddField(
            model_name='casewarning',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='org.region', verbose_name='region'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='case',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cases.case', verbose_name='case'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='department',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='org.organisation', verbose_name='department'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='explained_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='explained by'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='issued_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='region',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='org.region', verbose_name='region'),
        ),
        migrations.AddField(
            model_name='supervisionorder',
            name='reviewed_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by'),
        ),
        migrations.AddConstraint(
            model_name='casewarning',
            constraint=models.UniqueConstraint(fields=('case', 'kind', 'level'), name='supervision_warning_once_per_level'),
        ),
        migrations.AddConstraint(
            model_name='supervisionorder',
            constraint=models.UniqueConstraint(fields=('region', 'year', 'serial'), name='supervision_order_number'),
        ),
        migrations.AddConstraint(
            model_name='supervisionorder',
            constraint=models.UniqueConstraint(condition=models.Q(('status', 'closed'), _negated=True), fields=('case',), name='supervision_one_open_order_per_case'),
        ),
        # Last: on PostgreSQL no ALTER TABLE may follow row updates in one transaction.
        migrations.RunPython(fill_regions, migrations.RunPython.noop),
    ]
