"""The applicant's ID number and phone: encrypted at rest, found by a keyed digest, rotatable, shown in
full only on the case page to the roles that work with them, each such view audited; masked elsewhere."""

from __future__ import annotations

from django.core.management import call_command
from django.db import connection
from django.test import Client

from onewindow.cases.models import Case
from onewindow.core import crypto
from onewindow.core.models import AuditEntry
from tests.cases.conftest import PERSON, drive
from tests.conftest import sign_in

ID, PHONE = PERSON["id_number"], PERSON["phone"]


def signed_in(username: str) -> Client:
    return sign_in(Client(), username)


def raw_row(case, columns="applicant_id_number, applicant_phone, applicant_id_digest") -> tuple:
    """The stored values, read with raw SQL (not through the field)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()


def test_the_database_holds_neither_the_id_number_nor_the_phone(world, clients):
    number = clients.clerk.post(
        "/cases",
        {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01"]},
        **{"Idempotency-Key": "k1"},
    ).json()["number"]
    case = Case.objects.get(number=number)
    id_number, phone, digest = raw_row(case)
    assert ID not in id_number and PHONE not in phone and PHONE[-4:] not in phone
    assert crypto.key_id_of(id_number) == crypto.keyring().current and crypto.is_encrypted(phone)
    assert ID not in digest and len(digest) == 64
    assert case.applicant_id_number == ID and case.applicant_phone == PHONE  # the service reads them


def test_an_exact_id_number_finds_the_case_and_the_public_check_still_works(world, clients):
    case = drive("accepted")
    other = drive("accepted", applicant={**PERSON, "id_number": "110105198001010016"})
    page = signed_in("clerk1").get("/cases/", {"q": ID, "status": ""}).content.decode()
    assert case.number in page and other.number not in page
    assert (
        case.number not in signed_in("clerk1").get("/cases/", {"q": ID[:10], "status": ""}).content.decode()
    )
    public = clients.anonymous.get(f"/public/cases/{case.number}", {"check": PHONE[-4:]})
    assert public.status_code == 200
    assert clients.anonymous.get(f"/public/cases/{case.number}", {"check": "0000"}).status_code == 404


def test_rotation_re_encrypts_every_row_and_keeps_everything_readable(world, clients, settings, tmp_path):
    settings.ONEWINDOW_DATA_KEY_FILE = tmp_path / "data_keys.json"  # the test's own keyring
    cases = [drive("accepted"), drive("issued")]
    old_key = crypto.keyring().current
    call_command("keys", "rotate", "--batch-size", "1")
    ring = crypto.keyring()
    assert ring.current != old_key and list(ring.keys) == [ring.current]
    for case in cases:
        id_number, phone, _ = raw_row(case)
        assert crypto.key_id_of(id_number) == crypto.key_id_of(phone) == ring.current
        fresh = Case.objects.get(pk=case.pk)
        assert (fresh.applicant_id_number, fresh.applicant_phone) == (ID, PHONE)
    page = signed_in("clerk1").get("/cases/", {"q": ID, "status": ""}).content.decode()
    assert all(c.number in page for c in cases)  # the digests survive a rotation
    assert AuditEntry.objects.filter(action="keys.rotated").count() == 1


def test_the_full_values_are_shown_on_the_case_page_to_the_working_roles_and_each_view_audited(world):
    case = drive("in_review")
    for username in ("clerk1", "construction-approver", "construction-head", "issuer1"):
        client = signed_in(username)
        masked = client.get(f"/cases/{case.number}/").content.decode()
        assert ID not in masked and PHONE not in masked and 'id="reveal-personal"' in masked
        full = client.get(f"/cases/{case.number}/", {"personal": "1"}).content.decode()
        assert ID in full and PHONE in full, username
    views = AuditEntry.objects.filter(action="case.personal_data_viewed", object_id=case.number)
    assert sorted(views.values_list("actor", flat=True)) == sorted(
        ["clerk1", "construction-approver", "construction-head", "issuer1"]
    )
    # The supervisor reads the case but never the full values; another department not even the case.
    page = signed_in("supervisor1").get(f"/cases/{case.number}/", {"personal": "1"}).content.decode()
    assert ID not in page and PHONE not in page and 'id="reveal-personal"' not in page
    assert signed_in("health-approver").get(f"/cases/{case.number}/", {"personal": "1"}).status_code == 404
    assert views.count() == 4


def test_everywhere_else_the_id_number_is_masked_and_the_phone_absent(world, clients):
    case = drive("issued")
    body = clients.clerk.get(f"/cases/{case.number}").content.decode()
    assert ID not in body and PHONE not in body
    listing = signed_in("clerk1").get("/cases/", {"status": ""}).content.decode()
    assert ID not in listing and PHONE not in listing
    receipt = signed_in("clerk1").get(f"/cases/{case.number}/documents/receipt.pdf")
    assert receipt.status_code == 200 and ID.encode() not in receipt.content


def test_the_migration_encrypts_the_rows_stored_in_clear_and_fills_the_digest(world_tx):
    from django.db.migrations.executor import MigrationExecutor

    case = drive("accepted")
    executor = MigrationExecutor(connection)
    executor.migrate([("cases", "0004_case_files")])
    id_number, phone = raw_row(case, "applicant_id_number, applicant_phone")
    assert (id_number, phone) == (ID, PHONE)  # reversed: back in clear, as before this change
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    id_number, phone, digest = raw_row(case)
    assert crypto.is_encrypted(id_number) and crypto.is_encrypted(phone) and ID not in id_number
    fresh = Case.objects.get(pk=case.pk)
    assert (fresh.applicant_id_number, fresh.applicant_phone) == (ID, PHONE)
    assert Case.objects.filter(applicant_id_digest=digest).get() == fresh
