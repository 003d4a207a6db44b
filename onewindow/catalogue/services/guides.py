"""Service-guide versions: draft → edit → published (a published version is never edited)."""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from onewindow.catalogue import selectors
from onewindow.catalogue.models import (
    GuideMaterial,
    GuideStatus,
    MaterialForm,
    ServiceGuide,
    SubItem,
    SubItemKind,
)
from onewindow.catalogue.results import ResultKind, default_fields, default_kind, validate_field_spec
from onewindow.core import audit, clock
from onewindow.core.errors import Conflict, InvalidInput, PermissionDenied
from onewindow.core.validators import LONG_TEXT_MAX, SHORT_TEXT_MAX, clean_text
from onewindow.org import roles as r
from onewindow.org import services as org_services
from onewindow.org.selectors import audit_context

# The free texts of a guide and their lengths (the models' CheckConstraints say the same).
GUIDE_TEXT_LIMITS = {
    "conditions": LONG_TEXT_MAX,
    "steps": LONG_TEXT_MAX,
    "fee": 200,
    "change_note": SHORT_TEXT_MAX,
}

# Called with each newly published ServiceGuide, inside the publishing transaction. The supervision
# context registers here to mark the window clerks' training on that sub-item as out of date.
on_guide_published: list[Callable[[ServiceGuide], None]] = []

MATERIAL_FIELDS = ("code", "name", "required", "form", "copies", "deferrable")


def draft_guide(*, actor, subitem: SubItem, change_note: str = "") -> ServiceGuide:
    """Start a new version as a copy of the latest published one; only one draft per sub-item."""
    if not selectors.can_draft_guide(actor, subitem):
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
            result_kind=base.result_kind
            if base
            else default_kind(result_name=subitem.result_name, power_type=subitem.item.power_type),
            result_fields=base.result_fields
            if base
            else default_fields(
                default_kind(result_name=subitem.result_name, power_type=subitem.item.power_type)
            ),
            drafted_by=selectors.organisation_of(actor),
            change_note=clean_text(
                change_note, field="change_note", max_length=SHORT_TEXT_MAX, prefix="catalogue."
            ),
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


def clean_material(m: dict) -> dict:
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
    result_kind: str | None = None,
    result_fields: list[dict] | None = None,
) -> ServiceGuide:
    """Change a draft; a published version is never edited (409)."""
    with transaction.atomic():
        guide = ServiceGuide.objects.select_for_update().select_related("subitem__region").get(pk=guide.pk)
        if guide.status != GuideStatus.DRAFT:
            raise Conflict(
                _("A published guide is never edited; draft a new version instead."),
                code="catalogue.guide.published",
            )
        if not selectors.can_draft_guide(actor, guide.subitem):
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
            "result_kind": result_kind,
            "result_fields": result_fields,
        }
        changes = {k: v for k, v in changes.items() if v is not None}
        for field, limit in GUIDE_TEXT_LIMITS.items():
            if field in changes:  # bounded and printable, or a clear error naming the field
                changes[field] = clean_text(
                    changes[field], field=field, max_length=limit, prefix="catalogue."
                )
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
        if result_kind is not None and result_kind not in ResultKind.values:
            errors.setdefault("result_kind", []).append(_("Unknown kind of result."))
        if result_fields is not None:
            errors.update(validate_field_spec(result_fields))
        if errors:
            raise InvalidInput(_("The draft was not saved."), code="catalogue.guide.invalid", errors=errors)
        for field, value in changes.items():
            if field == "result_fields":
                value = [
                    {
                        "code": str(f["code"]).strip(),
                        "label": str(f["label"]).strip(),
                        "required": bool(f.get("required", True)),
                        "type": f.get("type", "text"),
                    }
                    for f in value
                ]
            setattr(guide, field, value)
        guide.save()
        if materials is not None:
            guide.materials.all().delete()
            GuideMaterial.objects.bulk_create(
                GuideMaterial(guide=guide, sort_order=n, **clean_material(m))
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
        if not selectors.can_publish_guide(actor, guide.subitem):
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
        who = selectors.organisation_of(actor) if actor is not None else None
        org_services.notify(
            organisation=selectors.data_bureau(),
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
            at=clock.now(),
        )
    for hook in on_guide_published:
        hook(guide)
