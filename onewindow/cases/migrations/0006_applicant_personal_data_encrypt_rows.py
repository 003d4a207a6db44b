"""The rows of cases stored in clear: ID number and phone encrypted, the ID number's digest filled.

Raw SQL (the field would refuse to read a value in clear), under the keyring of the installation
(core.crypto); reversing the migration decrypts them again.
"""

from django.db import connection, migrations

COLUMNS = ["applicant_id_number", "applicant_phone"]
ID_DIGEST_PURPOSE = "applicant_id_number"  # cases.models.ID_DIGEST_PURPOSE, frozen here


def _context(column: str) -> str:
    return f"cases.Case.{column}"


def encrypt_rows(apps, schema_editor):
    from onewindow.core import crypto

    q = connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, applicant_id_number FROM {q('cases_case')} WHERE applicant_id_digest = ''"
        )
        for pk, id_number in cursor.fetchall():
            if id_number and not crypto.is_encrypted(id_number):
                digest = crypto.digest(id_number, purpose=ID_DIGEST_PURPOSE)
                cursor.execute(
                    f"UPDATE {q('cases_case')} SET applicant_id_digest = %s WHERE id = %s", [digest, pk]
                )
        crypto.encrypt_in_place(cursor, "cases_case", COLUMNS, context_of=_context)


def decrypt_rows(apps, schema_editor):
    from onewindow.core import crypto

    q = connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {', '.join(COLUMNS)} FROM {q('cases_case')}")
        for pk, *values in cursor.fetchall():
            clear = [
                crypto.decrypt(v, context=_context(c)) if crypto.is_encrypted(v) else v
                for c, v in zip(COLUMNS, values, strict=True)
            ]
            sets = ", ".join(f"{q(c)} = %s" for c in COLUMNS)
            cursor.execute(f"UPDATE {q('cases_case')} SET {sets} WHERE id = %s", [*clear, pk])


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0005_applicant_personal_data_encrypted"),
    ]

    operations = [
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
    ]
