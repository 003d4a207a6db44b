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
