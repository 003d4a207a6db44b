"""/api/v1/schema is exact (issue 13 item 5): enums, formats and lengths of the fields, the variants of a
case action, and the problem+json errors of every operation, so that a generated client knows them."""

from __future__ import annotations

import re

import pytest

from onewindow.cases.models import CaseStatus
from onewindow.cases.transitions import ACTIONS
from onewindow.catalogue.models import SpecialProcedure


@pytest.fixture(scope="module")
def schema():
    from onewindow.api import api

    return api.get_openapi_schema()


def _resolve(schema, node):
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _body(schema, path, method="post"):
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return _resolve(schema, body)


def _param(schema, path, name, method="get"):
    (param,) = [p for p in schema["paths"][path][method]["parameters"] if p["name"] == name]
    node = param["schema"]
    return next(_resolve(schema, n) for n in node.get("anyOf", [node]) if n.get("type") != "null")


def test_every_operation_declares_every_problem_json_error(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "409", "413", "422", "429"):
                response = operation["responses"].get(status)
                assert response, (method, path, status)
                assert "application/problem+json" in response["content"], (method, path, status)


def test_the_acceptance_body_states_kinds_formats_and_lengths(schema):
    body = _body(schema, "/api/v1/cases")
    assert body["additionalProperties"] is False
    applicant = _resolve(schema, body["properties"]["applicant"])
    assert applicant["additionalProperties"] is False
    assert applicant["properties"]["kind"]["enum"] == ["person", "organisation"]
    id_number = applicant["properties"]["id_number"]
    assert id_number["minLength"] == id_number["maxLength"] == 18
    assert re.search(id_number["pattern"], "11010519491231002X")
    assert re.search(id_number["pattern"], "91110108MA01XXXX0Y".replace("X", "1"))
    assert not re.search(id_number["pattern"], "1101051949123100")
    phone = applicant["properties"]["phone"]
    assert re.search(phone["pattern"], "13912345678") and not re.search(phone["pattern"], "12345")
    name = applicant["properties"]["name"]
    assert name["minLength"] == 1 and name["maxLength"] == 200
    for refused in ("张\u202e三", "张\n三", "张\x00三", "   "):
        assert not re.search(name["pattern"], refused), refused
    assert re.search(name["pattern"], "张 三")


def test_each_case_action_is_a_variant_with_its_own_required_fields(schema):
    body = schema["paths"]["/api/v1/cases/{number}/actions"]["post"]["requestBody"]["content"]
    variants = [_resolve(schema, v) for v in body["application/json"]["schema"]["oneOf"]]
    assert {v["properties"]["action"]["const"] for v in variants} == set(ACTIONS)
    by_action = {}
    for variant in variants:
        assert variant["additionalProperties"] is False
        by_action.setdefault(variant["properties"]["action"]["const"], []).append(variant)
    assert set(by_action["reject"][0]["required"]) == {"action", "version", "reason"}
    assert by_action["reject"][0]["properties"]["reason"]["minLength"] == 1
    suspend = by_action["suspend"][0]
    assert suspend["properties"]["procedure"]["enum"] == list(SpecialProcedure.values)
    assert set(SpecialProcedure.values) == {
        "expert_review",
        "field_inspection",
        "hearing",
        "testing",
        "other",
    }
    decide = {v["properties"]["decision"]["const"]: v for v in by_action["decide"]}
    assert "reason" in decide["deny"]["required"] and "reason" not in decide["grant"]["required"]
    assert by_action["issue"][0]["properties"]["method"]["enum"] == ["pickup", "mail"]


def test_filters_and_answers_carry_their_enums(schema):
    assert _param(schema, "/api/v1/cases", "status")["enum"] == list(CaseStatus.values)
    assert _param(schema, "/api/v1/cases", "level")["enum"] == ["normal", "warning", "overdue"]
    assert _param(schema, "/api/v1/cases", "page_size")["maximum"] == 1000
    case = schema["components"]["schemas"]["CaseOut"]
    assert case["properties"]["status"]["enum"] == list(CaseStatus.values)
    responses = schema["paths"]["/api/v1/seals"]["get"]["responses"]
    seals = (responses.get("200") or responses[200])["content"]["application/json"]["schema"]
    seal = _resolve(schema, _resolve(schema, seals)["properties"]["results"]["items"])
    assert seal["properties"]["purpose"]["enum"] == ["approval", "official"]
    handover = schema["components"]["schemas"]["HandoverOut"]
    assert set(handover["properties"]["status"]["enum"]) == {"draft", "signed", "superseded", "withdrawn"}
    reason = _body(schema, "/api/v1/seals/{seal_id}/void")["properties"]["reason"]
    assert reason["minLength"] == 1 and reason["maxLength"] == 300
    check = _param(schema, "/api/v1/public/cases/{number}", "check")
    assert check["maxLength"] == 20


def test_no_two_shapes_share_a_component_name():
    """Two routers' models of one name would publish one of them for both (ninja keys them by name)."""
    from onewindow.api import api

    seen: dict[str, type] = {}
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in _models(operation):
                    if model.__module__.startswith("onewindow."):
                        assert seen.setdefault(model.__name__, model) is model, model.__name__


def _models(operation):
    import typing

    from pydantic import BaseModel

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
            for field in annotation.model_fields.values():
                yield from walk(field.annotation)
        for arg in typing.get_args(annotation):
            yield from walk(arg)

    for response in (operation.response_models or {}).values():
        yield from walk(response)
    for model in operation.models:
        yield from walk(model)
