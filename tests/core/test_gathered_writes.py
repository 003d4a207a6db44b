"""core.prepared.gathering: the writes of one step go out together — on PostgreSQL as one statement — in
the order given, a new row may refer to another new row of the same writes, and nothing goes out of a step
that fails."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from onewindow.core import prepared
from onewindow.org.models import Organisation, Region
from tests.writes import statements

pytestmark = pytest.mark.django_db

REGION = prepared.Insert(Region)
ORGANISATION = prepared.Insert(Organisation)


def _organisation(region, code: str) -> Organisation:
    return Organisation(region=region, code=code, name=f"机构{code}", kind="department")


def test_rows_that_refer_to_each_other_go_out_together_in_order():
    region = Region(code="999901", name="甲区")
    first, second = _organisation(region, "w-one"), _organisation(region, "w-two")
    table = connection.ops.quote_name(Region._meta.db_table)
    with (
        CaptureQueriesContext(connection) as captured,
        transaction.atomic(),
        prepared.gathering() as writes,
    ):
        writes.insert(REGION, region)
        prepared.add(ORGANISATION, first)  # what a listener called inside the step does
        prepared.add(ORGANISATION, second)
        prepared.write(f"UPDATE {table} SET name = %s WHERE code = %s", ["乙区", "999901"])
        assert region.pk is None and len(writes) == 4  # nothing sent yet
    assert region.pk and first.pk and second.pk and first.pk < second.pk
    assert list(Organisation.objects.filter(region=region).order_by("pk").values_list("pk", "code")) == [
        (first.pk, "w-one"),
        (second.pk, "w-two"),
    ]
    sent = statements(captured)
    # On PostgreSQL one statement: its UPDATE ran in the same snapshot as the INSERT of the region, so it
    # did not see the row (data-modifying WITH queries see none of each other's effects).
    if connection.vendor == "postgresql":
        # (prepared on the server the first time its shape is seen: EXECUTE, the statement in a comment)
        assert len(sent) == 1 and sent[0].startswith(("WITH", "EXECUTE onewindow_gathered_"))
        assert "WITH w0 AS (INSERT INTO" in sent[0]
        assert Region.objects.get(pk=region.pk).name == "甲区"
    else:  # one after another: region, the two organisations in one INSERT, the UPDATE
        assert len(sent) == 3
        assert Region.objects.get(pk=region.pk).name == "乙区"


def test_a_second_write_of_the_same_key_sends_the_first_ones_before_it():
    region = Region.objects.create(code="999902", name="丙区")
    table = connection.ops.quote_name(Region._meta.db_table)
    update = f"UPDATE {table} SET name = %s WHERE id = %s"
    with CaptureQueriesContext(connection) as captured, transaction.atomic(), prepared.gathering():
        prepared.write(update, ["丁区", region.pk], key=("region", region.pk))
        prepared.write(update, ["戊区", region.pk], key=("region", region.pk))
    assert len(statements(captured)) == 2
    assert Region.objects.get(pk=region.pk).name == "戊区"


def test_a_step_that_fails_sends_nothing():
    region = Region(code="999903", name="己区")
    with pytest.raises(RuntimeError), transaction.atomic(), prepared.gathering() as writes:
        writes.insert(REGION, region)
        raise RuntimeError("the step failed")
    assert region.pk is None and not Region.objects.filter(code="999903").exists()
    assert prepared.gathered() is None


def test_a_nested_gathering_is_sent_by_the_outer_one():
    region = Region(code="999904", name="庚区")
    with transaction.atomic(), prepared.gathering() as outer:
        with prepared.gathering() as inner:
            inner.insert(REGION, region)
        assert inner is outer and region.pk is None
    assert region.pk is not None


def test_a_row_that_refers_to_a_row_never_written_is_refused():
    orphan = _organisation(Region(code="999905", name="辛区"), "w-orphan")
    with pytest.raises(ValueError, match="not written"), transaction.atomic():
        prepared.add(ORGANISATION, orphan)  # nothing gathering: written at once
    with pytest.raises(ValueError), transaction.atomic(), prepared.gathering() as writes:
        writes.insert(ORGANISATION, _organisation(Region(code="999906", name="壬区"), "w-orphan2"))
        writes.insert(REGION, Region(code="999907", name="癸区"))
    assert not Organisation.objects.filter(code__startswith="w-orphan").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side PREPARE")
def test_each_shape_of_gathered_writes_is_prepared_once_per_connection():
    table = connection.ops.quote_name(Region._meta.db_table)

    def step(code: str) -> list[str]:
        region = Region(code=code, name="区")
        with (
            CaptureQueriesContext(connection) as captured,
            transaction.atomic(),
            prepared.gathering() as writes,
        ):
            writes.insert(REGION, region)
            writes.execute(f"UPDATE {table} SET name = %s WHERE code = %s", ["子区", "none"])
        return statements(captured)

    step("999911")
    again = step("999912")
    assert len(again) == 1 and again[0].startswith("EXECUTE onewindow_gathered_")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%%UPDATE%%子区%%"]
        )
        assert cursor.fetchone() == (0,)  # the values travel with EXECUTE, not in the prepared text
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'onewindow_gathered_%%'")
        assert cursor.fetchone()[0] >= 1
    assert set(Region.objects.filter(code__in=["999911", "999912"]).values_list("name", flat=True)) == {"区"}


def test_an_inserts_values_are_the_orms_own_conversions_of_the_fields():
    """Insert passes a plain field's value of its exact type through unchanged (no ORM conversion): the
    values must be what the fields' own conversions give, for every model the case path inserts, with
    values of other types (choices enums, a bool in an integer column, lazy text, encrypted text) too."""
    import datetime as dt

    from django.utils.translation import gettext_lazy

    from onewindow.cases.models import Case, CaseEvent, Result
    from onewindow.core.models import AuditEntry
    from onewindow.messaging.models import SmsKind, SmsMessage, SmsStatus

    at = dt.datetime(2026, 3, 2, 1, 30, tzinfo=dt.UTC)
    objects = [
        CaseEvent(
            case_id=7, at=at, action="claim", actor_id=3, actor_name="甲", role="approver", data={"a": 1}
        ),
        CaseEvent(case_id=7, at=at, action="decide", actor_id=None, comment=gettext_lazy("Materials")),
        AuditEntry(
            at=at, actor="system", action="x", object_type="case", object_id="7", success=True, detail={}
        ),
        SmsMessage(
            region_id=1,
            case_id=7,
            event_id=9,
            kind=SmsKind.ACCEPTED,
            phone="13812345678",
            text="好",
            status=SmsStatus.SENT,
            attempts=True,
            created_at=at,
        ),
        Result(
            case_id=7, region_id=1, number="R1", decision="grant", content={"b": [1, "二"]}, produced_at=at
        ),
        Case(
            region_id=1,
            number="N1",
            status="accepted",
            version=1,
            subitem_id=2,
            received_at=at,
            applicant_name="张三",
            applicant_id_number="11010519491231002X",
            applicant_phone="13812345678",
            materials=["M01"],
            updated_at=at,
        ),
    ]
    for obj in objects:
        insert = prepared.Insert(type(obj))
        orm = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in insert._fields]
        fast = insert._params(obj, connection)
        for field, expected, got in zip(insert._fields, orm, fast, strict=True):
            if field.name in {"applicant_id_number", "applicant_phone", "phone"}:
                continue  # encrypted (through the field's own conversion), with a fresh nonce each time
            assert (type(got), _value(got)) == (type(expected), _value(expected)), (
                type(obj).__name__,
                field.name,
            )


def _value(adapted):
    """What an adapted value holds: PostgreSQL's JSON wrapper compares by identity."""
    return adapted.obj if type(adapted).__name__ == "Jsonb" else adapted
