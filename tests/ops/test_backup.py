"""`onewindow backup` / `restore`: a round trip into an empty installation, a backup taken while the server
accepts cases, and refusals (a damaged archive, a non-empty installation, a bad path) that change nothing."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from onewindow.core import backup
from tests.ops.conftest import Api, Load, applicant, onewindow, serve, source_env

# Whole in one transaction (docs/rules.md rule 5): a case row never exists without its events or audit entry.
CASES_WITHOUT_EVENTS = (
    "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS "
    "(SELECT 1 FROM cases_caseevent e WHERE e.case_id = c.id)"
)
CASES_WITHOUT_AUDIT = (
    "SELECT COUNT(*) FROM cases_case c WHERE NOT EXISTS (SELECT 1 FROM core_auditentry a "
    "WHERE a.object_type = 'cases.case' AND a.object_id = c.number)"
)
AUDITED_ACCEPTANCES_WITHOUT_CASE = (
    "SELECT COUNT(*) FROM core_auditentry a WHERE a.action = 'cases.accept' AND NOT EXISTS "
    "(SELECT 1 FROM cases_case c WHERE c.number = a.object_id)"
)


def _accept(hall, *, materials=None) -> dict:
    answer = hall.clerk.post(
        "/cases",
        {
            "subitem": hall.subitem,
            "applicant": applicant(),
            "materials": hall.materials if materials is None else materials,
        },
        **{"Idempotency-Key": f"backup-test-{applicant()['id_number']}"},
    )
    assert answer.status_code == 201, answer.content
    return answer.json()


def _act(api: Api, case: dict, action: str, **params) -> dict:
    answer = api.post(
        f"/cases/{case['number']}/actions", {"action": action, "version": case["version"], **params}
    )
    assert answer.status_code == 200, answer.content
    return answer.json()


def _backup_in_process(path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


def test_round_trip_restores_every_row_and_file_into_an_empty_installation(
    hall, fresh_installation, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    uploads = {
        "case-files/2026/receipt.pdf": b"%PDF-1.7 receipt\n",
        "case-files/2026/photo.png": b"\x89PNG\r\n",
    }
    for name, content in uploads.items():
        (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / name).write_bytes(content)
    settings.ONEWINDOW_FILES_DIR = tmp_path / "case-files"
    for _ in range(3):
        first = _accept(hall)
    scan_bytes = b"%PDF-1.4 scanned application form\n%%EOF\n"
    scan = hall.clerk.client.post(
        f"/api/v1/cases/{first['number']}/materials/{hall.materials[0]}/files",
        {"file": SimpleUploadedFile("scan.pdf", scan_bytes)},
        headers=hall.clerk.headers,
    )
    assert scan.status_code == 201, scan.content
    blob = f"{scan.json()['sm3'][:2]}/{scan.json()['sm3'][2:]}"
    _accept(hall, materials=hall.materials[:-1])  # a supplement request
    approver, issuer = Api("data-bureau-approver"), Api("issuer1")
    case = _act(approver, _accept(hall), "claim")
    case = _act(
        approver, case, "decide", decision="grant", reason="符合法定条件", particulars=hall.particulars
    )
    case = _act(approver, case, "produce_result")
    issued = _act(issuer, case, "issue", method="pickup")
    assert issued["status"] == "issued"
    before = backup.table_counts()

    output = _backup_in_process(tmp_path / "hall.tar")
    assert "backup written" in output
    with tarfile.open(tmp_path / "hall.tar") as tar:
        names = set(tar.getnames())
    assert names == {"manifest.json", backup.DATABASE_MEMBER[connection.vendor]} | {
        f"files/media/{name}" for name in uploads
    } | {f"files/case_files/{blob}"}
    assert not any("secret" in name for name in names)

    restored = onewindow("restore", str(tmp_path / "hall.tar"), env=fresh_installation.env)

    assert restored.returncode == 0, restored.stderr
    assert "audit chain intact" in restored.stdout
    fresh = fresh_installation
    for table, count in before.items():
        # The restore writes one audit entry of its own, after checking the copy against the manifest.
        expected = count + 1 if table == "core_auditentry" else count
        assert fresh.scalar(f'SELECT COUNT(*) FROM "{table}"') == expected, table
    assert sorted(r[0] for r in fresh.rows("SELECT number FROM cases_case")) == sorted(
        r[0] for r in _source_rows("SELECT number FROM cases_case")
    )
    statuses = dict(fresh.rows("SELECT number, status FROM cases_case"))
    assert statuses[issued["number"]] == "issued"
    assert fresh.scalar(CASES_WITHOUT_EVENTS) == 0
    verify = onewindow("audit", "verify", env=fresh.env)
    assert verify.returncode == 0, verify.stderr
    restored_media = Path(fresh.env["ONEWINDOW_DATA_DIR"]) / "media"
    for name, content in uploads.items():
        assert (restored_media / name).read_bytes() == content
    assert (Path(fresh.env["ONEWINDOW_DATA_DIR"]) / "files" / blob).read_bytes() == scan_bytes  # the scans


def _source_rows(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def test_backup_taken_while_the_server_accepts_cases_restores_to_a_consistent_state(
    hall, fresh_installation, tmp_path
):
    archive = tmp_path / "under-load.tar"
    with serve() as server:
        # Bounded by time, not by count: a fast server must not run out of acceptances to make before
        # the backup ends (the check below needs the server still writing after the snapshot).
        load = Load(
            port=server.port,
            token=hall.clerk.token,
            subitem=hall.subitem,
            materials=hall.materials,
            max_per_client=1_000_000,
            max_seconds=180.0,
        )
        load.start()
        try:
            load.wait_for(10)
            cases_before = _source_rows("SELECT COUNT(*) FROM cases_case")[0][0]
            made = onewindow("backup", str(archive), env=source_env())
            answered_at_backup_end = len(load.answered_201)
            load.wait_for(answered_at_backup_end + 5)  # the server kept writing after the snapshot
        finally:
            load.finish()
    assert made.returncode == 0, made.stderr
    assert not load.other_answers, load.other_answers[:3]
    cases_after = _source_rows("SELECT COUNT(*) FROM cases_case")[0][0]

    restored = onewindow("restore", str(archive), env=fresh_installation.env)

    assert restored.returncode == 0, restored.stderr
    fresh = fresh_installation
    in_backup = fresh.scalar("SELECT COUNT(*) FROM cases_case")
    assert cases_before <= in_backup <= cases_after
    assert fresh.scalar(CASES_WITHOUT_EVENTS) == 0
    assert fresh.scalar(CASES_WITHOUT_AUDIT) == 0
    assert fresh.scalar(AUDITED_ACCEPTANCES_WITHOUT_CASE) == 0
    verify = onewindow("audit", "verify", env=fresh.env)
    assert verify.returncode == 0, verify.stderr


def _flip_a_byte_of(archive, member: str) -> None:
    with tarfile.open(archive) as tar:
        info = tar.getmember(member)
    with open(archive, "r+b") as f:
        f.seek(info.offset_data + info.size // 2)
        byte = f.read(1)
        f.seek(-1, io.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))


def _tables_of(installation) -> int:
    if installation.vendor == "sqlite":
        if not installation.sqlite_path.exists():
            return 0
        return installation.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
    return installation.scalar("SELECT COUNT(*) FROM pg_tables WHERE schemaname = 'public'")


def test_a_damaged_archive_is_refused_and_nothing_is_restored(hall, fresh_installation, tmp_path):
    archive = tmp_path / "damaged.tar"
    _backup_in_process(archive)
    _flip_a_byte_of(archive, backup.DATABASE_MEMBER[connection.vendor])

    restored = onewindow("restore", str(archive), env=fresh_installation.env)

    assert restored.returncode == 1
    assert "does not match the manifest" in restored.stderr
    assert "Traceback" not in restored.stderr
    assert _tables_of(fresh_installation) == 0


def test_an_archive_with_a_member_outside_its_folder_is_refused(hall, fresh_installation, tmp_path):
    good, evil = tmp_path / "good.tar", tmp_path / "evil.tar"
    _backup_in_process(good)
    with tarfile.open(good) as src, tarfile.open(evil, "w") as dst:
        for info in src.getmembers():
            dst.addfile(info, src.extractfile(info))
        payload = b"owned"
        info = tarfile.TarInfo("../../escaped.txt")
        info.size = len(payload)
        dst.addfile(info, io.BytesIO(payload))

    restored = onewindow("restore", str(evil), env=fresh_installation.env)

    assert restored.returncode == 1
    assert "refused member" in restored.stderr
    assert not (tmp_path / "escaped.txt").exists()
    assert _tables_of(fresh_installation) == 0


def test_restore_refuses_an_installation_that_holds_data(hall, tmp_path):
    archive = tmp_path / "hall.tar"
    _backup_in_process(archive)
    _accept(hall)
    before = backup.table_counts()

    restored = onewindow("restore", str(archive), env=source_env())

    assert restored.returncode == 1
    assert "not empty" in restored.stderr and "--force" in restored.stderr
    assert backup.table_counts() == before


def test_bad_paths_exit_1_with_a_reason_and_no_traceback(tmp_path):
    not_a_tar = tmp_path / "notes.txt"
    not_a_tar.write_text("not a backup")
    (tmp_path / "taken.tar").write_bytes(b"")
    # From the console script: exit status 1 and the reason on stderr.
    for args, reason in [
        (("backup", str(tmp_path / "no-such-dir" / "x.tar")), "is not a directory"),
        (("restore", str(not_a_tar)), "not a readable tar archive"),
    ]:
        result = onewindow(*args, env=source_env())
        assert result.returncode == 1, (args, result.stdout)
        assert reason in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    # The same refusals in-process (no subprocess start-up for each).
    for args, reason in [
        (("backup", str(tmp_path / "taken.tar")), "exists"),
        (("restore", str(tmp_path / "missing.tar")), "is not a file"),
        (("restore", str(tmp_path)), "is not a file"),
    ]:
        with pytest.raises(CommandError, match=reason):
            call_command(*args, stdout=io.StringIO())


def test_a_migrated_installation_counts_as_empty_and_force_keeps_the_replaced_data_aside(
    hall, fresh_installation, tmp_path
):
    archive = tmp_path / "hall.tar"
    _backup_in_process(archive)
    fresh = fresh_installation
    assert onewindow("migrate", "--no-input", env=fresh.env).returncode == 0

    first = onewindow("restore", str(archive), env=fresh.env)
    again = onewindow("restore", str(archive), env=fresh.env)
    forced = onewindow("restore", str(archive), "--force", env=fresh.env)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 1 and "not empty" in again.stderr
    assert forced.returncode == 0, forced.stderr
    assert "kept" in forced.stdout
    if fresh.vendor == "sqlite":
        assert list(fresh.sqlite_path.parent.glob("onewindow.sqlite3.replaced-*"))
    else:
        assert fresh.scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 'public_replaced_%'") == 1
    # What is left is the backup again, plus the entry of the restore that made it.
    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    assert fresh.scalar("SELECT COUNT(*) FROM core_auditentry") == manifest["counts"]["core_auditentry"] + 1
    assert onewindow("audit", "verify", env=fresh.env).returncode == 0


def test_a_backup_is_not_written_into_the_file_store_it_copies(hall, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    with pytest.raises(CommandError, match="inside the file store"):
        call_command("backup", str(settings.MEDIA_ROOT / "x.tar"), stdout=io.StringIO())
