"""Writes on the catalogue: service-guide versions (draft → published) and temporal assignments (rule 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from itertools import pairwise

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.catalogue import selectors
from onewindow.catalogue.models import (
    Assignment,
    GuideMaterial,
    GuideStatus,
    MaterialForm,
    ServiceGuide,
    SubItem,
    SubItemKind,
)
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, PermissionDenied
from onewindow.org import roles as r
from onewindow.org.models import Notification, Organisation, OrganisationKind
from onewindow.org.selectors import audit_context

# Called with each newly published ServiceGuide, inside the publishing transaction. The supervision
# context registers here to mark the window clerks' training on that sub-item as out of date.
on_guide_published: list[Callable[[ServiceGuide], None]] = []

GUIDE_FIELDS = ("statutory_days", "promised_days", "conditions", "steps", "fee")
MATERIAL_FIELDS = ("code", "name", "required", "form", "copies", "deferrable")


# --- who may do what -------------------------------------------------------------------------


def _organisation_of(user) -> Organisation | None:
    staff = getattr(user, "staff", None)
    return staff.organisation if staff is not None else None


def can_draft_guide(user, subitem: SubItem) -> bool:
    """The implementing department's approvers and head, or the Data Bureau's supervisor."""
    if r.has_role(user, r.SUPERVISOR):
        return True
    if not r.has_role(user, r.APPROVER, r.DEPARTMENT_HEAD):
        return False
    organisation = _organisation_of(user)
    return organisation is not None and organisation.pk == selectors.implementer(subitem).pk


def can_publish_guide(user, subitem: SubItem) -> bool:
    """The implementing department's head, or the Data Bureau's supervisor."""
    if r.has_role(user, r.SUPERVISOR):
        return True
    if not r.has_role(user, r.DEPARTMENT_HEAD):
        return False
    organisation = _organisation_of(user)
    return organisation is not None and organisation.pk == selectors.implementer(subitem).pk


def data_bureau() -> Organisation:
    return Organisation.objects.filter(kind=OrganisationKind.BUREAU).order_by("sort_order").get()


# --- service-guide versions ------------------------------------------------------------------


def draft_guide(*, actor, subitem: SubItem, change_note: str = "") -> ServiceGuide:
    """Start a new version as a copy of the latest published one; only one draft per sub-item."""
    if not can_draft_guide(actor, subitem):
        raise PermissionDenied(
            _("Only the implementing department or the Data Bureau drafts this guide."),
            code="catalogue.guide.forbidden",
        )
    with transaction.atomic():
        SubItem.objects.select_for_update().filter(pk=subitem.pk).first()
        if ServiceGuide.objects.filter(subitem=subitem, status=GuideStatus.DRAFT).exists():
            raise Conflict(
                _("This sub-item already has a draft guide; edit or publish it."),
                code="catalogue.guide.draft_exists",
            )
        base = ServiceGuide.objects.filter(subitem=subitem, status=GuideStatus.PUBLISHED).order_by("-version")
        base = base.prefetch_related("materials").first()
        top = ServiceGuide.objects.filter(subitem=subitem).aggregate(top=Max("version"))["top"] or 0
        guide = ServiceGuide.objects.create(
            subitem=subitem,
            version=top + 1,
            status=GuideStatus.DRAFT,
            statutory_days=base.statutory_days if base else subitem.statutory_days,
            promised_days=base.promised_days if base else subitem.promised_days,
            conditions=base.conditions if base else "",
            steps=base.steps if base else "",
            fee=base.fee if base else subitem.fee,
            drafted_by=_organisation_of(actor),
            change_note=change_note[:300],
        )
        if base:
            GuideMaterial.objects.bulk_create(
                GuideMaterial(
                    guide=guide, sort_order=m.sort_order, **{f: getattr(m, f) for f in MATERIAL_FIELDS}
                )
                for m in base.materials.all()
            )
        audit.record(
            action="catalogue.guide.draft",
            actor=actor,
            **audit_context(actor, region=subitem.region.code),
            role=r.primary_role(actor),
            obj=guide,
            detail={
                "subitem": subitem.code,
                "version": guide.version,
                "from_version": base.version if base else None,
            },
        )
    return guide


def validate_guide_values(
    *, subitem_kind: str, statutory_days: int, promised_days: int, materials: list[dict]
) -> dict[str, list[str]]:
    """The rules every guide version keeps; returns {field: [messages]} (empty when valid)."""
    errors: dict[str, list[str]] = {}

    def add(field, message):
        errors.setdefault(field, []).append(message)

    if statutory_days < 0:
        add("statutory_days", _("The statutory time limit cannot be negative."))
    if promised_days < 0:
        add("promised_days", _("The promised time limit cannot be negative."))
    if subitem_kind == SubItemKind.INSTANT and promised_days != 0:
        add("promised_days", _("An instant item has no promised time limit (0 working days)."))
    if statutory_days and promised_days > statutory_days:
        add("promised_days", _("The promised time limit cannot exceed the statutory one."))
    seen = set()
    for n, m in enumerate(materials, start=1):
        code = str(m.get("code") or "").strip()
        if not code:
            add(f"materials.{n}.code", _("Every material needs a code."))
        elif code in seen:
            add(f"materials.{n}.code", _("Material code %(code)s appears twice.") % {"code": code})
        seen.add(code)
        if not str(m.get("name") or "").strip():
            add(f"materials.{n}.name", _("Every material needs a name."))
        if m.get("form", MaterialForm.ORIGINAL) not in MaterialForm.values:
            add(f"materials.{n}.form", _("Unknown material form."))
        copies = m.get("copies", 1)
        if not isinstance(copies, int) or copies < 1 or copies > 99:
            add(f"materials.{n}.copies", _("Copies must be a whole number from 1 to 99."))
    return errors


def _clean_material(m: dict) -> dict:
    return {
        "code": str(m["code"]).strip(),
        "name": str(m["name"]).strip(),
        "required": bool(m.get("required", True)),
        "form": m.get("form", MaterialForm.ORIGINAL),
        "copies": int(m.get("copies", 1)),
        "deferrable": bool(m.get("deferrable", False)),
    }


def edit_draft(
    *,
    actor,
    guide: ServiceGuide,
    statutory_days: int | None = None,
    promised_days: int | None = None,
    conditions: str | None = None,
    steps: str | None = None,
    fee: str | None = None,
    change_note: str | None = None,
    materials: list[dict] | None = None,
) -> ServiceGuide:
    """Change a draft; a published version is never edited (409)."""
    with transaction.atomic():
        guide = ServiceGuide.objects.select_for_update().select_related("subitem__region").get(pk=guide.pk)
        if guide.status != GuideStatus.DRAFT:
            raise Conflict(
                _("A published guide is never edited; draft a new version instead."),
                code="catalogue.guide.published",
            )
        if not can_draft_guide(actor, guide.subitem):
            raise PermissionDenied(
                _("Only the implementing department or the Data Bureau drafts this guide."),
                code="catalogue.guide.forbidden",
            )
        changes = {
            "statutory_days": statutory_days,
            "promised_days": promised_days,
            "conditions": conditions,
            "steps": steps,
            "fee": fee,
            "change_note": change_note,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        new_values = {f: changes.get(f, getattr(guide, f)) for f in ("statutory_days", "promised_days")}
        current_materials = [
            {f: getattr(m, f) for f in MATERIAL_FIELDS}
            for m in guide.materials.order_by("sort_order", "code")
        ]
        errors = validate_guide_values(
            subitem_kind=guide.subitem.kind,
            statutory_days=new_values["statutory_days"],
            promised_days=new_values["promised_days"],
            materials=materials if materials is not None else current_materials,
        )
        if errors:
            raise InvalidInput(_("The draft was not saved."), code="catalogue.guide.invalid", errors=errors)
        for field, value in changes.items():
            setattr(guide, field, value[:300] if field == "change_note" else value)
        guide.save()
        if materials is not None:
            guide.materials.all().delete()
            GuideMaterial.objects.bulk_create(
                GuideMaterial(guide=guide, sort_order=n, **_clean_material(m))
                for n, m in enumerate(materials, start=1)
            )
            changes["materials"] = [m["code"] for m in materials]
        audit.record(
            action="catalogue.guide.edit",
            actor=actor,
            **audit_context(actor, region=guide.subitem.region.code),
            role=r.primary_role(actor),
            obj=guide,
            detail={"subitem": guide.subitem.code, "version": guide.version, "changed": sorted(changes)},
        )
    return guide


def publish_guide(*, actor, guide: ServiceGuide) -> ServiceGuide:
    """Publish a draft: it becomes the guide windows review against; the Data Bureau is told."""
    with transaction.atomic():
        guide = ServiceGuide.objects.select_for_update().select_related("subitem__region").get(pk=guide.pk)
        if guide.status != GuideStatus.DRAFT:
            raise Conflict(_("This guide version is already published."), code="catalogue.guide.published")
        if not can_publish_guide(actor, guide.subitem):
            raise PermissionDenied(
                _("Only the implementing department's head or the Data Bureau publishes this guide."),
                code="catalogue.guide.forbidden",
            )
        errors = validate_guide_values(
            subitem_kind=guide.subitem.kind,
            statutory_days=guide.statutory_days,
            promised_days=guide.promised_days,
            materials=[{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in guide.materials.all()],
        )
        if errors:
            raise InvalidInput(
                _("The draft cannot be published."), code="catalogue.guide.invalid", errors=errors
            )
        # The published version is always the highest number, even if an import published meanwhile.
        top = (
            ServiceGuide.objects.filter(subitem_id=guide.subitem_id)
            .exclude(pk=guide.pk)
            .aggregate(top=Max("version"))["top"]
            or 0
        )
        guide.version = max(guide.version, top + 1)
        guide.status = GuideStatus.PUBLISHED
        guide.published_at = clock.now()
        guide.save()
        after_publish(guide, actor=actor)
        audit.record(
            action="catalogue.guide.publish",
            actor=actor,
            **audit_context(actor, region=guide.subitem.region.code),
            role=r.primary_role(actor),
            obj=guide,
            detail={
                "subitem": guide.subitem.code,
                "version": guide.version,
                "promised_days": guide.promised_days,
                "statutory_days": guide.statutory_days,
                "materials": guide.materials.count(),
            },
        )
    return guide


def after_publish(guide: ServiceGuide, *, actor=None, notify: bool = True, sync: bool = True) -> None:
    """What every publication does, in the caller's transaction: current limits, notice, training hook.

    `sync=False` when the caller already wrote the guide's limits and fee onto the sub-item (imports).
    """
    if sync:
        SubItem.objects.filter(pk=guide.subitem_id).update(
            statutory_days=guide.statutory_days, promised_days=guide.promised_days, fee=guide.fee
        )
    if notify:
        subitem = guide.subitem
        who = _organisation_of(actor) if actor is not None else None
        Notification.objects.create(
            recipient=data_bureau(),
            kind="catalogue.guide_published",
            title=_("Service guide of %(name)s published as version %(version)s")
            % {"name": subitem.name, "version": guide.version},
            body=_("%(who)s published version %(version)s of the guide of %(code)s %(name)s: %(note)s")
            % {
                "who": who.name if who else _("The system"),
                "version": guide.version,
                "code": subitem.code,
                "name": subitem.name,
                "note": guide.change_note or "—",
            },
            link=f"/catalogue/{subitem.code}/",
            object_type="catalogue.serviceguide",
            object_id=str(guide.pk),
            created_at=clock.now(),
        )
    for hook in on_guide_published:
        hook(guide)


# --- temporal implementing subject (rule 1) --------------------------------------------------


def check_assignment_ranges(subitem_id: int) -> None:
    """Ranges of one sub-item neither overlap nor leave a gap, and only the last is open (every engine)."""
    ranges = list(
        Assignment.objects.filter(subitem_id=subitem_id)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to")
    )
    for (_a_from, a_to), (b_from, _b_to) in pairwise(ranges):
        if a_to is None or a_to > b_from:
            raise Conflict(
                _("Implementing periods of this sub-item would overlap."), code="catalogue.assignment.overlap"
            )
        if a_to < b_from:
            raise Conflict(
                _("Implementing periods of this sub-item would leave a gap."), code="catalogue.assignment.gap"
            )


def start_assignment(
    *, subitem: SubItem, organisation: Organisation, at: dt.datetime, agreement_id: int | None, actor=None
) -> Assignment:
    """From `at` on, `organisation` implements `subitem`: the open range ends at `at`, the new one starts there.

    No scheduler is needed: `implementer(subitem, t)` answers from the ranges for any t. Refuses (409)
    when `at` is not after the start of the open range.
    """
    if timezone.is_naive(at):
        raise InvalidInput(_("The time must carry a time zone."), code="catalogue.assignment.naive_time")
    with transaction.atomic():
        # Lock the sub-item: two handovers of the same sub-item are serialised.
        subitem = SubItem.objects.select_for_update().select_related("region").get(pk=subitem.pk)
        open_range = Assignment.objects.filter(subitem=subitem, valid_to__isnull=True).first()
        previous = None
        if open_range is not None:
            if at <= open_range.valid_from:
                raise Conflict(
                    _("The new implementing period must start after %(start)s, when the current one began.")
                    % {"start": timezone.localtime(open_range.valid_from).strftime("%Y-%m-%d %H:%M")},
                    code="catalogue.assignment.not_after_open",
                )
            previous = open_range.organisation.code
            open_range.valid_to = at
            open_range.save(update_fields=["valid_to"])
        else:
            last = Assignment.objects.filter(subitem=subitem).order_by("-valid_from").first()
            if last is not None and last.valid_to != at:
                raise Conflict(
                    _("The new implementing period must start where the last one ended."),
                    code="catalogue.assignment.gap",
                )
        assignment = Assignment.objects.create(
            region=subitem.region,
            subitem=subitem,
            organisation=organisation,
            valid_from=at,
            agreement_id=agreement_id,
        )
        check_assignment_ranges(subitem.pk)
        audit.record(
            action="catalogue.assignment.start",
            actor=actor,
            **audit_context(actor, region=subitem.region.code),
            role=r.primary_role(actor) if actor is not None else "",
            obj=assignment,
            detail={
                "subitem": subitem.code,
                "from": previous,
                "to": organisation.code,
                "at": at.isoformat(),
                "agreement_id": agreement_id,
            },
        )
    return assignment


def cancel_assignment(*, subitem: SubItem, agreement_id: int, actor=None) -> None:
    """Undo a range that has not begun yet (its agreement was superseded): the previous range reopens."""
    with transaction.atomic():
        subitem = SubItem.objects.select_for_update().select_related("region").get(pk=subitem.pk)
        assignment = Assignment.objects.filter(
            subitem=subitem, agreement_id=agreement_id, valid_to__isnull=True
        ).first()
        if assignment is None:
            raise Conflict(
                _("No open implementing period of this sub-item comes from that agreement."),
                code="catalogue.assignment.not_found",
            )
        if assignment.valid_from <= clock.now():
            raise Conflict(
                _("This implementing period has already begun; only a new handover can change it."),
                code="catalogue.assignment.started",
            )
        previous = Assignment.objects.filter(subitem=subitem, valid_to=assignment.valid_from).first()
        assignment_pk = assignment.pk
        assignment.delete()
        if previous is not None:
            previous.valid_to = None
            previous.save(update_fields=["valid_to"])
        check_assignment_ranges(subitem.pk)
        audit.record(
            action="catalogue.assignment.cancel",
            actor=actor,
            **audit_context(actor, region=subitem.region.code),
            role=r.primary_role(actor) if actor is not None else "",
            object_type="catalogue.assignment",
            object_id=str(assignment_pk),
            detail={"subitem": subitem.code, "agreement_id": agreement_id},
        )


# --- import (all-or-nothing) -----------------------------------------------------------------


class ImportRejected(InvalidInput):
    """The file has errors; `rows` lists each as {row, column, message}. Nothing was changed."""

    def __init__(self, row_errors):
        rows = [e.as_dict() for e in row_errors]
        super().__init__(
            _("The file was not imported: %(count)s problems found; nothing was changed.")
            % {"count": len(rows)},
            code="catalogue.import.invalid",
            errors={
                f"row {e['row']}" + (f" {e['column']}" if e["column"] else ""): [e["message"]] for e in rows
            },
        )
        self.rows = rows


def import_catalogue(*, actor, path, original_name: str = "", progress=None) -> dict:
    """Import a template file (.xlsx/.csv): every row is checked first; any error → ImportRejected, no change.

    Existing items and sub-items are updated in place; a sub-item whose limits, fee, conditions, steps or
    materials differ from its current guide gets a new published guide version. Sub-items absent from the
    file are left alone. New sub-items are implemented by the file's `implementer` (default: the Data
    Bureau) from now on. `actor` None is the operator's CLI; in the UI only the supervisor imports.
    """
    from onewindow.catalogue import template

    if actor is not None and not r.has_role(actor, r.SUPERVISOR):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor imports the catalogue."), code="catalogue.import.forbidden"
        )
    report_progress = progress or (lambda phase, percent: None)
    report_progress("read", 5)
    try:
        table = template.read_table(path, original_name)
    except template.TemplateUnreadable as exc:
        raise ImportRejected([template.RowError(1, "", str(exc))]) from exc
    report_progress("validate", 10)
    departments = set(Organisation.objects.values_list("code", flat=True))
    parsed, errors = template.parse(
        table,
        departments=departments,
        progress=lambda done, total: report_progress("validate", 10 + 55 * done // max(total, 1)),
    )
    owner = dict(SubItem.objects.values_list("code", "item__code"))
    for item_code, item in parsed.items.items():
        for sub_code, sub in item["subitems"].items():
            if sub_code in owner and owner[sub_code] != item_code:
                errors.append(
                    template.RowError(
                        sub["row"],
                        template.COLUMN["subitem_code"].header,
                        _("Sub-item %(code)s belongs to item %(item)s in the catalogue.")
                        % {"code": sub_code, "item": owner[sub_code]},
                    )
                )
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.row))
    report_progress("write", 70)
    with transaction.atomic():
        report = _write_import(parsed)
        report["rows"] = parsed.rows
        audit.record(
            action="catalogue.import",
            actor=actor,
            **audit_context(actor, region=data_bureau().region.code),
            role=r.primary_role(actor) if actor is not None else "",
            object_type="catalogue",
            detail={"file": original_name or str(path), **report},
        )
    report_progress("done", 100)
    return report


def _guide_content(statutory, promised, fee, conditions, steps, materials) -> tuple:
    return (
        statutory,
        promised,
        fee,
        conditions,
        steps,
        tuple(
            (m["code"], m["name"], m["required"], m["form"], m["copies"], m["deferrable"]) for m in materials
        ),
    )


def _write_import(parsed) -> dict:
    from onewindow.catalogue.models import PowerItem
    from onewindow.catalogue.pinyin import initials

    bureau = data_bureau()
    region = bureau.region
    now = clock.now()
    organisations = {o.code: o for o in Organisation.objects.all()}
    organisation_by_pk = {o.pk: o for o in organisations.values()}
    items = {i.code: i for i in PowerItem.objects.all()}
    subs = {s.code: s for s in SubItem.objects.all()}
    implementer_of = dict(selectors.subitems().values_list("pk", "implementer_id"))
    current: dict[int, ServiceGuide] = {}
    for guide in (
        ServiceGuide.objects.filter(status=GuideStatus.PUBLISHED)
        .prefetch_related("materials")
        .order_by("-version")
    ):
        current.setdefault(guide.subitem_id, guide)
    top_version = dict(
        ServiceGuide.objects.values("subitem_id")
        .annotate(top=Max("version"))
        .values_list("subitem_id", "top")
    )
    next_sort = (SubItem.objects.aggregate(top=Max("sort_order"))["top"] or 0) + 1
    report = dict.fromkeys(
        ("items", "subitems", "created_items", "updated_items", "created_subitems", "updated_subitems"), 0
    )
    report["new_guide_versions"] = 0

    # Items.
    new_items, changed_items, renamed_items = [], [], set()
    for code, row in parsed.items.items():
        values = {
            "name": row["item_name"],
            "power_type": row["power_type"],
            "power_source": row["power_source"],
            "legal_basis": row["legal_basis"],
        }
        item = items.get(code)
        if item is None:
            item = PowerItem(region=region, code=code, **values)
            new_items.append(item)
            items[code] = item
        elif any(getattr(item, k) != v for k, v in values.items()):
            if item.name != values["name"]:
                renamed_items.add(item.pk)
            for k, v in values.items():
                setattr(item, k, v)
            changed_items.append(item)
    PowerItem.objects.bulk_create(new_items)
    PowerItem.objects.bulk_update(changed_items, ["name", "power_type", "power_source", "legal_basis"])
    report.update(items=len(parsed.items), created_items=len(new_items), updated_items=len(changed_items))

    # Sub-items (the current limits and fee follow the guide, set below).
    new_subs, changed_subs, planned = [], [], []
    compared = [
        "name",
        "kind",
        "extension_cap_days",
        "special_procedures",
        "result_name",
        "target_department_id",
        "statutory_days",
        "promised_days",
        "fee",
    ]
    for item_code, row in parsed.items.items():
        for code, sub_row in row["subitems"].items():
            values = {
                "name": sub_row["subitem_name"],
                "kind": sub_row["kind"],
                "extension_cap_days": sub_row["extension_cap_days"],
                "special_procedures": sub_row["special_procedures"],
                "result_name": sub_row["result_name"],
                "target_department_id": organisations[sub_row["target_department"]].pk,
                "statutory_days": sub_row["statutory_days"],
                "promised_days": sub_row["promised_days"],
                "fee": sub_row["fee"],
            }
            sub = subs.get(code)
            if sub is None:
                sub = SubItem(
                    region=region,
                    item=items[item_code],
                    code=code,
                    sort_order=next_sort,
                    pinyin_initials=initials(sub_row["subitem_name"], row["item_name"]),
                    **values,
                )
                next_sort += 1
                new_subs.append(sub)
            else:
                renamed = sub.name != values["name"] or items[item_code].pk in renamed_items
                if renamed or any(getattr(sub, k) != values[k] for k in compared):
                    for k, v in values.items():
                        setattr(sub, k, v)
                    if renamed:
                        sub.pinyin_initials = initials(sub_row["subitem_name"], row["item_name"])
                    changed_subs.append(sub)
            planned.append((sub, sub_row))
    SubItem.objects.bulk_create(new_subs)
    SubItem.objects.bulk_update(changed_subs, [*(f.removesuffix("_id") for f in compared), "pinyin_initials"])
    report.update(
        subitems=len(planned),
        created_subitems=len(new_subs),
        updated_subitems=len({s.pk for s in changed_subs}),
    )

    # Who implements the new ones: the file says, else the bureau, from now on (rule 1: no gap after).
    Assignment.objects.bulk_create(
        Assignment(
            region=region,
            subitem=sub,
            organisation=organisations.get(sub_row["implementer"]) or bureau,
            valid_from=now,
        )
        for sub, sub_row in planned
        if sub in new_subs
    )

    # Guides: a new published version wherever the content differs from the current one.
    new_guides, materials_of = [], {}
    for sub, sub_row in planned:
        wanted = _guide_content(
            sub_row["statutory_days"],
            sub_row["promised_days"],
            sub_row["fee"],
            sub_row["conditions"],
            sub_row["steps"],
            sub_row["materials"],
        )
        guide = current.get(sub.pk)
        if guide is not None:
            existing = _guide_content(
                guide.statutory_days,
                guide.promised_days,
                guide.fee,
                guide.conditions,
                guide.steps,
                [{f: getattr(m, f) for f in MATERIAL_FIELDS} for m in guide.materials.all()],
            )
            if existing == wanted:
                continue
        implementer_id = implementer_of.get(sub.pk)
        drafted_by = organisations.get(sub_row["implementer"]) or bureau
        if implementer_id is not None:
            drafted_by = organisation_by_pk[implementer_id]
        new_guides.append(
            ServiceGuide(
                subitem=sub,
                version=top_version.get(sub.pk, 0) + 1,
                status=GuideStatus.PUBLISHED,
                statutory_days=sub_row["statutory_days"],
                promised_days=sub_row["promised_days"],
                fee=sub_row["fee"],
                conditions=sub_row["conditions"],
                steps=sub_row["steps"],
                drafted_by=drafted_by,
                published_at=now,
                change_note=_("Imported from the catalogue file")
                if guide is None
                else _("Updated by a catalogue import"),
            )
        )
        materials_of[len(new_guides) - 1] = sub_row["materials"]
    ServiceGuide.objects.bulk_create(new_guides)
    GuideMaterial.objects.bulk_create(
        GuideMaterial(guide=new_guides[n], sort_order=k, **_clean_material(m))
        for n, rows in materials_of.items()
        for k, m in enumerate(rows, start=1)
    )
    for guide in new_guides:
        after_publish(guide, notify=False, sync=False)
    report["new_guide_versions"] = len(new_guides)
    if new_guides and any(g.version > 1 for g in new_guides):
        Notification.objects.create(
            recipient=bureau,
            kind="catalogue.guide_published",
            title=_("A catalogue import published %(count)s new guide versions") % {"count": len(new_guides)},
            body=", ".join(f"{g.subitem.code} v{g.version}" for g in new_guides[:50]),
            link="/catalogue/",
            object_type="catalogue",
            created_at=now,
        )
    return report
