"""The PostgreSQL backend sends a transaction's BEGIN with its first statement (one round trip less), and
transactions mean what they meant."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from onewindow.org.models import Region

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's own"),
    pytest.mark.django_db(transaction=True),
]

# In a message of several statements they all share its statement_timestamp(); the transaction started
# with that message exactly when now() (its start) equals it. A BEGIN sent alone comes a round trip earlier.
FIRST = "SELECT now() = statement_timestamp(), pg_current_xact_id()"


def test_the_first_statement_of_a_transaction_carries_its_begin():
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FIRST)
        same_message, xid = cursor.fetchone()
        cursor.execute("SELECT pg_current_xact_id()")
        (again,) = cursor.fetchone()
    assert same_message is True
    assert again == xid  # both statements in one transaction


def test_without_the_lazy_begin_psycopg_sends_it_alone():
    """The test above can fail: with psycopg starting the transaction itself, now() is earlier."""
    from onewindow.core.backends.postgresql import base

    connection.close()
    connection.ensure_connection()
    connection.connection.__dict__[base.LAZY] = False  # as a connection set up with its own options
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FIRST)
        same_message, _xid = cursor.fetchone()
    connection.close()
    assert same_message is False


def test_a_transaction_still_commits_or_rolls_back_as_a_whole():
    with pytest.raises(RuntimeError), transaction.atomic():
        Region.objects.create(code="999901", name="甲")
        Region.objects.create(code="999902", name="乙")
        raise RuntimeError("undo")
    assert not Region.objects.filter(code__startswith="9999").exists()
    with transaction.atomic():
        Region.objects.create(code="999903", name="丙")
    assert Region.objects.filter(code="999903").exists()


def test_a_failing_first_statement_leaves_nothing_open():
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1/0")
    with connection.cursor() as cursor:  # autocommit again: each statement its own transaction
        cursor.execute("SELECT pg_current_xact_id_if_assigned() IS NULL")
        assert cursor.fetchone() == (True,)
    assert connection.connection.info.transaction_status == 0  # idle


def test_autocommit_statements_start_no_transaction():
    with connection.cursor() as cursor:
        cursor.execute("SELECT now() = statement_timestamp()")
        cursor.execute("SELECT 1")
    assert connection.connection.info.transaction_status == 0  # idle: nothing left open


def test_savepoints_and_server_side_cursors_run_inside_the_transaction():
    Region.objects.create(code="999904", name="丁")
    with transaction.atomic():
        with transaction.atomic():  # a savepoint as the first statement
            Region.objects.filter(code="999904").update(name="戊")
        # iterator(): a named cursor, declared inside this transaction (not held past it)
        names, cursors = [], []
        for region in Region.objects.filter(code="999904").iterator(chunk_size=10):
            names.append(region.name)
            with connection.cursor() as cursor:
                cursor.execute("SELECT is_holdable FROM pg_cursors")
                cursors += [holdable for (holdable,) in cursor.fetchall()]
    assert names == ["戊"]
    assert cursors == [False]


def test_many_statements_at_once_start_the_transaction_first():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.executemany("SELECT %s", [(1,), (2,)])
            assert connection.connection.info.transaction_status == 2  # in a transaction
        Region.objects.create(code="999905", name="己")
    assert Region.objects.filter(code="999905").exists()
