"""Working-day arithmetic: the start day does not count, 调休 Saturdays and Sundays do, unknown years are errors."""

import datetime as dt

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.core import clock
from onewindow.core.errors import InvalidInput, RuleViolation
from onewindow.workdays import arithmetic
from onewindow.workdays import services as workdays_services
from onewindow.workdays.errors import CalendarMissing
from onewindow.workdays.models import CalendarYear

D = dt.date


def test_2024_national_day_five_working_days_after_27_september_is_10_october(seeded):
    assert arithmetic.add_workdays(D(2024, 9, 27), 5) == D(2024, 10, 10)


def test_the_make_up_sunday_29_september_2024_counts_and_the_holiday_week_does_not(seeded):
    assert arithmetic.is_workday(D(2024, 9, 29))
    assert arithmetic.add_workdays(D(2024, 9, 27), 1) == D(2024, 9, 29)
    assert arithmetic.add_workdays(D(2024, 9, 27), 2) == D(2024, 9, 30)
    assert arithmetic.add_workdays(D(2024, 9, 27), 3) == D(2024, 10, 8)
    assert not any(arithmetic.is_workday(D(2024, 10, day)) for day in range(1, 8))
    assert arithmetic.count_workdays(D(2024, 9, 27), D(2024, 10, 10)) == 5


def test_2025_spring_festival_works_sunday_26_january_and_saturday_8_february(seeded):
    assert arithmetic.is_workday(D(2025, 1, 26))
    assert arithmetic.is_workday(D(2025, 2, 8))
    assert not any(arithmetic.is_workday(D(2025, 1, 28) + dt.timedelta(days=k)) for k in range(8))
    assert arithmetic.add_workdays(D(2025, 1, 24), 1) == D(2025, 1, 26)
    assert arithmetic.add_workdays(D(2025, 1, 27), 1) == D(2025, 2, 5)
    assert arithmetic.count_workdays(D(2025, 1, 24), D(2025, 2, 9)) == 2 + 3 + 1  # 1/26, 1/27, 2/5–7, 2/8


def test_the_start_day_never_counts_and_zero_days_is_the_start_itself(seeded):
    monday = D(2024, 6, 3)
    assert arithmetic.add_workdays(monday, 1) == D(2024, 6, 4)
    assert arithmetic.add_workdays(monday, 0) == monday
    saturday = D(2024, 6, 8)
    assert arithmetic.add_workdays(saturday, 0) == saturday
    assert arithmetic.add_workdays(saturday, 1) == D(2024, 6, 11)  # Monday 6/10 is 端午


def test_count_is_zero_when_the_end_is_not_after_the_start(seeded):
    assert arithmetic.count_workdays(D(2024, 6, 3), D(2024, 6, 3)) == 0
    assert arithmetic.count_workdays(D(2024, 6, 3), D(2024, 5, 1)) == 0


def test_negative_days_are_refused(seeded):
    with pytest.raises(InvalidInput) as exc:
        arithmetic.add_workdays(D(2024, 6, 3), -1)
    assert "days" in exc.value.errors


def test_a_count_into_a_year_without_schedule_is_an_error_naming_that_year(seeded):
    with pytest.raises(CalendarMissing) as exc:
        arithmetic.add_workdays(D(2026, 12, 20), 10)
    assert isinstance(exc.value, RuleViolation) and exc.value.status == 422
    assert exc.value.code == "calendar.missing"
    assert exc.value.year == 2027
    assert "2027" in exc.value.message
    with pytest.raises(CalendarMissing):
        arithmetic.count_workdays(D(2026, 12, 20), D(2027, 1, 10))
    with pytest.raises(CalendarMissing):
        arithmetic.is_workday(D(2030, 3, 1))
    with pytest.raises(CalendarMissing) as before:
        arithmetic.add_workdays(D(2003, 12, 1), 3)
    assert before.value.year == 2003


def test_the_last_day_of_a_known_year_still_counts_up_to_its_end(seeded):
    assert arithmetic.add_workdays(D(2026, 12, 28), 3) == D(2026, 12, 31)
    with pytest.raises(CalendarMissing):
        arithmetic.add_workdays(D(2026, 12, 31), 1)
    assert arithmetic.add_workdays(D(2003, 12, 31), 1) == D(2004, 1, 2)  # 2004-01-01 was 元旦


def test_2030_is_missing_unless_the_supervisor_made_it_provisional(seeded):
    with pytest.raises(CalendarMissing):
        arithmetic.add_workdays(D(2030, 3, 1), 5)
    workdays_services.create_provisional_year(year=2030, region=seeded)
    result = arithmetic.add_workdays_info(D(2030, 3, 1), 5)
    assert result == arithmetic.WorkdayResult(D(2030, 3, 8), True)
    # 2027–2029 stay unknown: a count from 2026 into 2030 names the first gap.
    with pytest.raises(CalendarMissing) as exc:
        arithmetic.add_workdays(D(2026, 12, 1), 1000)
    assert exc.value.year == 2027


