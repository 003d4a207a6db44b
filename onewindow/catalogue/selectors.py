"""Reads of the catalogue; `implementer` answers rule 1 of docs/rules.md with one indexed query."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from onewindow.catalogue.models import Assignment, GuideStatus, PowerType, ServiceGuide, SubItem
from onewindow.core import clock, stamps
from onewindow.core.errors import RuleViolation
from onewindow.org import roles as r
from onewindow.org.models import Notification, Organisation, OrganisationKind


def assignment_at(subitem: SubItem | int, at: dt.datetime | None = None) -> Assignment:
    """The one Assignment of `subitem` whose [valid_from, valid_to) holds `at` (default: now)."""
    at = at or clock.now()
    subitem_id = subitem if isinstance(subitem, int) else subitem.pk
    found = (
        Assignment.objects.select_related("organisation").filter(subitem_id=subitem_id).valid_at(at).first()
    )
    if found is None:
        raise RuleViolation(
            _("This sub-item has no implementing organisation at that time."), code="catalogue.no_implementer"
        )
    return found


def implementer(subitem: SubItem | int, at: dt.datetime | None = None):
    """The organisation implementing `subitem` at `at`."""
    return assignment_at(subitem, at).organisation


# --- the same reads through core.stamps' process cache (the case desks' hot path) ----------------
# Valid only once the stamp was seen in the request or transaction (core.stamps.cached): the Bearer
# token's query, the case row lock, or stamps.fresh(). The objects are shared: never change them.


def cached_subitem(code: str) -> SubItem | None:
    """The sub-item with this code and its region, or None."""
    return stamps.cached(
        ("catalogue.subitem", code),
        lambda: SubItem.objects.select_related("region").filter(code=code).first(),
    )


def cached_subitem_by_id(subitem_id: int) -> SubItem:
    return stamps.cached(
        ("catalogue.subitem_id", subitem_id),
        lambda: SubItem.objects.select_related("region").get(pk=subitem_id),
    )


def cached_guide(guide_id: int) -> ServiceGuide:
    """A guide version (as pinned on a case) with its materials."""
    return stamps.cached(
        ("catalogue.guide", guide_id),
        lambda: ServiceGuide.objects.prefetch_related("materials").get(pk=guide_id),
    )


def cached_current_guide(subitem_id: int) -> ServiceGuide:
    """current_guide, cached: the latest published version and its materials."""
    return stamps.cached(("catalogue.current_guide", subitem_id), lambda: current_guide(subitem_id))


def cached_implementer(subitem_id: int, at: dt.datetime | None = None):
    """implementer, from the sub-item's cached ranges: it changes at a handover's instant by itself,
    since the ranges are chosen by `at` each time (a signed handover's ranges are in the table before)."""
    at = at or clock.now()
    ranges = stamps.cached(
        ("catalogue.assignments", subitem_id),
        lambda: list(Assignment.objects.select_related("organisation").filter(subitem_id=subitem_id)),
    )
    for assignment in ranges:
        if assignment.holds(at):
            return assignment.organisation
    raise RuleViolation(
        _("This sub-item has no implementing organisation at that time."), code="catalogue.no_implementer"
    )


# --- who may do what (pages, templates and the services' own checks ask these) ---------------


def organisation_of(user) -> Organisation | None:
    staff = getattr(user, "staff", None)
    return staff.organisation if staff is not None else None


def data_bureau() -> Organisation:
    return Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("sort_order").get()


def _in_implementing_department(user, subitem: SubItem) -> bool:
    organisation = organisation_of(user)
    return organisation is not None and organisation.pk == implementer(subitem).pk


def can_draft_guide(user, subitem: SubItem) -> bool:
    """The implementing department's approvers and head, or the Data Bureau's supervisor."""
    if r.has_role(user, r.SUPERVISOR):
        return True
    return r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD) and _in_implementing_department(user, subitem)


def can_publish_guide(user, subitem: SubItem) -> bool:
    """The implementing department's head, or the Data Bureau's supervisor."""
    if r.has_role(user, r.SUPERVISOR):
        return True
    return r.has_role(user, r.DEPARTMENT_HEAD) and _in_implementing_department(user, subitem)


def can_publish(user, guide: ServiceGuide) -> bool:
    """`guide` is a draft that `user` may publish."""
    return guide.status == GuideStatus.DRAFT and can_publish_guide(user, guide.subitem)


def can_import(user) -> bool:
    """Only the Data Bureau's supervisor imports the catalogue from the UI or the API."""
    return r.has_role(user, r.SUPERVISOR)


def current_guide(subitem: SubItem | int):
    """The latest published guide version of a sub-item, with its materials (what a window reviews against)."""
    subitem_id = subitem if isinstance(subitem, int) else subitem.pk
    guide = (
        ServiceGuide.objects.filter(subitem_id=subitem_id, status=GuideStatus.PUBLISHED)
        .prefetch_related("materials")
        .order_by("-version")
        .first()
    )
    if guide is None:
        raise RuleViolation(_("This sub-item has no published service guide."), code="catalogue.no_guide")
    return guide


# --- lists and pages -------------------------------------------------------------------------


def _open_at(at: dt.datetime):
    return Assignment.objects.filter(subitem=OuterRef("pk")).valid_at(at)


