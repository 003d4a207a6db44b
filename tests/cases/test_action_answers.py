"""An action's answer is the case as anyone reading it right after would see it: the answer is built
from the row the action locked, and must never drift from GET /cases/{number}."""

from tests.cases.conftest import act, new_case, ok


def _same_as_a_fresh_read(client, answer: dict) -> dict:
    fresh = ok(client.get(f"/cases/{answer['number']}"))
    assert answer == fresh
    return answer


def test_every_actions_answer_equals_a_fresh_read_of_the_case(clients):
    case = new_case(clients.clerk, materials=["M01"])
    assert case["status"] == "supplement_requested"
    _same_as_a_fresh_read(clients.clerk, case)
    case = _same_as_a_fresh_read(
        clients.clerk, ok(act(clients.clerk, case, "supplement", materials=["M02", "M03"]))
    )
    assert case["status"] == "accepted"
    steps = [
        (clients.approver, "claim", {}),
        (clients.head, "extend", {"days": 2, "reason": "需补充论证"}),
        (
            clients.approver,
            "suspend",
            {"procedure": "expert_review", "reason": "组织专家评审", "planned_days": 3},
        ),
        (clients.approver, "resume", {"outcome": "评审通过"}),
        (clients.approver, "decide", {"decision": "grant", "reason": "符合法定条件"}),
        (clients.approver, "produce_result", {}),
        (clients.issuer, "issue", {"method": "pickup"}),
    ]
    for client, action, params in steps:
        case = _same_as_a_fresh_read(client, ok(act(client, case, action, **params)))
    assert case["status"] == "issued"
    assert case["result"]["verification_code"]


def test_a_returned_and_a_rejected_case_answer_as_they_read(clients):
    case = new_case(clients.clerk)
    case = _same_as_a_fresh_read(
        clients.approver, ok(act(clients.approver, case, "return", reason="材料不清晰"))
    )
    assert case["status"] == "supplement_requested"
    case = _same_as_a_fresh_read(
        clients.clerk, ok(act(clients.clerk, case, "reject", reason="申请人不符合条件"))
    )
    assert case["status"] == "rejected"


def test_a_grant_with_particulars_and_a_mailed_result_read_back_in_the_case(clients):
    from onewindow.catalogue.models import ServiceGuide

    fields = [
        {"code": "project_name", "label": "项目名称", "required": True, "type": "text"},
        {"code": "valid_until", "label": "有效期至", "required": False, "type": "date"},
    ]
    ServiceGuide.objects.filter(subitem__code__in=["XK09901001", "XK09901002"]).update(
        result_kind="licence", result_fields=fields
    )
    case = new_case(clients.clerk)
    assert case["particulars"] is None and case["issue"] is None
    case = ok(act(clients.approver, case, "claim"))
    particulars = {"project_name": "鞍山高新区智能制造产业园一期", "valid_until": "2027-10-08"}
    case = _same_as_a_fresh_read(
        clients.approver,
        ok(act(clients.approver, case, "decide", decision="grant", reason="符合", particulars=particulars)),
    )
    assert case["particulars"] == particulars
    assert ok(clients.approver.get(f"/cases/{case['number']}"))["particulars"] == particulars
    case = ok(act(clients.approver, case, "produce_result"))
    case = _same_as_a_fresh_read(
        clients.issuer,
        ok(
            act(
                clients.issuer,
                case,
                "issue",
                method="mail",
                address="鞍山市铁东区二一九路1号",
                carrier="中国邮政EMS",
                tracking_number="EA123456789CN",
            )
        ),
    )
    assert case["issue"]["method"] == "mail"
    assert case["issue"]["carrier"] == "中国邮政EMS"
    assert case["issue"]["tracking_number"] == "EA123456789CN"
    assert case["particulars"] == particulars