def test_due_dates_reached_through_a_provisional_year_say_so(seeded):
    workdays_services.create_provisional_year(year=2027, region=seeded)
    assert arithmetic.add_workdays_info(D(2026, 6, 1), 10).provisional is False
    crossing = arithmetic.add_workdays_info(D(2026, 12, 20), 10)
    assert crossing.provisional is True and crossing.date.year == 2027
    assert arithmetic.span_is_provisional(D(2026, 12, 20), crossing.date)
    assert not arithmetic.span_is_provisional(D(2026, 1, 1), D(2026, 12, 31))
    assert arithmetic.year_status(2027) == "provisional"
    assert arithmetic.year_status(2026) == "official"
    assert arithmetic.year_status(2028) is None


def test_a_region_can_be_named_by_code_and_an_unknown_one_is_refused(seeded):
    assert arithmetic.add_workdays(D(2024, 9, 27), 5, region="210300") == D(2024, 10, 10)
    assert arithmetic.add_workdays(D(2024, 9, 27), 5, region=seeded) == D(2024, 10, 10)
    with pytest.raises(InvalidInput):
        arithmetic.add_workdays(D(2024, 9, 27), 5, region="999999")


def test_each_region_counts_with_its_own_calendar(seeded, tmp_path):
    from onewindow.org.models import Region

    other = Region.objects.create(code="210100", name="沈阳市")
    path = tmp_path / "2024.csv"
    path.write_text("date,kind\n2024-09-30,off\n", encoding="utf-8")
    workdays_services.load_schedule(path=path, region=other)
    assert arithmetic.add_workdays(D(2024, 9, 27), 1, region=other) == D(2024, 10, 1)
    assert arithmetic.add_workdays(D(2024, 9, 27), 1, region=seeded) == D(2024, 9, 29)
    assert arithmetic.add_workdays(D(2024, 9, 27), 1) == D(2024, 9, 29)  # the first region by default
    with pytest.raises(CalendarMissing):
        arithmetic.add_workdays(D(2025, 6, 1), 1, region="210100")


def test_without_any_calendar_every_count_is_an_error(region):
    with pytest.raises(CalendarMissing) as exc:
        arithmetic.add_workdays(D(2024, 9, 27), 5)
    assert exc.value.year == 2024


def test_every_day_2004_to_2026_agrees_with_chinesecalendar(seeded):
    day, end = D(2004, 1, 1), D(2026, 12, 31)
    while day <= end:
        assert arithmetic.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_another_process_loading_a_year_is_noticed_at_the_next_check(seeded, monkeypatch):
    with pytest.raises(CalendarMissing):
        arithmetic.add_workdays(D(2026, 12, 20), 10)
    # What another process does: the rows change, this process's index is not told.
    CalendarYear.objects.create(
        region=seeded, year=2027, status="provisional", source="x", loaded_at=clock.now()
    )
    monkeypatch.setattr(arithmetic, "RECHECK_SECONDS", 0.0)
    assert arithmetic.add_workdays(D(2026, 12, 20), 10) == D(2027, 1, 1)  # plain Monday–Friday weeks


def _reference_add(start: dt.date, n: int) -> dt.date:
    """Day by day with chinesecalendar itself: the slow, obviously right way."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        if chinese_calendar.is_workday(day):
            n -= 1
    return day


starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 6, 30))
counts = st.integers(min_value=0, max_value=120)
property_settings = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@property_settings
@given(start=starts, n=counts)
def test_add_workdays_agrees_with_a_day_by_day_count(seeded, start, n):
    assert arithmetic.add_workdays(start, n) == _reference_add(start, n)


@property_settings
@given(start=starts, n=st.integers(min_value=1, max_value=120))
def test_the_result_is_a_working_day_and_counting_back_gives_n(seeded, start, n):
    due = arithmetic.add_workdays(start, n)
    assert due > start
    assert arithmetic.is_workday(due)
    assert arithmetic.count_workdays(start, due) == n
    assert arithmetic.count_workdays(start, due - dt.timedelta(days=1)) == n - 1


@property_settings
@given(start=starts, n=counts)
def test_more_working_days_give_a_later_date(seeded, start, n):
    assert arithmetic.add_workdays(start, n + 1) > arithmetic.add_workdays(start, n)


@property_settings
@given(after=starts, through=starts)
def test_count_workdays_agrees_with_a_day_by_day_count(seeded, after, through):
    expected = sum(
        chinese_calendar.is_workday(after + dt.timedelta(days=k))
        for k in range(1, (through - after).days + 1)
    )
    assert arithmetic.count_workdays(after, through) == expected
