"""The applicant's ID number and phone become encrypted fields, with a keyed digest of the ID number for
search; 0004 encrypts the rows stored in clear (a migration of its own: PostgreSQL refuses to alter a
table in the transaction that updated its rows)."""

from django.db import migrations, models

import onewindow.core.crypto


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_case_files"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="applicant_id_digest",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="Keyed hash (HMAC-SHA256) of the ID number: exact search without storing it in clear.",
                max_length=64,
                verbose_name="applicant ID number digest",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="applicant_id_number",
            field=onewindow.core.crypto.EncryptedTextField(
                help_text="居民身份证 or 统一社会信用代码, check digit validated; shown masked only.",
                verbose_name="applicant ID number",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="applicant_phone",
            field=onewindow.core.crypto.EncryptedTextField(verbose_name="applicant phone"),
        ),
    ]
