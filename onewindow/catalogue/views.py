"""HTML pages of the catalogue: browsing for staff, guide drafting, imports, and the public service guide."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.catalogue import jobs, selectors, services, spreadsheet
from onewindow.catalogue.forms import ResultSpecForm, fields_as_text
from onewindow.catalogue.models import GuideStatus, ImportJob, MaterialForm, ServiceGuide, SpecialProcedure
from onewindow.core import clock, refusals
from onewindow.core.errors import DomainError, InvalidInput
from onewindow.core.forms import optional_int
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org.access import role_required
from onewindow.org.models import Hall

PAGE_SIZE = 50
STAFF = tuple(r.BUSINESS_ROLES)


def _departments():
    return org_selectors.approving_bodies()


@role_required(*STAFF)
def subitem_list(request):
    filters = {
        "q": request.GET.get("q", "").strip(),
        "type": request.GET.get("type", ""),
        "department": request.GET.get("department", ""),
        "target": request.GET.get("target", ""),
    }
    qs = selectors.subitems(
        q=filters["q"], power_type=filters["type"], department=filters["department"], target=filters["target"]
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/subitem_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "types": list(selectors.POWER_TYPE_NAMES.items()),
            "departments": _departments(),
            "can_import": selectors.can_import(request.user),
        },
    )


@role_required(*STAFF)
def subitem_detail(request, code):
    subitem = selectors.subitem_detail(code)
    if subitem is None:
        raise Http404
    guides = list(subitem.guides.all())
    draft = next((g for g in guides if g.status == GuideStatus.DRAFT), None)
    current = next((g for g in guides if g.status == GuideStatus.PUBLISHED), None)
    assignments = list(subitem.assignments.all())
    in_force = subitem.assignments.valid_at(clock.now()).select_related("organisation").first()
    implementer = in_force.organisation if in_force else None
    return render(
        request,
        "catalogue/subitem_detail.html",
        {
            "subitem": subitem,
            "item": subitem.item,
            "type_name": selectors.POWER_TYPE_NAMES.get(subitem.item.power_type, ""),
            "guides": guides,
            "current": current,
            "materials": list(current.materials.all()) if current else [],
            "draft": draft,
            "assignments": assignments,
            "implementer": implementer,
            "can_draft": selectors.can_draft_guide(request.user, subitem),
        },
    )


@role_required(*STAFF)
@require_POST
def guide_draft(request, code):
    subitem = get_object_or_404(selectors.subitems(), code=code)
    try:
        draft = services.draft_guide(
            actor=request.user, subitem=subitem, change_note=request.POST.get("change_note", "")
        )
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, exc.message)
        return redirect("catalogue:detail", code=code)
    return redirect("catalogue:guide_edit", code=code, version=draft.version)


MAX_MATERIAL_ROWS = 200  # a guide's form never has more rows; bounds the loop whatever is posted


def _materials_from_post(post) -> list[dict]:
    rows = []
    for n in range(1, (optional_int(post.get("material_rows"), max_value=MAX_MATERIAL_ROWS) or 0) + 1):
        code = post.get(f"m{n}-code", "").strip()
        name = post.get(f"m{n}-name", "").strip()
        if not code and not name:
            continue  # an emptied row removes the material
        copies = optional_int(post.get(f"m{n}-copies") or 1, max_value=99, invalid=0)
        rows.append(
            {
                "code": code,
                "name": name,
                "required": post.get(f"m{n}-required") == "on",
                "form": post.get(f"m{n}-form", "original"),
                "copies": copies,
                "deferrable": post.get(f"m{n}-deferrable") == "on",
            }
        )
    return rows


def _int_or_none(value):
    """A number of days, or -1 (which the service refuses with its message) when it is none."""
    number = optional_int(value, min_value=-1, invalid=-1)
    return -1 if number is None else number


@role_required(*STAFF)
def guide_edit(request, code, version):
    guide = get_object_or_404(
        ServiceGuide.objects.select_related("subitem__item"), subitem__code=code, version=version
    )
    if guide.status != GuideStatus.DRAFT:
        messages.error(request, _("A published guide is never edited; draft a new version instead."))
        return redirect("catalogue:detail", code=code)
    if not selectors.can_draft_guide(request.user, guide.subitem):
        raise Http404
    errors = {}
    materials = [
        {f: getattr(m, f) for f in services.MATERIAL_FIELDS}
        for m in guide.materials.order_by("sort_order", "code")
    ]
    result_form = ResultSpecForm(
        initial={"result_kind": guide.result_kind, "result_fields": fields_as_text(guide.result_fields)}
    )
    if request.method == "POST":
        materials = _materials_from_post(request.POST)
        result = {}
        if "result_kind" in request.POST or "result_fields" in request.POST:
            result_form = ResultSpecForm(request.POST)
            if result_form.is_valid():
                result = result_form.cleaned_data
        try:
            if result_form.is_bound and not result_form.is_valid():
                # Nothing is saved while the result's particulars are wrong; the form says where.
                raise InvalidInput(_("The draft was not saved."), code="catalogue.guide.invalid")
            services.edit_draft(
                actor=request.user,
                guide=guide,
                statutory_days=_int_or_none(request.POST.get("statutory_days")),
                promised_days=_int_or_none(request.POST.get("promised_days")),
                conditions=request.POST.get("conditions", ""),
                steps=request.POST.get("steps", ""),
                fee=request.POST.get("fee", "")[:200],
                change_note=request.POST.get("change_note", ""),
                materials=materials,
                result_kind=result.get("result_kind"),
                result_fields=result.get("result_fields"),
            )
        except DomainError as exc:
            refusals.note(request, exc)  # audited after the rollback (org.refusals)
            errors = exc.errors or ({} if result_form.errors else {"": [exc.message]})
            messages.error(request, exc.message)
        else:
            if request.POST.get("publish") and selectors.can_publish(request.user, guide):
                try:
                    services.publish_guide(actor=request.user, guide=guide)
                except DomainError as exc:
                    refusals.note(request, exc)  # audited after the rollback (org.refusals)
                    messages.error(request, exc.message)
                    return redirect("catalogue:guide_edit", code=code, version=version)
                messages.success(
                    request, _("The new guide version is published; the Data Bureau was notified.")
                )
                return redirect("catalogue:detail", code=code)
            messages.success(request, _("The draft is saved."))
            return redirect("catalogue:guide_edit", code=code, version=version)
        for field in ("statutory_days", "promised_days", "conditions", "steps", "fee", "change_note"):
            if field in request.POST:
                setattr(guide, field, request.POST[field])
    rows = materials + [{"code": "", "name": "", "required": True, "form": "original", "copies": 1}] * 3
    return render(
        request,
        "catalogue/guide_edit.html",
        {
            "guide": guide,
            "subitem": guide.subitem,
            "rows": rows,
            "errors": errors,
            "forms": MaterialForm.choices,
            "can_publish": selectors.can_publish(request.user, guide),
            "result_form": result_form,
        },
    )


@role_required(r.SUPERVISOR, r.DEPARTMENT_HEAD, r.ASSESSMENT_OFFICE)
def guide_changes(request):
    department = request.GET.get("department", "")
    return render(
        request,
        "catalogue/guide_changes.html",
        {
            "groups": selectors.guide_changes(department=department),
            "department": department,
            "departments": _departments(),
            "notifications": selectors.guide_notifications(request.user),
        },
    )


@role_required(r.SUPERVISOR)
def import_upload(request):
    if request.method == "POST":
        uploaded = request.FILES.get("file")
        if uploaded is None:
            messages.error(request, _("Choose a .xlsx or .csv file first."))
        else:
            try:
                job = jobs.start_import(actor=request.user, uploaded=uploaded)
            except DomainError as exc:
                refusals.note(request, exc)  # audited after the rollback (org.refusals)
                messages.error(request, exc.message)
            else:
                return redirect("catalogue:import_job", pk=job.pk)
    recent = ImportJob.objects.select_related("created_by")[:10]
    return render(request, "catalogue/import.html", {"recent": recent, "columns": spreadsheet.COLUMNS})


@role_required(r.SUPERVISOR)
def import_job(request, pk):
    job = jobs.fail_if_stale(get_object_or_404(ImportJob, pk=pk))
    name = (
        "catalogue/_import_progress.html"
        if request.headers.get("HX-Request")
        else "catalogue/import_job.html"
    )
    return render(request, name, {"job": job})


@role_required(r.SUPERVISOR)
def export_file(request, fmt):
    if fmt not in ("xlsx", "csv"):
        raise Http404
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"catalogue.{fmt}"
        spreadsheet.write(path, spreadsheet.export_rows())
        data = path.read_bytes()
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="catalogue.{fmt}"'
    return response


def public_guide(request, code):
    """What an applicant reads before coming: no login, no staff data, printable."""
    subitem = selectors.subitems().filter(code=code).first()
    if subitem is None:
        raise Http404
    guide = selectors.guide_at(subitem)
    if guide is None:
        raise Http404
    hall = Hall.objects.filter(region_id=subitem.region_id).order_by("pk").first()
    return render(
        request,
        "catalogue/public_guide.html",
        {
            "subitem": subitem,
            "item": subitem.item,
            "type_name": selectors.POWER_TYPE_NAMES.get(subitem.item.power_type, ""),
            "guide": guide,
            "materials": list(guide.materials.all()),
            "hall": hall,
            "procedures": [
                label for value, label in SpecialProcedure.choices if value in subitem.special_procedures
            ],
        },
    )


def public_index(request):
    """The public list of service guides, searchable like the staff list (also by pinyin initials)."""
    filters = {
        "q": request.GET.get("q", "").strip(),
        "type": request.GET.get("type", ""),
        "department": request.GET.get("department", ""),
    }
    qs = selectors.subitems(q=filters["q"], power_type=filters["type"], department=filters["department"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "catalogue/public_index.html",
        {
            "page": page,
            "q": filters["q"],
            "filters": filters,
            "query": query.urlencode(),
            "types": list(selectors.POWER_TYPE_NAMES.items()),
            "departments": _departments(),
        },
    )
