"""The API renderer (orjson) writes every value as the standard library with HallTimeEncoder did."""

import datetime as dt
import decimal
import json
import uuid

from django.utils import timezone
from django.utils.translation import gettext_lazy

from onewindow.core.api import HallTimeEncoder, Renderer


def test_the_renderer_writes_what_json_dumps_with_the_hall_encoder_writes():
    aware = dt.datetime(2026, 12, 1, 3, 4, 5, 678901, tzinfo=dt.UTC)
    data = {
        "at": aware,
        "local": timezone.localtime(aware),
        "naive": dt.datetime(2026, 12, 1, 11, 4, 5, 678901),
        "on": dt.date(2026, 12, 1),
        "time": dt.time(9, 30),
        "amount": decimal.Decimal("12.50"),
        "label": gettext_lazy("Not found"),
        "id": uuid.UUID(int=7),
        "by_year": {2026: 3, 2025: None},
        "text": '受理 "引号" \\ 换行\n',
        "list": [1, 2.5, True, None, ("a", "b")],
    }
    ours = Renderer().render(None, data, response_status=200)
    theirs = json.dumps(data, cls=HallTimeEncoder, ensure_ascii=False)
    assert json.loads(ours) == json.loads(theirs)
    assert json.loads(ours)["at"] == "2026-12-01T11:04:05.678901+08:00"
    assert "受理".encode() in ours  # UTF-8, not \\u escapes


def test_an_answer_rendered_as_is_must_be_what_its_schema_validates(settings):
    """The check the test suite runs on every case answer (core.api.answer_as_is) can fail."""
    import pytest
    from ninja import Schema

    from onewindow.core.api import answer_as_is

    class Shape(Schema):
        number: str
        at: dt.datetime
        count: int = 0

    settings.ONEWINDOW_CHECK_ANSWERS = True
    aware = dt.datetime(2026, 12, 1, 3, 4, 5, tzinfo=dt.UTC)
    good = answer_as_is(Shape, {"number": "A1", "at": aware, "count": 2}, status=201)
    assert good.status_code == 201 and good["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(good.content) == {"number": "A1", "at": "2026-12-01T11:04:05+08:00", "count": 2}
    for bad in ({"number": "A1", "at": aware}, {"number": "A1", "at": aware, "count": 2, "extra": 1}):
        with pytest.raises(AssertionError):
            answer_as_is(Shape, bad)  # a default the answer lacks, a field the schema has not
    settings.ONEWINDOW_CHECK_ANSWERS = False
    assert json.loads(answer_as_is(Shape, bad).content)["extra"] == 1  # in service: as built
