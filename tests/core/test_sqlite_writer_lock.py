"""The SQLite backend queues the writers of every process on a file lock beside the database (taken at the
outermost transaction's BEGIN, let go at commit, rollback or close) instead of SQLite's sleeping busy
handler."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import OperationalError, connection, connections, transaction

from onewindow.core.models import DataStamp

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend's own")


def _free(path: str) -> bool:
    """Whether another open file description could take the lock now."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


def test_a_transaction_holds_the_lock_from_begin_to_commit_or_rollback(transactional_db):
    wrapper = connections["default"]
    path = wrapper._writer_lock_path()
    with transaction.atomic():
        DataStamp.objects.count()
        assert not _free(path)
        with transaction.atomic():  # a savepoint takes nothing more
            pass
        assert not _free(path)
    assert _free(path)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert not _free(path)
        raise ZeroDivisionError
    assert _free(path)


def test_a_writer_waits_for_the_holder_and_goes_on_when_it_commits(transactional_db):
    order = []
    holding, go_on = threading.Event(), threading.Event()

    def holder():
        with transaction.atomic():
            DataStamp.objects.count()
            order.append("holder in")
            holding.set()
            go_on.wait(10)
            order.append("holder out")
        connection.close()

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait(10)
    waiter = threading.Thread(target=lambda: (_atomic_note(order), connection.close()))
    waiter.start()
    go_on.set()
    thread.join(10)
    waiter.join(10)
    assert order == ["holder in", "holder out", "waiter in"]


def _atomic_note(order):
    with transaction.atomic():
        order.append("waiter in")


def test_a_writer_that_waits_past_the_timeout_fails_with_database_is_locked(transactional_db, monkeypatch):
    wrapper = connections["default"]
    path = wrapper._writer_lock_path()
    monkeypatch.setitem(wrapper.settings_dict["OPTIONS"], "timeout", 0.05)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process in a transaction
    try:
        with pytest.raises(OperationalError, match="database is locked"), transaction.atomic():
            pass
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    with transaction.atomic():
        assert DataStamp.objects.count() >= 0
    assert _free(path)


def test_a_write_outside_a_transaction_queues_on_the_lock_for_its_own_statement(
    transactional_db, monkeypatch
):
    """Autocommit writes (a text marked sent after the commit) wait on the lock like transactions, not in
    SQLite's sleeping busy handler; reads outside transactions take nothing."""
    wrapper = connections["default"]
    path = wrapper._writer_lock_path()
    DataStamp.objects.get_or_create(pk=1, defaults={"value": 1})
    monkeypatch.setitem(wrapper.settings_dict["OPTIONS"], "timeout", 0.05)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another process in a transaction
    try:
        assert DataStamp.objects.filter(pk=1).count() == 1  # a read goes on
        with pytest.raises(OperationalError, match="waited for the writer lock"):
            DataStamp.objects.filter(pk=1).update(value=2)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
    assert DataStamp.objects.filter(pk=1).update(value=3) == 1
    assert _free(path)  # let go after its statement
    assert DataStamp.objects.get(pk=1).value == 3
