"""`cases.hooks.on_case_event`: every case event reaches the listeners inside the case change's transaction."""

import pytest

from onewindow.cases import hooks, services
from onewindow.cases.models import Case, CaseEvent
from onewindow.core.errors import InvalidInput
from tests.cases.conftest import PERSON, drive, user


@pytest.fixture
def heard(monkeypatch, world):
    seen = []
    monkeypatch.setattr(
        hooks, "on_case_event", [lambda case, event: seen.append((case.number, event.action))]
    )
    return seen


def test_every_event_of_a_case_reaches_the_listener(heard):
    case = drive("in_review")
    assert heard == [(case.number, "accept"), (case.number, "routed"), (case.number, "claim")]
    assert [a for _, a in heard] == list(
        CaseEvent.objects.filter(case=case).order_by("pk").values_list("action", flat=True)
    )


def test_a_listener_that_fails_rolls_the_case_change_back(monkeypatch, world):
    def refuse(case, event):
        raise InvalidInput("no", code="test.refused")

    monkeypatch.setattr(hooks, "on_case_event", [refuse])
    with pytest.raises(InvalidInput):
        services.accept(
            actor=user("clerk1"), subitem="XK09901001", applicant=PERSON, materials=["M01", "M02", "M03"]
        )
    assert not Case.objects.exists() and not CaseEvent.objects.exists()
