"""Where schedules come from: the package (official), the holiday regulation (provisional), a file (official)."""

import datetime as dt
import subprocess
import sys

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.workdays import arithmetic, sources
from onewindow.workdays import sample as workdays_sample
from onewindow.workdays import services as workdays_services
from onewindow.workdays.errors import CalendarMissing
from onewindow.workdays.models import CalendarDay, CalendarYear
from tests.conftest import database_env_for_subprocess

D = dt.date
pytestmark = pytest.mark.usefixtures("english")

# What the State Council might announce for 2027 (illustrative): 春节 2/5–2/11 with 2/13 Saturday worked.
OFFICIAL_2027 = """date,kind,name
2027-01-01,off,元旦
2027-02-05,off,春节
2027-02-06,off,春节
2027-02-07,off,春节
2027-02-08,off,春节
2027-02-09,off,春节
2027-02-10,off,春节
2027-02-11,off,春节
2027-02-13,work,春节调休上班
2027-04-05,off,清明节
2027-05-03,off,劳动节
2027-05-04,off,劳动节
2027-05-05,off,劳动节
2027-06-09,off,端午节
2027-09-15,off,中秋节
2027-10-01,off,国庆节
2027-10-04,off,国庆节
2027-10-05,off,国庆节
2027-10-06,off,国庆节
2027-10-07,off,国庆节
2027-10-09,work,国庆节调休上班
"""


