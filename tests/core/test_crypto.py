"""Personal data at rest: the cipher, its key ids, the keyed-hash digests, the keyring and private files."""

import base64
import os
import stat
import subprocess
import sys

import pytest

from onewindow.core import crypto


@pytest.fixture
def keyfile(settings, tmp_path, monkeypatch):
    monkeypatch.delenv("ONEWINDOW_DATA_KEY", raising=False)
    settings.ONEWINDOW_DATA_KEY_FILE = tmp_path / "data_keys.json"
    return settings.ONEWINDOW_DATA_KEY_FILE


def test_a_value_round_trips_carries_its_key_id_and_differs_each_time(keyfile):
    one = crypto.encrypt("11010519491231002X", context="cases.Case.applicant_id_number")
    two = crypto.encrypt("11010519491231002X", context="cases.Case.applicant_id_number")
    assert one != two and "11010519491231002X" not in one
    assert crypto.key_id_of(one) == crypto.keyring().current
    assert crypto.decrypt(one, context="cases.Case.applicant_id_number") == "11010519491231002X"


def test_a_value_moved_to_another_column_does_not_decrypt(keyfile):
    from cryptography.exceptions import InvalidTag

    value = crypto.encrypt("13812345678", context="cases.Case.applicant_phone")
    with pytest.raises(InvalidTag):
        crypto.decrypt(value, context="cases.Case.applicant_id_number")


def test_the_keyring_is_generated_once_owner_only_with_a_separate_index_key(keyfile):
    ring = crypto.keyring()
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    assert crypto.keyring().keys == ring.keys
    assert ring.index_key not in ring.keys.values() and len(ring.keys[ring.current]) == 32


def test_digests_are_keyed_stable_and_per_purpose(keyfile):
    a = crypto.digest("11010519491231002X", purpose="id_number")
    assert a == crypto.digest("11010519491231002X", purpose="id_number")
    assert a != crypto.digest("11010519491231002X", purpose="phone") and len(a) == 64
    assert crypto.digest("", purpose="id_number") == ""


def test_rotation_keeps_old_values_readable_until_done_and_keeps_the_index_key(keyfile, db):
    old = crypto.encrypt("13812345678", context="x")
    before = crypto.keyring()
    result = crypto.rotate()
    after = crypto.keyring()
    assert result.new_key_id == after.current != before.current
    assert list(after.keys) == [after.current] and result.retired == [before.current]
    assert after.index_key == before.index_key
    with pytest.raises(crypto.DataKeyError):  # a value nobody re-encrypted is unreadable once its key is gone
        crypto.decrypt(old, context="x")


def test_the_keyring_may_come_from_the_environment(monkeypatch):
    new, old, index = (base64.b64encode(os.urandom(32)).decode() for _ in range(3))
    monkeypatch.setenv("ONEWINDOW_DATA_KEY", f"k2:{new},k1:{old}")
    monkeypatch.setenv("ONEWINDOW_DATA_INDEX_KEY", index)
    ring = crypto.keyring()
    assert ring.current == "k2" and set(ring.keys) == {"k1", "k2"} and ring.path is None
    assert crypto.key_id_of(crypto.encrypt("x", context="c")) == "k2"
    monkeypatch.delenv("ONEWINDOW_DATA_INDEX_KEY")
    with pytest.raises(crypto.DataKeyError):
        crypto.keyring()


def test_the_data_dir_and_the_sqlite_file_are_created_private(tmp_path):
    data = tmp_path / "fresh"
    env = {**os.environ, "ONEWINDOW_DATA_DIR": str(data), "ONEWINDOW_DATABASE_URL": ""}
    env.pop("ONEWINDOW_DATA_KEY", None)
    subprocess.run(
        [sys.executable, "-m", "onewindow", "migrate", "-v0"],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("onewindow.sqlite3", "onewindow.sqlite3-wal", "onewindow.sqlite3-shm", "secret_key"):
        path = data / name
        if path.exists():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
    assert (data / "onewindow.sqlite3").exists()


def _at_once(first_use, processes: int = 8) -> set:
    """What `first_use` returns in `processes` forked processes released together."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(processes)
    results = context.Queue()

    def run():
        barrier.wait(10)
        results.put(first_use())

    started = [context.Process(target=run) for _ in range(processes)]
    for process in started:
        process.start()
    seen = {results.get(timeout=20) for _ in started}
    for process in started:
        process.join(20)
    return seen


def test_processes_that_start_together_on_a_new_data_dir_share_one_key(keyfile):
    """The workers of a new server may all reach their first encryption at once: one key file is created
    and every process uses it (before, each could write its own, and text one worker encrypted became
    unreadable to the others once another's file replaced it)."""

    def first_use():
        crypto._cache.clear()
        ring = crypto.keyring()
        return ring.current, crypto._b64(ring.keys[ring.current]), crypto._b64(ring.index_key)

    seen = _at_once(first_use)
    ring = crypto.keyring()
    assert seen == {(ring.current, crypto._b64(ring.keys[ring.current]), crypto._b64(ring.index_key))}
    assert not list(keyfile.parent.glob("*.tmp"))  # no temporary file left behind


def test_processes_that_start_together_on_a_new_data_dir_share_one_secret_key(tmp_path, monkeypatch):
    from onewindow import config

    monkeypatch.delenv("ONEWINDOW_SECRET_KEY", raising=False)
    seen = _at_once(lambda: config.secret_key(tmp_path))
    assert seen == {(tmp_path / "secret_key").read_text().strip()}
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.tmp"))
