"""Data typed on the agreement form is never dropped silently (issue 8: a phone typed without a name was
saved empty)."""

import datetime as dt

import pytest

from onewindow.core.errors import InvalidInput
from onewindow.handover import services
from onewindow.handover.models import HandoverAgreement
from tests.handover.test_pages import browser


def _post(client, **extra):
    return client.post(
        "/handovers/new/",
        {
            "department": "construction",
            "effective_at": "2024-09-05T00:00:00",
            "subitems": ["XK00201001"],
            "rights_duties": "乙方依法实施。",
            "liaison": "周例会。",
            **extra,
        },
    )


def test_a_phone_typed_without_a_name_is_refused_with_the_reason_and_kept_on_the_form(catalogue):
    response = _post(browser("supervisor1"), department_contact_phone="0412-5551234")
    page = response.content.decode()
    assert response.status_code == 200 and "errorlist" in page
    assert "请填写该电话号码对应的负责人姓名" in page
    assert "0412-5551234" in page  # what was typed is still on the form
    assert not HandoverAgreement.objects.exists()


def test_a_phone_typed_with_its_name_is_saved_as_typed(catalogue):
    _post(
        browser("supervisor1"),
        department_contact_name="王工",
        department_contact_phone="0412-5551234",
        bureau_contact_name="李科长",
        bureau_contact_phone="0412-5550000",
    )
    agreement = HandoverAgreement.objects.get()
    assert (agreement.department_contact_name, agreement.department_contact_phone) == ("王工", "0412-5551234")
    assert (agreement.bureau_contact_name, agreement.bureau_contact_phone) == ("李科长", "0412-5550000")


def test_the_service_refuses_a_bureau_phone_without_a_name(catalogue):
    from tests.catalogue.conftest import user

    with pytest.raises(InvalidInput) as refused:
        services.draft_agreement(
            actor=user("supervisor1"),
            department="construction",
            subitems=["XK00201001"],
            effective_at=dt.datetime(2024, 9, 5, tzinfo=dt.UTC),
            bureau_contact_phone="0412-5550000",
        )
    assert "bureau_contact_name" in refused.value.errors
