"""The working-day clock: promised days from the day after acceptance, National Day and its make-up
working days, suspensions not counted, extensions added, levels, the issuance clock, calendar changes."""

from __future__ import annotations

import datetime as dt

from django.core.management import call_command

from onewindow.cases.models import Case
from onewindow.workdays import services as workdays_services
from tests.cases.conftest import PERSON, act, at, new_case, ok


def get(client, case):
    return ok(client.get(f"/cases/{case['number']}"))


def test_accepted_friday_before_national_day_with_5_days_is_due_on_october_10(clients):
    case = new_case(clients.clerk)
    assert case["due_date"] == "2024-10-10"
    assert case["clock"] == {
        **case["clock"],
        "allowed_days": 5,
        "used_days": 0,
        "suspended_days": 0,
        "extended_days": 0,
        "remaining_days": 5,
        "level": "normal",
        "provisional": False,
    }
    assert Case.objects.get(number=case["number"]).due_date == dt.date(2024, 10, 10)


def test_used_days_count_the_make_up_sunday_and_skip_the_holiday(clients, frozen_clock):
    case = new_case(clients.clerk)
    frozen_clock(at(2024, 10, 7, 12, 0))  # last day of the holiday: 09-29 and 09-30 worked
    assert get(clients.clerk, case)["clock"]["used_days"] == 2
    frozen_clock(at(2024, 10, 8, 12, 0))
    clock = get(clients.clerk, case)["clock"]
    assert (clock["used_days"], clock["remaining_days"], clock["level"]) == (3, 2, "warning")


def test_the_level_turns_overdue_the_day_after_the_due_date(clients, frozen_clock):
    case = new_case(clients.clerk)
    frozen_clock(at(2024, 10, 10, 23, 0))
    assert get(clients.clerk, case)["clock"]["level"] == "warning"
    frozen_clock(at(2024, 10, 11, 9, 0))
    clock = get(clients.clerk, case)["clock"]
    assert (clock["level"], clock["remaining_days"]) == ("overdue", -1)


def test_the_warning_threshold_is_configurable(clients, frozen_clock, settings):
    settings.ONEWINDOW_WARNING_DAYS = 4
    case = new_case(clients.clerk)
    frozen_clock(at(2024, 9, 29, 12, 0))  # 1 used, 4 remaining
    assert get(clients.clerk, case)["clock"]["level"] == "warning"


