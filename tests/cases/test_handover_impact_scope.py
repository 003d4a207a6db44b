"""The handover impact preview lists in-flight cases through the same case scoping as every other read."""

from onewindow.cases.selectors import in_flight_cases
from onewindow.handover import services as handover_services
from tests.cases.conftest import at, drive, user


def test_the_impact_preview_lists_only_the_cases_in_the_callers_scope(world, clients):
    handed = drive("accepted", subitem="XK09901002")  # the bureau implements it until the handover
    agreement = handover_services.draft_agreement(
        actor=user("supervisor1"),
        department="construction",
        subitems=["XK09901002"],
        effective_at=at(2024, 10, 8, 0, 0),
        rights_duties="乙方依法实施。",
        liaison="周例会。",
    )
    path = f"/handovers/{agreement.pk}/impact"
    supervisor = clients.supervisor.get(path).json()
    assert supervisor["cases_available"] is True
    assert [c["number"] for c in supervisor["cases"]] == [handed.number]
    assert [c["number"] for c in clients.clerk.get(path).json()["cases"]] == [handed.number]
    # The receiving department's head reads the draft but not the bureau's cases.
    head = clients.head.get(path)
    assert head.status_code == 200 and head.json()["cases"] == []
    assert handed.number not in clients.head.get(f"/cases/{handed.number}").content.decode()
    assert list(in_flight_cases([handed.subitem_id], user("health-approver"))) == []
    assert list(in_flight_cases([handed.subitem_id], user("data-bureau-approver"))) == [handed]
