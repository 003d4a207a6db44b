"""Fixtures of the cases tests: the sample organisations and seals, the calendar seeded from
chinesecalendar, a small catalogue with published guides, and helpers to drive a case."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache

from onewindow.catalogue.models import Assignment, GuideMaterial, PowerItem, ServiceGuide, SubItem
from onewindow.core import clock
from onewindow.org.models import Organisation
from onewindow.workdays import arithmetic
from onewindow.workdays import services as workdays_services
from tests.conftest import ApiClient, shared_world, world_fixture

HALL_TZ = dt.timezone(dt.timedelta(hours=8))


def at(*args) -> dt.datetime:
    """A time in the hall's offset (+08:00)."""
    return dt.datetime(*args, tzinfo=HALL_TZ)


# Friday before the 2024 National Day holiday (10-01..10-07 off, 09-29 and 10-12 worked).
ACCEPTED_AT = at(2024, 9, 27, 10, 0)


def _valid_credit_code() -> str:
    from onewindow.core.validators import credit_code_check_char

    first17 = "91210300MA0QX1234"
    return first17 + credit_code_check_char(first17)


PERSON = {"kind": "person", "name": "张三", "id_number": "11010519491231002X", "phone": "13812345678"}
COMPANY = {
    "kind": "organisation",
    "name": "鞍山示例科技有限公司",
    "id_number": _valid_credit_code(),
    "phone": "0412-5551234",
}


def user(username: str):
    return get_user_model().objects.select_related("staff__organisation").get(username=username)


@pytest.fixture(autouse=True)
def _long_tokens(settings):
    """The tests move the clock by days and weeks; Bearer tokens must outlive that."""
    settings.ONEWINDOW_TOKEN_TTL_SECONDS = 10 * 365 * 86400


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test's database starts empty: forget calendar indexes and rate-limit counters of other tests."""
    arithmetic.invalidate()
    cache.clear()
    yield
    arithmetic.invalidate()
    cache.clear()
    clock.set_now(None)


def build_world() -> SimpleNamespace:
    """Organisations, demo users, seals, calendar 2004–2026 (+ provisional 2027), three sub-items.
    Run with the clock at ACCEPTED_AT."""
    from onewindow.handover import sample as seal_sample
    from onewindow.org import sample

    loaded = sample.load_organisations()
    sample.load_users(hall=loaded["hall"], stationed_from=dt.date(2024, 9, 1))
    seal_sample.load()
    region = loaded["region"]
    workdays_services.seed_from_package(region=region)
    workdays_services.create_provisional_year(year=2027, region=region)
    bureau = Organisation.objects.get(code="data-bureau")
    construction = Organisation.objects.get(code="construction")
    health = Organisation.objects.get(code="health")
    item = PowerItem.objects.create(
        region=region,
        code="XK09901",
        name="建设工程施工许可",
        power_type="licensing",
        power_source="department",
    )

    def subitem(code, name, *, promised, statutory, implemented_by, procedures=(), kind="promised", cap=10):
        sub = SubItem.objects.create(
            region=region,
            item=item,
            code=code,
            name=name,
            kind=kind,
            promised_days=promised,
            statutory_days=statutory,
            extension_cap_days=cap,
            special_procedures=list(procedures),
            target_department=construction,
            result_name="建筑工程施工许可证",
        )
        guide = ServiceGuide.objects.create(
            subitem=sub,
            version=1,
            status="published",
            promised_days=promised,
            statutory_days=statutory,
            published_at=at(2024, 1, 1),
        )
        for n, (mcode, mname, required, deferrable) in enumerate(
            [
                ("M01", "申请表", True, False),
                ("M02", "营业执照", True, False),
                ("M03", "施工合同", True, True),
                ("M04", "其他说明材料", False, False),
            ]
        ):
            GuideMaterial.objects.create(
                guide=guide, code=mcode, name=mname, required=required, deferrable=deferrable, sort_order=n
            )
        Assignment.objects.create(
            region=region, subitem=sub, organisation=implemented_by, valid_from=at(2024, 1, 1)
        )
        return sub

    permit = subitem(
        "XK09901001",
        "建设工程施工许可（新办）",
        promised=5,
        statutory=20,
        implemented_by=construction,
        procedures=["expert_review", "field_inspection"],
    )
    handed = subitem(
        "XK09901002", "建设工程施工许可（变更）", promised=5, statutory=20, implemented_by=bureau
    )
    hygiene = subitem("XK09901003", "公共场所卫生许可", promised=10, statutory=20, implemented_by=health)
    # Each department's stationed approver qualified for the sub-items sent to it (as load-sample does).
    from onewindow.staffing import sample as staffing_sample

    staffing_sample.qualify_stationed_approvers()
    return SimpleNamespace(
        region=region,
        hall=loaded["hall"],
        bureau=bureau,
        construction=construction,
        health=health,
        permit=permit,
        handed=handed,
        hygiene=hygiene,
    )