def test_a_suspension_does_not_count_the_days_after_it_starts_through_the_day_it_ends(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    frozen_clock(at(2024, 9, 30, 10, 0))
    case = ok(
        act(
            clients.approver,
            case,
            "suspend",
            procedure="expert_review",
            reason="组织专家评审",
            planned_days=5,
            participants=["李工", "王工"],
        )
    )
    assert case["status"] == "suspended"
    assert case["suspensions"][0]["participants"] == ["李工", "王工"]
    frozen_clock(at(2024, 10, 9, 10, 0))
    running = get(clients.approver, case)
    assert running["clock"]["suspended_days"] == 2  # 10-08, 10-09 so far
    assert running["clock"]["running"] is False
    case = ok(act(clients.approver, running, "resume", outcome="专家评审通过"))
    clock = case["clock"]
    assert (clock["suspended_days"], clock["used_days"]) == (2, 2)  # used: 09-29, 09-30
    # 5 + 2 working days after 09-27: 09-29, 09-30, 10-08, 10-09, 10-10, 10-11, 10-12 (make-up Saturday).
    assert case["due_date"] == "2024-10-12"
    assert Case.objects.get(number=case["number"]).due_date == dt.date(2024, 10, 12)
    assert any("2024-10-12" in line for line in clock["breakdown"])
    assert case["suspensions"][0]["outcome"] == "专家评审通过"


def test_a_suspension_started_and_ended_the_same_day_counts_nothing(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    frozen_clock(at(2024, 9, 30, 9, 0))
    case = ok(act(clients.approver, case, "suspend", procedure="field_inspection", reason="现场核查"))
    frozen_clock(at(2024, 9, 30, 16, 0))
    case = ok(act(clients.approver, case, "resume", outcome="核查合格"))
    assert case["clock"]["suspended_days"] == 0
    assert case["due_date"] == "2024-10-10"


def test_a_procedure_the_sub_item_does_not_provide_for_is_422(clients):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    response = act(clients.approver, case, "suspend", procedure="hearing", reason="听证")
    assert response.status_code == 422
    assert get(clients.approver, case)["status"] == "in_review"


def test_extensions_add_working_days_and_are_capped_in_total(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    assert act(clients.approver, case, "extend", days=3, reason="情况复杂").status_code == 403
    case = ok(act(clients.head, case, "extend", days=3, reason="情况复杂"))
    assert case["clock"]["extended_days"] == 3 and case["clock"]["allowed_days"] == 8
    assert case["due_date"] == "2024-10-14"  # 8 working days: …10-10, 10-11, 10-12 (Sat, worked), 10-14
    assert case["extensions"][0]["reason"] == "情况复杂"
    response = act(clients.head, case, "extend", days=8, reason="再延")
    assert response.status_code == 422  # 3 + 8 > 10 (the default cap, art. 42)
    case = ok(act(clients.head, case, "extend", days=7, reason="再延"))
    assert case["clock"]["extended_days"] == 10


def test_suspension_and_extension_together_explain_the_due_date(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    frozen_clock(at(2024, 9, 30, 10, 0))
    case = ok(act(clients.approver, case, "suspend", procedure="expert_review", reason="评审"))
    frozen_clock(at(2024, 10, 9, 10, 0))
    case = ok(act(clients.approver, case, "resume", outcome="通过"))
    case = ok(act(clients.head, case, "extend", days=3, reason="补充论证"))
    # 5 + 3 allowed + 2 suspended = 10 working days after 09-27.
    assert case["due_date"] == "2024-10-16"
    breakdown = case["clock"]["breakdown"]
    assert len(breakdown) == 5  # accepted, promised, extension, suspension, total
    assert "2024-09-27" in breakdown[0] and "2024-10-16" in breakdown[-1]


def test_the_breakdown_reads_in_chinese(clients):
    case = new_case(clients.clerk)
    response = clients.clerk.get(f"/cases/{case['number']}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "工作日" in ok(response)["clock"]["breakdown"][1]


def test_a_decided_case_keeps_its_clock_and_starts_the_issuance_clock(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    frozen_clock(at(2024, 10, 8, 10, 0))
    case = ok(act(clients.approver, case, "decide", decision="grant", reason="符合条件"))
    frozen_clock(at(2024, 10, 25, 10, 0))
    case = get(clients.approver, case)
    assert case["clock"]["used_days"] == 3 and case["clock"]["level"] == "normal"
    issuance = case["issuance_clock"]
    assert issuance["decided_on"] == "2024-10-08" and issuance["due_date"] == "2024-10-21"
    assert issuance["level"] == "overdue"
    assert Case.objects.get(number=case["number"]).issue_due_date == dt.date(2024, 10, 21)


def test_a_case_decided_after_its_due_date_stays_overdue(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    frozen_clock(at(2024, 10, 11, 10, 0))
    case = ok(act(clients.approver, case, "decide", decision="grant", reason="符合条件"))
    frozen_clock(at(2024, 12, 1, 10, 0))
    assert get(clients.approver, case)["clock"]["level"] == "overdue"


def test_the_level_filter_finds_warning_and_overdue_cases(clients, frozen_clock):
    early = new_case(clients.clerk)
    frozen_clock(at(2024, 10, 8, 9, 0))
    late = new_case(clients.clerk)
    frozen_clock(at(2024, 10, 9, 9, 0))  # early: 4 used, 1 left; late: 1 used

    def numbers(level):
        return {c["number"] for c in ok(clients.supervisor.get("/cases", {"level": level}))["results"]}

    assert numbers("warning") == {early["number"]}
    assert numbers("normal") == {late["number"]}
    frozen_clock(at(2024, 10, 11, 9, 0))
    assert numbers("overdue") == {early["number"]}


def test_a_count_into_a_provisional_year_says_so(clients, frozen_clock):
    frozen_clock(at(2026, 12, 28, 10, 0))
    case = new_case(clients.clerk)
    assert case["clock"]["provisional"] is True
    assert case["due_date"] == "2027-01-05"  # 12-29, 12-30, 12-31, (01-01 off), 01-04, 01-05


def test_loading_the_official_year_recomputes_open_cases(clients, frozen_clock, world):
    frozen_clock(at(2026, 12, 28, 10, 0))
    case = new_case(clients.clerk)
    content = "date,kind,name\n2027-01-01,off,元旦\n2027-01-04,off,元旦调休\n".encode()
    workdays_services.load_schedule(content=content, filename="2027.csv", region=world.region)
    stored = Case.objects.get(number=case["number"])
    assert (stored.due_date, stored.due_provisional) == (dt.date(2027, 1, 6), False)
    assert get(clients.clerk, case)["clock"]["provisional"] is False


def test_a_year_without_a_schedule_refuses_acceptance_rather_than_guessing(clients, frozen_clock):
    frozen_clock(at(2027, 12, 28, 10, 0))
    body = {"subitem": "XK09901001", "applicant": PERSON, "materials": ["M01", "M02", "M03"]}
    response = clients.clerk.post("/cases", body)
    assert response.status_code == 422
    assert response.json()["code"] == "calendar.missing"
    assert not Case.objects.exists()


def test_tick_moves_the_stored_due_date_of_a_suspended_case_day_by_day(clients, frozen_clock):
    case = ok(act(clients.approver, new_case(clients.clerk), "claim"))
    case = ok(act(clients.approver, case, "suspend", procedure="expert_review", reason="评审"))
    frozen_clock(at(2024, 10, 9, 8, 0))
    call_command("tick")
    assert Case.objects.get(number=case["number"]).due_date == dt.date(2024, 10, 15)  # + 09-29…10-09 (4)