def subitems(
    *,
    at: dt.datetime | None = None,
    q: str = "",
    power_type: str = "",
    department: str = "",
    target: str = "",
) -> QuerySet[SubItem]:
    """Sub-items with their item and target department, annotated with the implementer at `at` (default now).

    One query whatever the length: the implementer comes from a correlated subquery, not per row.
    `q` matches codes, names and pinyin initials; `power_type` is a PowerType code or its Chinese label;
    `department` is the implementer's organisation code, `target` the target department's.
    """
    at = at or clock.now()
    qs = SubItem.objects.select_related("item", "target_department").annotate(
        implementer_id=Subquery(_open_at(at).values("organisation_id")[:1]),
        implementer_code=Subquery(_open_at(at).values("organisation__code")[:1]),
        implementer_name=Subquery(_open_at(at).values("organisation__name")[:1]),
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(item__code__icontains=q)
            | Q(item__name__icontains=q)
            | Q(pinyin_initials__contains=q.lower())
        )
    if power_type:
        qs = qs.filter(item__power_type=power_type_code(power_type))
    if department:
        qs = qs.filter(implementer_code=department)
    if target:
        qs = qs.filter(target_department__code=target)
    return qs.order_by("sort_order", "code")


def power_type_code(value: str) -> str:
    """A PowerType code from its code, English label or Chinese name (行政许可 …); unknown → as given."""
    value = (value or "").strip()
    if value in PowerType.values:
        return value
    return POWER_TYPE_BY_NAME.get(value, value)


# The 10 national names, as they appear in power lists and import files.
POWER_TYPE_NAMES = {
    PowerType.LICENSING: "行政许可",
    PowerType.PENALTY: "行政处罚",
    PowerType.COERCION: "行政强制",
    PowerType.LEVY: "行政征收",
    PowerType.PAYMENT: "行政给付",
    PowerType.INSPECTION: "行政检查",
    PowerType.CONFIRMATION: "行政确认",
    PowerType.REWARD: "行政奖励",
    PowerType.ADJUDICATION: "行政裁决",
    PowerType.OTHER: "其他行政权力",
}
POWER_TYPE_BY_NAME = {name: code for code, name in POWER_TYPE_NAMES.items()}


def guide_at(subitem: SubItem | int, at: dt.datetime | None = None) -> ServiceGuide | None:
    """The guide version in force at `at`: the highest version published by then (None before the first)."""
    at = at or clock.now()
    subitem_id = subitem if isinstance(subitem, int) else subitem.pk
    return (
        ServiceGuide.objects.filter(subitem_id=subitem_id, status=GuideStatus.PUBLISHED, published_at__lte=at)
        .prefetch_related("materials")
        .order_by("-version")
        .first()
    )


def subitem_detail(code: str) -> SubItem | None:
    return (
        SubItem.objects.select_related("item", "target_department", "region")
        .prefetch_related(
            Prefetch(
                "guides",
                queryset=ServiceGuide.objects.select_related("drafted_by")
                .annotate(material_count=Count("materials"))
                .order_by("-version"),
            ),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("organisation").order_by("valid_from"),
            ),
        )
        .filter(code=code)
        .first()
    )


def guide_changes(*, department: str = "") -> list[dict]:
    """Every published change of a guide, with the time-limit compression and material reduction it brought,
    grouped by the department that drafted it (the implementing department's own work, as the plan asks).

    → [{department, changes: [...], subitems, days_compressed, materials_removed}], busiest first.
    """
    guides = (
        ServiceGuide.objects.filter(status=GuideStatus.PUBLISHED)
        .select_related("subitem", "drafted_by")
        .annotate(
            material_count=Count("materials"),
            required_count=Count("materials", filter=Q(materials__required=True)),
        )
        .order_by("subitem_id", "version")
    )
    groups: dict[str, dict] = {}
    previous = None
    for guide in guides:
        if previous is not None and previous.subitem_id == guide.subitem_id:
            org = guide.drafted_by
            key = org.code if org else ""
            if not department or key == department:
                group = groups.setdefault(
                    key,
                    {
                        "department": org,
                        "changes": [],
                        "subitems": set(),
                        "days_compressed": 0,
                        "materials_removed": 0,
                    },
                )
                change = {
                    "subitem": guide.subitem,
                    "version": guide.version,
                    "published_at": guide.published_at,
                    "change_note": guide.change_note,
                    "promised_before": previous.promised_days,
                    "promised_after": guide.promised_days,
                    "days_compressed": previous.promised_days - guide.promised_days,
                    "materials_before": previous.material_count,
                    "materials_after": guide.material_count,
                    "materials_removed": previous.material_count - guide.material_count,
                    "required_before": previous.required_count,
                    "required_after": guide.required_count,
                }
                group["changes"].append(change)
                group["subitems"].add(guide.subitem_id)
                group["days_compressed"] += change["days_compressed"]
                group["materials_removed"] += change["materials_removed"]
        previous = guide
    result = []
    for group in groups.values():
        group["subitems"] = len(group["subitems"])
        result.append(group)
    return sorted(
        result, key=lambda g: (-len(g["changes"]), g["department"].sort_order if g["department"] else 0)
    )


def guide_notifications(user, limit: int = 20):
    """The Data Bureau's latest catalogue notices, for its supervisor (no one else reads them here)."""
    if not r.has_role(user, r.SUPERVISOR):
        return []
    return Notification.objects.filter(kind__startswith="catalogue.").select_related("recipient")[:limit]


def export_subitems() -> QuerySet[SubItem]:
    """Every sub-item with its item, departments, current implementer and latest published guide."""
    published = (
        ServiceGuide.objects.filter(status=GuideStatus.PUBLISHED)
        .prefetch_related("materials")
        .order_by("-version")
    )
    return subitems().prefetch_related(Prefetch("guides", queryset=published, to_attr="current_guides"))
