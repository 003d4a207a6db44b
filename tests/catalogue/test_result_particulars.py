"""A guide says what its sub-item's result is and which particulars the approver fills in at the decision."""

import pytest

from onewindow.catalogue import selectors, services
from onewindow.catalogue.models import ServiceGuide
from onewindow.catalogue.results import ResultKind, clean_particulars
from onewindow.core.errors import InvalidInput
from tests.catalogue.conftest import user


def _guide(code):
    return ServiceGuide.objects.select_related("subitem").get(subitem__code=code, version=1)


def test_sample_guides_carry_a_result_kind_and_its_particulars(sample_catalogue):
    kinds = set(ServiceGuide.objects.values_list("result_kind", flat=True))
    assert {ResultKind.LICENCE, ResultKind.CERTIFICATE, ResultKind.APPROVAL, ResultKind.FILING} <= kinds
    licence = ServiceGuide.objects.filter(subitem__result_name="建设工程规划许可证").first()
    assert licence.result_kind == ResultKind.LICENCE
    assert [f["code"] for f in licence.result_fields] == ["project_name", "address", "scope", "valid_until"]
    filing = ServiceGuide.objects.filter(subitem__result_name="企业投资项目备案证明").first()
    assert filing.result_kind == ResultKind.FILING
    # The investment approval (批复文件) is an approval letter with the project's name, site and scale.
    approval = _guide("XK00103001")
    assert approval.result_kind == ResultKind.APPROVAL
    assert {"project_name", "address", "scale"} <= {f["code"] for f in approval.result_fields}


def test_a_new_version_keeps_the_particulars_and_a_department_may_change_them(subitem):
    draft = services.draft_guide(actor=user("supervisor1"), subitem=subitem)
    assert draft.result_fields == selectors.current_guide(subitem).result_fields
    with pytest.raises(InvalidInput) as refused:
        services.edit_draft(
            actor=user("supervisor1"), guide=draft, result_fields=[{"code": "a b", "label": ""}]
        )
    assert "result_fields.1.code" in refused.value.errors and "result_fields.1.label" in refused.value.errors
    services.edit_draft(
        actor=user("supervisor1"),
        guide=draft,
        result_kind="licence",
        result_fields=[{"code": "capacity", "label": "年产能"}],
    )
    draft.refresh_from_db()
    assert draft.result_kind == "licence"
    assert draft.result_fields == [{"code": "capacity", "label": "年产能", "required": True, "type": "text"}]


def test_particulars_are_checked_against_the_guide():
    fields = [
        {"code": "project_name", "label": "项目名称", "required": True},
        {"code": "valid_until", "label": "有效期至", "required": False, "type": "date"},
    ]
    clean, errors = clean_particulars(fields, {"project_name": " 鞍山光伏 ", "valid_until": "2031-12-31"})
    assert clean == {"project_name": "鞍山光伏", "valid_until": "2031-12-31"} and not errors
    clean, errors = clean_particulars(fields, {"valid_until": "31.12.2031", "colour": "red"})
    assert set(errors) == {"particulars.project_name", "particulars.valid_until", "particulars.colour"}


def test_the_api_tells_what_the_result_is_and_its_particulars(sample_catalogue):
    from tests.conftest import ApiClient

    body = ApiClient("supervisor1").get("/subitems/XK00103001").json()
    assert body["result"]["kind"] == "approval"
    assert {"code": "project_name", "label": "项目名称", "required": True, "type": "text"} in body["result"][
        "fields"
    ]
