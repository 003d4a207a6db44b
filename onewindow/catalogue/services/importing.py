"""The catalogue import (.xlsx/.csv in the one spreadsheet format): all-or-nothing, with row-level errors."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from onewindow.catalogue import selectors, spreadsheet
from onewindow.catalogue.models import GuideMaterial, GuideStatus, PowerItem, ServiceGuide, SubItem
from onewindow.catalogue.pinyin import initials
from onewindow.catalogue.services.assignments import begin_range
from onewindow.catalogue.services.guides import MATERIAL_FIELDS, after_publish, clean_material
from onewindow.core import audit, clock
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.org import roles as r
from onewindow.org import services as org_services
from onewindow.org.models import Organisation
from onewindow.org.selectors import audit_context


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
    if actor is not None and not selectors.can_import(actor):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor imports the catalogue."), code="catalogue.import.forbidden"
        )
    report_progress = progress or (lambda phase, percent: None)
    report_progress("read", 5)
    try:
        table = spreadsheet.read_table(path, original_name)
    except spreadsheet.TemplateUnreadable as exc:
        raise ImportRejected([spreadsheet.RowError(1, "", str(exc))]) from exc
    report_progress("validate", 10)
    departments = set(Organisation.objects.values_list("code", flat=True))
    parsed, errors = spreadsheet.parse(
        table,
        departments=departments,
        progress=lambda done, total: report_progress("validate", 10 + 55 * done // max(total, 1)),
    )
    owner = dict(SubItem.objects.values_list("code", "item__code"))
    for item_code, item in parsed.items.items():
        for sub_code, sub in item["subitems"].items():
            if sub_code in owner and owner[sub_code] != item_code:
                errors.append(
                    spreadsheet.RowError(
                        sub["row"],
                        spreadsheet.COLUMN["subitem_code"].header,
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
            **audit_context(actor, region=selectors.data_bureau().region.code),
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
    bureau = selectors.data_bureau()
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
    # Through the same checks as a handover; a sub-item created just now has no range yet.
    created = {sub.pk for sub in new_subs}
    for sub, sub_row in planned:
        if sub.pk in created:
            begin_range(
                subitem=sub,
                organisation=organisations.get(sub_row["implementer"]) or bureau,
                at=now,
                agreement_id=None,
                ranges=[],
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
        GuideMaterial(guide=new_guides[n], sort_order=k, **clean_material(m))
        for n, rows in materials_of.items()
        for k, m in enumerate(rows, start=1)
    )
    for guide in new_guides:
        after_publish(guide, notify=False, sync=False)
    report["new_guide_versions"] = len(new_guides)
    if new_guides and any(g.version > 1 for g in new_guides):
        org_services.notify(
            organisation=bureau,
            kind="catalogue.guide_published",
            title=_("A catalogue import published %(count)s new guide versions") % {"count": len(new_guides)},
            body=", ".join(f"{g.subitem.code} v{g.version}" for g in new_guides[:50]),
            link="/catalogue/",
            object_type="catalogue",
            at=now,
        )
    return report
