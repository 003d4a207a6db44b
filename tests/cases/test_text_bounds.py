"""Every free text is bounded (issue 13 item 5): the schema says maxLength, the service refuses a longer
or unprintable text with a Chinese message naming the field, and the database refuses it too."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import translation

from onewindow.cases import services
from onewindow.cases.models import Case, CaseEvent, Extension, Suspension
from onewindow.catalogue.models import ServiceGuide
from onewindow.core.errors import InvalidInput
from onewindow.core.validators import LONG_TEXT_MAX, SHORT_TEXT_MAX, TEXT_MAX
from onewindow.handover.models import HandoverAgreement, Seal
from tests.cases.conftest import act, new_case, user
from tests.conftest import sign_in


def test_a_reason_over_the_limit_is_refused_by_the_api_and_by_the_service_naming_the_field(clients):
    case = new_case(clients.clerk, materials=["M01"])
    response = act(clients.clerk, case, "reject", reason="理" * (TEXT_MAX + 1))
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        services.perform(
            actor=user("clerk1"),
            case=case["number"],
            action="reject",
            version=case["version"],
            reason="理" * 5000,
        )
    assert set(refused.value.errors) == {"reason"}
    assert "最多" in str(refused.value.errors["reason"][0])
    fresh = Case.objects.get(number=case["number"])
    assert (fresh.status, fresh.version) == (case["status"], case["version"])
    assert act(clients.clerk, case, "reject", reason="理" * TEXT_MAX).status_code == 200


@pytest.mark.parametrize("text", ["不属于\u202e本机关", "不属于\x1b[31m本机关", "\u2066不属于本机关\u2069"])
def test_control_and_bidi_characters_are_refused_in_reasons_and_messages(clients, text):
    case = new_case(clients.clerk, materials=["M01"])
    response = act(clients.clerk, case, "reject", reason=text)
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    with pytest.raises(InvalidInput) as refused:
        services.perform(
            actor=user("clerk1"), case=case["number"], action="withdraw", version=case["version"], reason=text
        )
    assert set(refused.value.errors) == {"reason"}
    assert Case.objects.get(number=case["number"]).version == case["version"]


def test_lines_and_tabs_stay_allowed_in_free_text(clients):
    case = new_case(clients.clerk, materials=["M01"])
    rejected = act(clients.clerk, case, "reject", reason="第一行\n\t第二行")
    assert rejected.status_code == 200
    assert rejected.json()["events"][-1]["comment"] == "第一行\n\t第二行"


def test_issue_details_over_their_length_are_refused_not_cut(clients):
    from tests.cases.conftest import drive

    case = drive("result_ready")
    with pytest.raises(InvalidInput) as refused:
        services.perform(
            actor=user("issuer1"),
            case=case.number,
            action="issue",
            version=case.version,
            method="mail",
            address="地" * (SHORT_TEXT_MAX + 1),
            tracking_number="EMS1",
        )
    assert "address" in refused.value.errors
    assert Case.objects.get(number=case.number).status == "result_ready"


def test_a_seal_void_reason_and_agreement_terms_are_bounded(clients):
    seal = Seal.objects.filter(void=False).first()
    too_long = clients.supervisor.post(f"/seals/{seal.pk}/void", {"reason": "作" * (SHORT_TEXT_MAX + 1)})
    assert too_long.status_code == 400 and "reason" in too_long.json()["errors"]
    seal.refresh_from_db()
    assert not seal.void
    browser = sign_in(Client(), "supervisor1")
    browser.post(f"/seals/{seal.pk}/void/", {"reason": "作" * 1000})
    seal.refresh_from_db()
    assert not seal.void


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (CaseEvent, "comment", TEXT_MAX),
        (Suspension, "reason", TEXT_MAX),
        (Suspension, "outcome", TEXT_MAX),
        (Extension, "reason", TEXT_MAX),
        (Case, "commitment", TEXT_MAX),
        (Case, "decision_reason", TEXT_MAX),
        (Case, "supplement_note", TEXT_MAX),
        (HandoverAgreement, "rights_duties", LONG_TEXT_MAX),
        (HandoverAgreement, "liaison", LONG_TEXT_MAX),
        (ServiceGuide, "conditions", LONG_TEXT_MAX),
        (ServiceGuide, "steps", LONG_TEXT_MAX),
    ],
)
def test_the_database_refuses_a_free_text_over_its_limit(clients, model, field, limit):
    """Whatever writes the row (a service forgetting its check, a script, the admin): the database holds."""
    from tests.cases.conftest import drive

    case = drive("suspended")
    Extension.objects.create(
        case=case,
        days=1,
        reason="情况复杂",
        granted_by=user("construction-head"),
        granted_at=case.accepted_at,
    )
    if model is HandoverAgreement:
        drafted = clients.supervisor.post(
            "/handovers",
            {
                "receiving_department": "construction",
                "subitems": ["XK09901002"],
                "effective_at": "2024-12-02T00:00:00+08:00",
            },
        )
        assert drafted.status_code == 201, drafted.content
    row = model.objects.first()
    assert row is not None

    def write(value):
        with transaction.atomic():
            if model is CaseEvent:  # append-only: a new event
                values = {
                    f.name: getattr(row, f.name) for f in model._meta.concrete_fields if not f.primary_key
                }
                model.objects.create(**{**values, field: value})
            else:
                model.objects.filter(pk=row.pk).update(**{field: value})

    write("字" * limit)
    with pytest.raises(IntegrityError):
        write("字" * (limit + 1))


def test_a_textarea_s_crlf_lines_are_kept_as_lines_not_refused(clients):
    """Browsers send a textarea's lines as CR LF: accepted, stored with LF."""
    case = new_case(clients.clerk, materials=["M01"])
    done = services.perform(
        actor=user("clerk1"),
        case=case["number"],
        action="reject",
        version=case["version"],
        reason="第一行\r\n第二行",
    )
    assert done.events.order_by("-pk").first().comment == "第一行\n第二行"
