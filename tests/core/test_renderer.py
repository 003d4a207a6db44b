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
