"""The benchmark's floor: the essential writes of one case step — the case row, its event, its audit entry,
in one transaction — and nothing else (no token, scope, rule, clock or answer). Served only by the server
`onewindow bench cases` starts (ONEWINDOW_BENCH_FLOOR=1); `bench cases` compares the real steps with it."""

from __future__ import annotations

import json
import uuid

from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from onewindow.cases.models import Case, CaseEvent
from onewindow.core import audit, clock

STEPS = ("accepted", "in_review", "decided", "result_ready", "issued")


@csrf_exempt
def floor(request: HttpRequest) -> JsonResponse:
    """POST {step: 0..4, case: id (steps 1..4), region, subitem, guide, user}: step 0 inserts a case."""
    body = json.loads(request.body)
    step = int(body["step"])
    now = clock.now()
    with transaction.atomic():
        if step == 0:
            case = Case.objects.create(
                region_id=body["region"],
                number=f"F{uuid.uuid4().hex[:23]}",
                status=STEPS[0],
                subitem_id=body["subitem"],
                guide_id=body["guide"],
                created_by_id=body["user"],
                received_at=now,
                applicant_kind="person",
                applicant_name="测试申请人",
                applicant_id_number="210303199001010019",
                applicant_phone="13900000000",
                updated_at=now,
            )
            case_id = case.pk
        else:
            case_id = int(body["case"])
            Case.objects.filter(pk=case_id).update(
                status=STEPS[step], version=F("version") + 1, updated_at=now
            )
        CaseEvent.objects.create(
            case_id=case_id, at=now, action="floor", actor_name="bench", status_after=STEPS[step]
        )
        audit.record(
            action="bench.floor", object_type="cases.case", object_id=str(case_id), detail={"step": step}
        )
    return JsonResponse({"case": case_id})
