"""Sample catalogue (126 items / 181 sub-items, illustrative), all implemented by the Approval Bureau."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction

from onewindow.catalogue.models import (
    Assignment,
    GuideMaterial,
    GuideStatus,
    PowerItem,
    ServiceGuide,
    SubItem,
)
from onewindow.catalogue.pinyin import initials
from onewindow.catalogue.results import default_fields, default_kind
from onewindow.core import audit
from onewindow.org.models import Organisation

DATA = Path(__file__).parent / "data" / "sample_catalogue.json"
BUREAU = "data-bureau"
# The 2020 reform concentrated licensing power in the Approval Bureau; the sample starts there.
BUREAU_SINCE = dt.datetime(2020, 6, 1, tzinfo=ZoneInfo("Asia/Shanghai"))

# The national flow groups 申请与受理 / 审查与决定 / 颁证与送达 (see the reference notes).
DEFAULT_STEPS = (
    "1. 申请与受理：申请人到政务服务大厅任一综合受理窗口提交材料，窗口对照办事指南进行形式审查，"
    "材料齐全、符合法定形式的当场受理并出具受理通知书；材料不全的一次性告知需补正的全部内容。\n"
    "2. 审查与决定：实施部门进驻大厅的审批人员进行审查，需要专家评审、现场核查的按规定组织，"
    "在承诺时限内作出决定。\n"
    "3. 颁证与送达：办理结果统一到综合出件窗口领取，或选择邮寄送达。"
)


def load() -> dict:
    """Idempotent and fast (bulk inserts): only what is missing is created."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    organisations = {o.code: o for o in Organisation.objects.all()}
    bureau = organisations[BUREAU]
    region = bureau.region
    with transaction.atomic():
        created = _load(data["items"], organisations, bureau, region)
        if any(created.values()):
            audit.record(
                action="catalogue.sample.load",
                region=region.code,
                organisation=bureau.code,
                object_type="catalogue",
                detail={"created": created, "illustrative": True},
            )
    return {"items": PowerItem.objects.count(), "subitems": SubItem.objects.count()}


def _load(items: list[dict], organisations: dict, bureau: Organisation, region) -> dict:
    known_items = dict(PowerItem.objects.values_list("code", "pk"))
    new_items = [
        PowerItem(
            region=region,
            code=row["code"],
            name=row["name"],
            power_type=row["power_type"],
            legal_basis=row["legal_basis"],
            power_source=row["power_source"],
        )
        for row in items
        if row["code"] not in known_items
    ]
    PowerItem.objects.bulk_create(new_items)
    known_items = dict(PowerItem.objects.values_list("code", "pk"))

    known_subitems = set(SubItem.objects.values_list("code", flat=True))
    new_subitems = []
    order = 0
    for row in items:
        for sub in row["subitems"]:
            order += 1
            if sub["code"] in known_subitems:
                continue
            new_subitems.append(
                SubItem(
                    region=region,
                    item_id=known_items[row["code"]],
                    code=sub["code"],
                    name=sub["name"],
                    kind=sub["kind"],
                    statutory_days=sub["statutory_days"],
                    promised_days=sub["promised_days"],
                    extension_cap_days=sub.get("extension_cap_days", 10),
                    fee=sub["fee"],
                    special_procedures=sub["special_procedures"],
                    result_name=sub.get("result_name", ""),
                    target_department=organisations[row["target_department"]],
                    sort_order=order,
                    pinyin_initials=initials(sub["name"], row["name"]),
                )
            )
    SubItem.objects.bulk_create(new_subitems)
    subitem_ids = dict(SubItem.objects.values_list("code", "pk"))

    with_guide = set(ServiceGuide.objects.values_list("subitem_id", flat=True))
    guides, materials_of = [], {}
    for row in items:
        for sub in row["subitems"]:
            subitem_id = subitem_ids[sub["code"]]
            if subitem_id in with_guide:
                continue
            guides.append(
                ServiceGuide(
                    subitem_id=subitem_id,
                    version=1,
                    status=GuideStatus.PUBLISHED,
                    promised_days=sub["promised_days"],
                    statutory_days=sub["statutory_days"],
                    conditions=sub.get("conditions", ""),
                    steps=DEFAULT_STEPS,
                    fee=sub["fee"],
                    result_kind=(
                        kind := default_kind(
                            result_name=sub.get("result_name", ""), power_type=row["power_type"]
                        )
                    ),
                    result_fields=sub.get("result_fields") or default_fields(kind),
                    drafted_by=bureau,
                    published_at=BUREAU_SINCE,
                    change_note="首次发布（示例数据）",
                )
            )
            materials_of[subitem_id] = sub["materials"]
    ServiceGuide.objects.bulk_create(guides)
    guide_ids = dict(
        ServiceGuide.objects.filter(subitem_id__in=materials_of, version=1).values_list("subitem_id", "pk")
    )
    materials = [
        GuideMaterial(
            guide_id=guide_ids[subitem_id],
            code=m["code"],
            name=m["name"],
            required=m["required"],
            form=m["form"],
            copies=m["copies"],
            deferrable=m.get("deferrable", False),
            sort_order=n,
        )
        for subitem_id, rows in materials_of.items()
        for n, m in enumerate(rows, start=1)
    ]
    GuideMaterial.objects.bulk_create(materials)

    assigned = set(Assignment.objects.values_list("subitem_id", flat=True))
    assignments = [
        Assignment(region=region, subitem_id=pk, organisation=bureau, valid_from=BUREAU_SINCE)
        for pk in subitem_ids.values()
        if pk not in assigned
    ]
    Assignment.objects.bulk_create(assignments)
    return {
        "items": len(new_items),
        "subitems": len(new_subitems),
        "guides": len(guides),
        "materials": len(materials),
        "assignments": len(assignments),
    }
