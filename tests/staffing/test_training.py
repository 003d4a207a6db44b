"""Training of window clerks on sub-items: sessions, the desk's soft warning, the training gaps."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from onewindow.catalogue import services as catalogue
from onewindow.org.models import Notification
from onewindow.staffing import selectors, services
from tests.conftest import sign_in
from tests.staffing.conftest import at, user


def train(world, *, day=dt.date(2024, 9, 20), subitems=("XK09901001",), attendees=("clerk1",)):
    return services.record_training(
        actor=user("construction-head"),
        department=world.construction,
        day=day,
        trainer="住建局审批员",
        topic="施工许可受理要点",
        subitems=list(subitems),
        attendees=[user(a).staff for a in attendees],
    )


def test_an_untrained_clerk_gets_a_soft_warning_and_a_trained_one_none(world):
    clerk = user("clerk1")
    assert "尚未接受" in selectors.untrained_warning(clerk, world.permit)
    train(world)
    assert selectors.untrained_warning(clerk, world.permit) == ""
    assert "尚未接受" in selectors.untrained_warning(user("clerk2"), world.permit)
    assert selectors.untrained_warning(user("construction-approver"), world.permit) == ""  # not a clerk


def test_the_desk_shows_the_warning_and_still_accepts(world):
    client = sign_in(Client(), "clerk1")
    page = client.get("/desk/accept/", {"subitem": "XK09901001"}).content.decode()
    assert 'id="training-warning"' in page and "您尚未接受" in page
    assert 'id="submit-acceptance"' in page  # a warning, not a refusal
    train(world)
    page = client.get("/desk/accept/", {"subitem": "XK09901001"}).content.decode()
    assert 'id="training-warning"' not in page


def test_a_new_guide_version_makes_the_training_out_of_date(world, frozen_clock):
    train(world)
    gaps = selectors.training_gaps(user("supervisor1"))
    assert "XK09901001" not in {s.code for s in gaps["untrained"]}
    assert {"XK09901002", "XK09901003"} <= {s.code for s in gaps["untrained"]}
    frozen_clock(at(2024, 9, 27, 11, 0))
    head = user("construction-head")
    draft = catalogue.draft_guide(actor=head, subitem=world.permit, change_note="材料调整")
    catalogue.publish_guide(actor=head, guide=draft)
    gaps = selectors.training_gaps(user("construction-head"))
    assert [s.code for s in gaps["outdated"]] == ["XK09901001"]
    assert "办事指南" in selectors.untrained_warning(user("clerk1"), world.permit)
    told = Notification.objects.filter(kind="staffing.training_outdated")
    assert [n.recipient.code for n in told] == ["construction"]


def test_training_through_the_api_and_who_may_record_it(world, api):
    body = {
        "department": "construction",
        "date": "2024-09-26",
        "trainer": "住建局审批员",
        "subitems": ["XK09901001"],
        "attendees": ["clerk1", "clerk2"],
    }
    created = api("construction-head").post("/staffing/trainings", body)
    assert created.status_code == 201, created.content
    assert [a["username"] for a in created.json()["attendees"]] == ["clerk1", "clerk2"]
    assert api("health-head").post("/staffing/trainings", body).status_code == 403
    assert api("construction-approver").post("/staffing/trainings", body).status_code == 403
    bad = api("construction-head").post(
        "/staffing/trainings", {**body, "attendees": ["construction-approver"]}
    )
    assert bad.status_code == 422 and "attendees" in bad.json()["errors"]
    foreign = api("health-head").post(
        "/staffing/trainings", {**body, "department": "health", "subitems": ["XK09901001"]}
    )
    assert foreign.status_code == 422
    gaps = api("supervisor1").get("/staffing/training-gaps").json()
    assert "XK09901001" not in {s["code"] for s in gaps["untrained"]}