@shared_world("cases", parent="org")
def _cases_world(_sample_org) -> SimpleNamespace:
    # As the fixture was: build_world on top of the sample organisations and users, at ACCEPTED_AT.
    with clock.frozen(ACCEPTED_AT):
        return build_world()


world__cases = world_fixture("cases")


@pytest.fixture
def world(sample_org, world__cases, frozen_clock):
    frozen_clock(ACCEPTED_AT)
    return world__cases


@pytest.fixture
def world_tx(transactional_db, frozen_clock):
    """The same world, committed (for tests where several threads use their own connections)."""
    frozen_clock(ACCEPTED_AT)
    return build_world()


_keys = itertools.count(1)


def new_case(
    client: ApiClient, *, subitem="XK09901001", materials=("M01", "M02", "M03"), applicant=None, **extra
):
    """POST /cases as `client`; returns the response body (asserting 201)."""
    body = {"subitem": subitem, "applicant": applicant or PERSON, "materials": list(materials), **extra}
    response = client.post("/cases", body, **{"Idempotency-Key": f"test-{next(_keys)}"})
    assert response.status_code == 201, response.content
    return response.json()


def act(client: ApiClient, case: dict, action: str, **params):
    """POST /cases/{number}/actions with the case's current version; returns the response."""
    return client.post(
        f"/cases/{case['number']}/actions", {"action": action, "version": case["version"], **params}
    )


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def clients(world):
    """clients.clerk, .approver (construction), .head, .issuer, .supervisor, … with Bearer tokens."""
    return SimpleNamespace(
        clerk=ApiClient("clerk1"),
        clerk2=ApiClient("clerk2"),
        approver=ApiClient("construction-approver"),
        head=ApiClient("construction-head"),
        other_approver=ApiClient("health-approver"),
        issuer=ApiClient("issuer1"),
        supervisor=ApiClient("supervisor1"),
        auditor=ApiClient("auditor1"),
        anonymous=ApiClient(),
    )


# The service calls that bring a fresh case to each status (the shortest path).
def drive(status: str, *, subitem="XK09901001", deferred: bool = False, applicant=None):
    """A new case in `status`, made through the services as the demo users would."""
    from onewindow.cases import services

    clerk, approver, issuer = user("clerk1"), user("construction-approver"), user("issuer1")
    if status in ("supplement_requested", "rejected"):
        case, _ = services.accept(
            actor=clerk, subitem=subitem, applicant=applicant or PERSON, materials=["M01"]
        )
        if status == "rejected":
            case = services.reject(
                actor=clerk, case=case, version=case.version, reason="不属于本机关职权范围"
            )
        return case
    if deferred:
        case, _ = services.accept(
            actor=clerk,
            subitem=subitem,
            applicant=applicant or PERSON,
            materials=["M01", "M02"],
            deferred_materials=["M03"],
            commitment="本人承诺五个工作日内补交施工合同。",
        )
    else:
        case, _ = services.accept(
            actor=clerk, subitem=subitem, applicant=applicant or PERSON, materials=["M01", "M02", "M03"]
        )
    steps = {
        "accepted": [],
        "withdrawn": [("withdraw", clerk, {"reason": "申请人撤回"})],
        "in_review": [("claim", approver, {})],
        "suspended": [
            ("claim", approver, {}),
            (
                "suspend",
                approver,
                {"procedure": "expert_review", "reason": "组织专家评审", "planned_days": 5},
            ),
        ],
        "decided": [
            ("claim", approver, {}),
            ("decide", approver, {"decision": "grant", "reason": "符合条件"}),
        ],
        "result_ready": [
            ("claim", approver, {}),
            ("decide", approver, {"decision": "grant", "reason": "符合条件"}),
            ("produce_result", approver, {}),
        ],
        "issued": [
            ("claim", approver, {}),
            ("decide", approver, {"decision": "grant", "reason": "符合条件"}),
            ("produce_result", approver, {}),
            ("issue", issuer, {"method": "pickup"}),
        ],
    }[status]
    for action, actor, params in steps:
        case = services.perform(actor=actor, case=case, action=action, version=case.version, **params)
    assert case.status == status
    return case
