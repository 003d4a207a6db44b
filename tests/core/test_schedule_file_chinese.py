"""The calendar file speaks the clerk's language too: 日期/类型/名称 and 休/班 (or 休息日/工作日)."""

import datetime as dt

import pytest

from onewindow.core.errors import InvalidInput
from onewindow.workdays.schedule_file import parse_schedule


def test_chinese_headers_and_kinds_are_read_like_the_english_ones():
    content = "日期,类型,名称\n2027-10-01,休,国庆节\n2027-10-09,班,国庆节调休\n2027-10-04,休息日,国庆节\n2027-09-26,工作日,\n"
    year, days, ignored = parse_schedule(content.encode("utf-8"), "2027.csv")
    assert year == 2027 and ignored == 0
    assert [(d.date, d.kind, d.name) for d in days] == [
        (dt.date(2027, 9, 26), "work", ""),
        (dt.date(2027, 10, 1), "off", "国庆节"),
        (dt.date(2027, 10, 4), "off", "国庆节"),
        (dt.date(2027, 10, 9), "work", "国庆节调休"),
    ]


def test_a_wrong_kind_is_explained_with_the_chinese_values(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(InvalidInput) as caught:
        parse_schedule("日期,类型\n2027-10-01,假\n".encode(), "2027.csv")
    assert "休" in caught.value.errors["row 2"][0] and "班" in caught.value.errors["row 2"][0]


def test_the_package_source_is_named_as_a_clerk_reads_it():
    from django.utils import translation

    from onewindow.workdays.models import CalendarYear

    with translation.override("zh-hans"):
        label = CalendarYear(year=2025, status="official", source="chinesecalendar 1.10.0").source_label
    assert label == "国务院办公厅节假日安排（chinesecalendar 数据包 1.10.0）"