def write(tmp_path, text, name="schedule-2027.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the package -------------------------------------------------------------------------------------


def test_seeding_loads_every_year_the_package_knows_as_official_and_is_idempotent(region):
    first = workdays_services.seed_from_package(region=region)
    assert first["created"] == list(range(2004, 2027))
    assert set(CalendarYear.objects.values_list("status", flat=True)) == {"official"}
    assert CalendarYear.objects.get(year=2025).source.startswith("chinesecalendar ")
    days = CalendarDay.objects.count()
    again = workdays_services.seed_from_package(region=region)
    assert again["created"] == [] and again["updated"] == []
    assert CalendarDay.objects.count() == days
    assert AuditEntry.objects.filter(action="calendar.seed").count() == 1


def test_only_exceptions_to_the_monday_to_friday_week_are_stored(seeded):
    for day in CalendarDay.objects.all():
        assert (day.kind == "off") == (day.date.weekday() < 5), day
    national_day = CalendarDay.objects.filter(date__range=(D(2024, 9, 28), D(2024, 10, 13)))
    assert [(d.date, d.kind, d.name) for d in national_day] == [
        (D(2024, 9, 29), "work", "国庆节调休上班"),
        (D(2024, 10, 1), "off", "国庆节"),
        (D(2024, 10, 2), "off", "国庆节"),
        (D(2024, 10, 3), "off", "国庆节"),
        (D(2024, 10, 4), "off", "国庆节"),
        (D(2024, 10, 7), "off", "国庆节"),
        (D(2024, 10, 12), "work", "国庆节调休上班"),
    ]


def test_load_sample_adds_a_provisional_next_year(region, frozen_clock):
    frozen_clock(dt.datetime(2026, 11, 27, 9, 0))
    report = workdays_sample.load_sample_calendar(region=region)
    assert "2027" in str(report)
    assert arithmetic.known_years()[2027] == "provisional"
    assert max(arithmetic.known_years()) == 2027
    workdays_sample.load_sample_calendar(region=region)
    assert CalendarYear.objects.filter(year=2027).count() == 1


# --- the holiday regulation (provisional years) ------------------------------------------------------


@pytest.mark.parametrize("year", range(sources.PROVISIONAL_FIRST_YEAR, sources.PROVISIONAL_LAST_YEAR + 1))
def test_a_provisional_year_gives_the_13_statutory_days_as_weekdays_off_and_no_make_up_days(year):
    days = sources.provisional_days(year)
    assert len(days) == 13
    assert all(d.kind == "off" and d.date.weekday() < 5 and d.date.year == year for d in days)
    assert len({d.date for d in days}) == 13


def test_holidays_on_a_weekend_are_given_on_the_next_free_weekday():
    # 2027: 正月初一 is Saturday 6 February; 除夕 Friday 5th, 初三 Monday 8th, then two days in lieu.
    spring = [(d.date, d.name) for d in sources.provisional_days(2027) if d.date.month == 2]
    assert spring == [
        (D(2027, 2, 5), "春节"),
        (D(2027, 2, 8), "春节"),
        (D(2027, 2, 9), "春节补休"),
        (D(2027, 2, 10), "春节补休"),
    ]
    # 2031: 中秋 falls on 1 October, the same day as 国庆: the overlap is given after the block.
    october = [d.date for d in sources.provisional_days(2031) if d.date.month == 10]
    assert october == [D(2031, 10, 1), D(2031, 10, 2), D(2031, 10, 3), D(2031, 10, 6)]


def test_the_festival_table_matches_the_official_2025_and_2026_holidays_and_the_solar_terms():
    for year in (2025, 2026):
        for _name, days in sources.statutory_holidays(year):
            for day in days:
                assert not chinese_calendar.is_workday(day), day
    for year in sources.FESTIVALS:
        qingming = sources.statutory_holidays(year)[2][1][0]
        terms = dict(
            (name, day) for day, name in chinese_calendar.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
        )
        assert terms["清明"] == qingming, year


def test_provisional_year_is_idempotent_and_a_no_op_for_an_official_year(seeded, changed_years):
    made, created = workdays_services.create_provisional_year(year=2027, region=seeded)
    assert created and made.status == "provisional" and made.days.count() == 13
    again, created_again = workdays_services.create_provisional_year(year=2027, region=seeded)
    assert again.pk == made.pk and not created_again
    official, touched = workdays_services.create_provisional_year(year=2025, region=seeded)
    assert official.status == "official" and not touched
    assert official.days.filter(kind="work").exists()
    assert changed_years == [frozenset({2027})]
    assert AuditEntry.objects.filter(action="calendar.provisional").count() == 1


def test_provisional_years_outside_the_regulation_table_are_refused(seeded):
    for year in (2003, sources.PROVISIONAL_LAST_YEAR + 1):
        with pytest.raises(InvalidInput):
            workdays_services.create_provisional_year(year=year, region=seeded)
    # An official year is a no-op even before the regulation's revision took effect.
    official, touched = workdays_services.create_provisional_year(year=2024, region=seeded)
    assert official.status == "official" and not touched


def test_only_the_supervisor_maintains_the_calendar(sample_org):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    with pytest.raises(PermissionDenied):
        workdays_services.create_provisional_year(year=2027, actor=users.get(username="clerk1"))
    made, _ = workdays_services.create_provisional_year(year=2027, actor=users.get(username="supervisor1"))
    assert made.loaded_by.username == "supervisor1"
    assert AuditEntry.objects.get(action="calendar.provisional").actor == "supervisor1"


# --- files -------------------------------------------------------------------------------------------


def test_loading_the_official_year_replaces_the_provisional_one_and_recomputes(
    seeded, tmp_path, changed_years
):
    workdays_services.create_provisional_year(year=2027, region=seeded)
    assert arithmetic.add_workdays_info(D(2027, 2, 4), 2) == arithmetic.WorkdayResult(D(2027, 2, 12), True)

    report = workdays_services.load_schedule(path=write(tmp_path, OFFICIAL_2027), region=seeded)

    assert report.year == 2027 and report.status_before == "provisional" and report.changed
    assert report.days_off == 17 and report.make_up_days == 2 and report.ignored_rows == 2
    year = CalendarYear.objects.get(year=2027)
    assert year.status == "official" and year.source == "file schedule-2027.csv" and year.revision == 2
    assert arithmetic.add_workdays_info(D(2027, 2, 4), 2) == arithmetic.WorkdayResult(D(2027, 2, 13), False)
    assert arithmetic.is_workday(D(2027, 2, 13))
    assert changed_years == [frozenset({2027}), frozenset({2027})]
    entry = AuditEntry.objects.get(action="calendar.load")
    assert entry.detail["replaced"]["status"] == "provisional"


def test_loading_the_same_official_file_again_changes_nothing(seeded, tmp_path, changed_years):
    path = write(tmp_path, OFFICIAL_2027)
    workdays_services.load_schedule(path=path, region=seeded)
    again = workdays_services.load_schedule(path=path, region=seeded)
    assert not again.changed
    assert changed_years == [frozenset({2027})]
    assert CalendarYear.objects.get(year=2027).revision == 1


def test_replacing_an_official_year_is_audited_with_what_it_replaced(seeded, tmp_path):
    text = "date,kind,name\n2025-01-01,off,元旦\n2025-12-31,off,hall closed\n"
    report = workdays_services.load_schedule(path=write(tmp_path, text, "2025.csv"), region=seeded)
    assert report.status_before == "official"
    entry = AuditEntry.objects.get(action="calendar.load")
    assert entry.detail["replaced"]["source"].startswith("chinesecalendar")
    assert not arithmetic.is_workday(D(2025, 12, 31))
    assert arithmetic.is_workday(D(2025, 1, 28))  # the file is the whole year now


def test_an_xlsx_schedule_loads_like_a_csv(seeded, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["date", "kind", "name"])
    for line in OFFICIAL_2027.strip().splitlines()[1:]:
        day, kind, name = line.split(",")
        sheet.append([dt.datetime.fromisoformat(day), kind, name])
    path = tmp_path / "2027.xlsx"
    book.save(path)
    report = workdays_services.load_schedule(path=path, region=seeded)
    assert report.year == 2027 and report.days_off == 17 and report.make_up_days == 2


def test_rows_restating_the_ordinary_week_are_accepted_but_not_stored(seeded, tmp_path):
    text = "date,kind\n2027-10-01,off\n2027-10-02,off\n2027-10-03,off\n2027-10-04,off\n"
    report = workdays_services.load_schedule(path=write(tmp_path, text), region=seeded)
    assert report.days_off == 2 and report.ignored_rows == 2
    assert CalendarDay.objects.filter(date__year=2027).count() == 2


@pytest.mark.parametrize(
    "text, where, words",
    [
        ("date,kind\n2027-02-30,off\n", "row 2", "not a date"),
        ("date,kind\n2027-02-05,holiday\n", "row 2", "off or work"),
        ("date,kind\n2027-02-05,off\n2027-02-05,off\n", "row 3", "row 2"),
        ("date,kind\n2027-12-31,off\n2028-01-03,off\n", "file", "several years"),
        ("day,kind\n2027-02-05,off\n", "file", "date"),
        ("date,kind\n", "file", "no rows"),
        ("", "file", "empty"),
    ],
)
def test_a_bad_file_is_refused_whole_with_row_level_errors(seeded, tmp_path, text, where, words):
    workdays_services.create_provisional_year(year=2027, region=seeded)
    with pytest.raises(InvalidInput) as exc:
        workdays_services.load_schedule(path=write(tmp_path, text), region=seeded)
    assert where in exc.value.errors
    assert any(words in message for message in exc.value.errors[where])
    assert CalendarYear.objects.get(year=2027).status == "provisional"
    assert CalendarDay.objects.filter(date__year=2027).count() == 13


def test_a_good_row_next_to_a_bad_one_is_not_loaded_either(seeded, tmp_path):
    with pytest.raises(InvalidInput) as exc:
        workdays_services.load_schedule(
            path=write(tmp_path, "date,kind\n2027-02-05,off\nnonsense,off\n"), region=seeded
        )
    assert list(exc.value.errors) == ["row 3"]
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_an_unsupported_file_type_is_refused(seeded, tmp_path):
    with pytest.raises(InvalidInput):
        workdays_services.load_schedule(path=write(tmp_path, "x", "schedule.txt"), region=seeded)


def test_a_failing_recomputation_rolls_the_load_back(seeded, tmp_path):
    def broken(*, region, years):
        arithmetic.add_workdays(
            D(2026, 12, 20), 10
        )  # the index now holds the new year, inside the transaction
        raise RuntimeError("recomputation failed")

    workdays_services.on_calendar_changed.append(broken)
    try:
        with pytest.raises(RuntimeError):
            workdays_services.load_schedule(path=write(tmp_path, OFFICIAL_2027), region=seeded)
    finally:
        workdays_services.on_calendar_changed.remove(broken)
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert not AuditEntry.objects.filter(action="calendar.load").exists()
    with pytest.raises(CalendarMissing):
        arithmetic.add_workdays(D(2026, 12, 20), 10)


# --- the console script ------------------------------------------------------------------------------


def test_calendar_commands_load_provisional_seed_and_show(seeded, tmp_path, capsys):
    call_command("calendar", "provisional", "2027")
    call_command("calendar", "provisional", "2027")
    call_command("calendar", "provisional", "2025")
    call_command("calendar", "load", str(write(tmp_path, OFFICIAL_2027)))
    call_command("calendar", "seed")
    call_command("calendar", "show", "2027")
    out = capsys.readouterr().out
    assert "2027: provisional schedule created (13 weekdays off" in out
    assert "2027: provisional schedule already in place; nothing changed" in out
    assert "2025: has an official schedule; nothing changed" in out
    assert "2027: official schedule loaded (17 weekdays off, 2 make-up working days" in out
    assert "replaced: provisional" in out
    assert "0 years created, 0 updated" in out
    assert "2027-02-13 Sat work 春节调休上班" in out


def test_calendar_command_errors_name_the_rows(seeded, tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("calendar", "load", str(write(tmp_path, "date,kind\n2027-02-05,off\nbad,off\n")))
    assert "row 3: date 'bad' is not a date" in str(exc.value)
    with pytest.raises(CommandError):
        call_command("calendar", "load", str(tmp_path / "absent.csv"))
    with pytest.raises(CommandError):
        call_command("calendar", "show", "2031")


def test_a_bad_file_exits_1_from_the_console_script(db, tmp_path):
    path = write(tmp_path, "date,kind\n2027-12-31,off\n2028-01-03,off\n")
    result = subprocess.run(
        [sys.executable, "-m", "onewindow", "calendar", "load", str(path)],
        capture_output=True,
        text=True,
        env=database_env_for_subprocess(),
    )
    assert result.returncode == 1
    assert "2027, 2028" in result.stderr
