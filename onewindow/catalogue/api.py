"""JSON API of the catalogue context: sub-items with their implementer now or at a given time."""

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import paginate

from onewindow.catalogue import selectors
from onewindow.catalogue.models import GuideStatus
from onewindow.core.api import Page, code, line
from onewindow.core.errors import InvalidInput, NotFound

router = Router(tags=["catalogue"])
Search = line(100, blank=True)
PowerTypeFilter = line(40, description="a power type code or its name; an unknown one matches nothing")
DepartmentFilter = code()


class Ref(Schema):
    code: str
    name: str


class ItemRef(Schema):
    code: str
    name: str
    type: str


class MaterialOut(Schema):
    code: str
    name: str
    required: bool


class SubItemOut(Schema):
    code: str
    name: str
    item: ItemRef
    department: Ref | None
    promised_days: int

    @staticmethod
    def resolve_item(obj):
        if isinstance(obj, dict):
            return obj["item"]
        return {"code": obj.item.code, "name": obj.item.name, "type": obj.item.power_type}

    @staticmethod
    def resolve_department(obj):
        if isinstance(obj, dict):
            return obj["department"]
        if not obj.implementer_code:
            return None
        return {"code": obj.implementer_code, "name": obj.implementer_name}


class ResultFieldOut(Schema):
    code: str
    label: str
    required: bool
    type: str = "text"


class GuideResultOut(Schema):
    kind: str
    name: str
    fields: list[ResultFieldOut]


class SubItemDetailOut(SubItemOut):
    statutory_days: int
    kind: str
    fee: str
    guide_version: int | None
    materials: list[MaterialOut]
    special_procedures: list[str]
    target_department: Ref
    result: GuideResultOut | None = None


def _summary(subitem) -> dict:
    department = None
    if subitem.implementer_code:
        department = {"code": subitem.implementer_code, "name": subitem.implementer_name}
    return {
        "code": subitem.code,
        "name": subitem.name,
        "item": {"code": subitem.item.code, "name": subitem.item.name, "type": subitem.item.power_type},
        "department": department,
        "promised_days": subitem.promised_days,
    }


@router.get("/subitems", response=list[SubItemOut], summary="Sub-items with their current implementer")
@paginate(Page)
def subitem_list(
    request,
    q: Search | None = None,
    type: PowerTypeFilter | None = None,
    department: DepartmentFilter | None = None,
):
    """`q` matches codes, names and pinyin initials; `type` a power type; `department` the current implementer."""
    return selectors.subitems(q=q or "", power_type=type or "", department=department or "")


@router.get(
    "/subitems/{code}", response=SubItemDetailOut, summary="One sub-item; `at` gives the implementer then"
)
def subitem_detail(request, code: str, at: dt.datetime | None = None):
    if at is not None and timezone.is_naive(at):
        raise InvalidInput(
            _("The time must carry an offset, e.g. 2024-09-05T09:00:00+08:00."),
            code="malformed",
            errors={"at": [_("The time must carry an offset.")]},
        )
    subitem = selectors.subitems(at=at).filter(code=code).first()
    if subitem is None:
        raise NotFound(_("No sub-item has this code."), code="not_found")
    # The guide in force at `at`; before the first publication, the first published one.
    guide = selectors.guide_at(subitem, at) or (
        subitem.guides.filter(status=GuideStatus.PUBLISHED)
        .prefetch_related("materials")
        .order_by("version")
        .first()
    )
    return {
        **_summary(subitem),
        "statutory_days": guide.statutory_days if guide else subitem.statutory_days,
        "promised_days": guide.promised_days if guide else subitem.promised_days,
        "kind": subitem.kind,
        "fee": guide.fee if guide else subitem.fee,
        "guide_version": guide.version if guide else None,
        "materials": [
            {"code": m.code, "name": m.name, "required": m.required}
            for m in (guide.materials.all() if guide else [])
        ],
        "special_procedures": list(subitem.special_procedures),
        "target_department": {"code": subitem.target_department.code, "name": subitem.target_department.name},
        # What the decision produces and the particulars the approver fills in (the guide's fields).
        "result": {
            "kind": guide.result_kind,
            "name": subitem.result_name,
            "fields": [{"type": "text", **f} for f in guide.result_fields],
        }
        if guide
        else None,
    }
