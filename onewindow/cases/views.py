"""HTML workbenches of the cases context (thin: parse the form, call one service or selector, render).

The acceptance desk, the department's queue and the case page, the issuance desk, the supervisor's list
with its Excel export, the printable documents, and the login-free public pages.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from onewindow.cases import (
    case_files,
    codes,
    documents,
    hooks,
    issuance,
    personal_data,
    register,
    selectors,
    services,
    storage,
    ui_selectors,
)
from onewindow.cases import clock as case_clock
from onewindow.cases import transitions as t
from onewindow.cases.models import OPEN_STATUSES, ApplicantKind, CaseStatus, IssueMethod
from onewindow.catalogue.models import SpecialProcedure
from onewindow.catalogue.results import ResultKind
from onewindow.catalogue.selectors import current_guide, subitems
from onewindow.core import clock, refusals, throttle
from onewindow.core.errors import DomainError, NotFound, TooManyRequests
from onewindow.core.forms import optional_int
from onewindow.core.web import STORED_FILE_POLICY
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.staffing.selectors import untrained_warning

CASE_ROLES = (r.WINDOW_CLERK, r.ISSUING_CLERK, r.APPROVER, r.DEPARTMENT_HEAD, r.SUPERVISOR)
ACTING_ROLES = (r.WINDOW_CLERK, r.ISSUING_CLERK, r.APPROVER, r.DEPARTMENT_HEAD)
PAGE_SIZE = 50
EXPORT_LIMIT = 50_000

ACTION_LABELS = t.ACTION_LABELS

# What each event of the timeline is called (with a context: other catalogues use the same English words).
EVENT_LABELS = {
    "accept": pgettext_lazy("case event", "Accepted"),
    "routed": pgettext_lazy("case event", "Routed to the department"),
    "request_supplement": pgettext_lazy("case event", "Supplement requested (one complete list)"),
    "supplement": pgettext_lazy("case event", "Materials handed in"),
    "reject": pgettext_lazy("case event", "Not accepted"),
    "withdraw": pgettext_lazy("case event", "Withdrawn"),
    "claim": pgettext_lazy("case event", "Claimed for review"),
    "suspend": pgettext_lazy("case event", "Special procedure started"),
    "resume": pgettext_lazy("case event", "Special procedure ended"),
    "extend": pgettext_lazy("case event", "Time limit extended"),
    "return": pgettext_lazy("case event", "Returned to the window"),
    "decide": pgettext_lazy("case event", "Decided"),
    "produce_result": pgettext_lazy("case event", "Result produced"),
    "issue": pgettext_lazy("case event", "Result issued"),
    "remind": pgettext_lazy("case event", "Reminder from the Data Bureau"),
    "supervise": pgettext_lazy("case event", "Supervision order from the Data Bureau"),
    "revoke_result": pgettext_lazy("case event", "Result revoked"),
    "deferral_expired": pgettext_lazy("case event", "Ended: deferred materials not handed in"),
}

# The statuses as the desks show them (a context keeps them apart from other apps' "Accepted" etc.).
STATUS_LABELS = {
    CaseStatus.SUPPLEMENT_REQUESTED: pgettext_lazy("case status", "Supplement requested"),
    CaseStatus.REJECTED: pgettext_lazy("case status", "Not accepted"),
    CaseStatus.WITHDRAWN: pgettext_lazy("case status", "Withdrawn"),
    CaseStatus.ACCEPTED: pgettext_lazy("case status", "Accepted"),
    CaseStatus.IN_REVIEW: pgettext_lazy("case status", "In review"),
    CaseStatus.SUSPENDED: pgettext_lazy("case status", "Suspended (special procedure)"),
    CaseStatus.DECIDED: pgettext_lazy("case status", "Decided"),
    CaseStatus.RESULT_READY: pgettext_lazy("case status", "Result ready for issuance"),
    CaseStatus.ISSUED: pgettext_lazy("case status", "Issued"),
}

# The steps the public progress page shows (the applicant's words for the events).
PUBLIC_STEP_LABELS = {
    **EVENT_LABELS,
    "routed": pgettext_lazy("public step", "Sent to the department for review"),
    "claim": pgettext_lazy("public step", "In review"),
    "produce_result": pgettext_lazy("public step", "Result ready at the issuing window"),
    "issue": pgettext_lazy("public step", "Result handed out"),
}

LEVEL_LABELS = {
    case_clock.NORMAL: gettext_lazy("Normal"),
    case_clock.WARNING: gettext_lazy("Warning"),
    case_clock.OVERDUE: gettext_lazy("Overdue"),
}

# A finished case's row shows its outcome instead of remaining days and level.
OUTCOME_LABELS = {
    ui_selectors.ON_TIME: gettext_lazy("Completed · on time"),
    ui_selectors.LATE: gettext_lazy("Completed · late"),
    ui_selectors.DECIDED_ON_TIME: gettext_lazy("Decided · on time"),
    ui_selectors.DECIDED_LATE: gettext_lazy("Decided · late"),
    ui_selectors.NOT_ACCEPTED: pgettext_lazy("case outcome", "Not accepted"),
    ui_selectors.WITHDRAWN: pgettext_lazy("case outcome", "Withdrawn"),
    ui_selectors.DEFERRAL_EXPIRED: gettext_lazy("Ended: deferred materials not handed in"),
}

# The named slices a home page links to, as the list's heading says them.
VIEW_LABELS = {
    ui_selectors.ACCEPTED_TODAY_MINE: gettext_lazy("Accepted by me today"),
    ui_selectors.ACCEPTED_TODAY: gettext_lazy("Accepted today"),
    ui_selectors.COMPLETED_TODAY: gettext_lazy("Results handed out today"),
    ui_selectors.DEFERRED_DUE: gettext_lazy("Deferred materials (容缺) still owed"),
    ui_selectors.ISSUE_LATE: gettext_lazy("Results waiting beyond the art. 44 limit"),
}


def _field_errors(exc: DomainError) -> dict:
    """The service's {field: [messages]} with dots made template-friendly (applicant.phone → applicant_phone)."""
    return {key.replace(".", "_"): [str(m) for m in value] for key, value in (exc.errors or {}).items()}


def _message(exc: DomainError) -> str:
    if exc.code == "case.stale_version":
        return _("This case was updated by someone else; reload it and try again.")
    return str(exc.message)


# --------------------------------------------------------------------------------------------------
# The comprehensive window: acceptance desk
# --------------------------------------------------------------------------------------------------


@role_required(r.WINDOW_CLERK)
@require_GET
def subitem_search(request):
    """htmx: sub-items matching a name, code or pinyin initials (e.g. 'qytz')."""
    q = request.GET.get("q", "").strip()
    found = list(subitems(q=q)[:20]) if q else []
    return render(request, "cases/_subitem_results.html", {"q": q, "found": found})


@role_required(r.WINDOW_CLERK)
def accept_desk(request):
    """Search a sub-item, tick the materials of its published guide, enter the applicant, accept."""
    code = (request.POST.get("subitem") or request.GET.get("subitem") or "").strip()
    context = {"q": request.GET.get("q", ""), "kinds": ApplicantKind.choices, "scan_types": case_files.ACCEPT}
    if code:
        subitem = subitems().filter(code=code).first()
        if subitem is None:
            raise Http404
        try:
            context["guide"] = current_guide(subitem)
        except DomainError as exc:
            refusals.note(request, exc)  # audited after the rollback (org.refusals)
            context["guide_error"] = exc.message
        context["subitem"] = subitem
        # A soft warning, never a refusal: the clerk was not trained on this sub-item (staffing).
        context["training_warning"] = untrained_warning(request.user, subitem)
    if request.method == "POST":
        form = _acceptance_form(request)
        try:
            case, created = case_files.accept_with_scans(
                actor=request.user,
                scans=_scans(request),
                subitem=code,
                applicant=form["applicant"],
                materials=form["materials"],
                deferred_materials=form["deferred_materials"],
                commitment=form["commitment"],
                top_up_days=form["top_up_days"],
                idempotency_key=form["idempotency_key"],
            )
        except DomainError as exc:
            refusals.note(request, exc)  # audited after the rollback (org.refusals)
            context.update(form=form, error=_message(exc), field_errors=_field_errors(exc))
            context["scans_dropped"] = bool(_scans(request))  # a browser never refills a file input
            return render(request, "cases/accept.html", context, status=exc.status)
        if not created:
            messages.info(request, _("This application was already submitted; here is its case."))
        elif case.status == CaseStatus.ACCEPTED:
            messages.success(request, _("Accepted. Print the acceptance receipt for the applicant."))
        else:
            messages.warning(
                request, _("Materials are missing. Print the one-time supplement notice for the applicant.")
            )
        return redirect("cases:case", number=case.number)
    context["form"] = {
        "idempotency_key": uuid.uuid4().hex,
        "applicant": {"kind": ApplicantKind.PERSON},
        "materials": [],
        "deferred_materials": [],
    }
    return render(request, "cases/accept.html", context)


def _scans(request) -> dict[str, list]:
    """The scans the desk's form carries, per material: file inputs named `scan-<material code>`."""
    prefix = "scan-"
    return {
        key[len(prefix) :]: request.FILES.getlist(key)
        for key in request.FILES
        if key.startswith(prefix) and request.FILES.getlist(key)
    }


def _acceptance_form(request) -> dict:
    post = request.POST
    days = post.get("top_up_days", "").strip()
    return {
        "idempotency_key": post.get("idempotency_key", "")[:100],
        "applicant": {
            "kind": post.get("applicant_kind", ""),
            "name": post.get("applicant_name", ""),
            "id_number": post.get("applicant_id_number", ""),
            "phone": post.get("applicant_phone", ""),
        },
        "materials": post.getlist("materials"),
        "deferred_materials": post.getlist("deferred_materials"),
        "commitment": post.get("commitment", ""),
        "top_up_days": optional_int(days),
        "top_up_days_raw": days,
    }


# --------------------------------------------------------------------------------------------------
# Lists: the department's queue, the hall's cases, the supervisor's view and export
# --------------------------------------------------------------------------------------------------


def _list_filters(request) -> dict:
    return {
        "status": request.GET.get("status", "open"),
        "level": request.GET.get("level", ""),
        "department": request.GET.get("department", ""),
        "q": request.GET.get("q", ""),
        "view": request.GET.get("view", ""),
    }


def _filtered(request, filters: dict):
    status = filters["status"]
    qs = ui_selectors.case_list(
        request.user,
        status="" if status in ("open", "all") else status,
        level=filters["level"] if filters["level"] in case_clock.LEVELS else "",
        department=filters["department"],
        q=filters["q"],
        view=filters["view"] if filters["view"] in ui_selectors.VIEWS else "",
    )
    if status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    for condition, _words in _extra_filters(request):
        qs = qs.filter(condition)
    return qs


def _extra_filters(request) -> list[tuple]:
    """The filters apps above offer through cases.hooks.case_list_filters (e.g. a statistics figure)."""
    found = (extra(request.user, request.GET) for extra in hooks.case_list_filters)
    return [f for f in found if f is not None]


@role_required(*CASE_ROLES)
def case_list(request):
    """The approver's queue (own department), the head's, the hall's and the supervisor's list."""
    filters = _list_filters(request)
    page = Paginator(_filtered(request, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    supervisor = r.has_role(request.user, r.SUPERVISOR)
    if r.has_role(request.user, r.APPROVER, r.DEPARTMENT_HEAD):
        title = _("My department's queue")
    elif supervisor:
        title = _("All cases")
    else:
        title = _("Cases of the hall")
    rows = ui_selectors.with_clocks(page.object_list)
    for row in rows:
        row.status_label = STATUS_LABELS[row.case.status]
        row.outcome_label = OUTCOME_LABELS.get(row.outcome)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "title": title,
            "view_label": VIEW_LABELS.get(filters["view"]),
            "extra_filters": [words for _condition, words in _extra_filters(request)],
            "page": page,
            "rows": rows,
            "filters": filters,
            "statuses": STATUS_LABELS.items(),
            "levels": LEVEL_LABELS.items(),
            "departments": ui_selectors.departments() if supervisor else [],
            "can_export": supervisor,
            "query": query.urlencode(),
        },
    )


@role_required(r.SUPERVISOR)
def case_export(request):
    """The filtered list as an Excel workbook (every row, not only one page)."""
    filters = _list_filters(request)
    rows = ui_selectors.with_clocks(_filtered(request, filters)[:EXPORT_LIMIT])
    return _xlsx_response(rows, "cases")


def _xlsx_response(rows, name: str) -> HttpResponse:
    data = register.xlsx(rows, status_labels=STATUS_LABELS, level_labels=LEVEL_LABELS, sheet_title=_("Cases"))
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{clock.today():%Y%m%d}.xlsx"'
    return response


def _filters_text(filters: dict) -> str:
    """The list's filters in words, printed at the head of the register."""
    parts = []
    status = filters["status"]
    if status == "open":
        parts.append(str(_("open cases")))
    elif status in STATUS_LABELS:
        parts.append(str(STATUS_LABELS[status]))
    if filters["level"] in LEVEL_LABELS:
        parts.append(str(LEVEL_LABELS[filters["level"]]))
    if filters["view"] in VIEW_LABELS:
        parts.append(str(VIEW_LABELS[filters["view"]]))
    if filters["department"]:
        organisation = ui_selectors.departments().filter(code=filters["department"]).first()
        parts.append(organisation.name if organisation else filters["department"])
    if filters["q"]:
        parts.append(f"“{filters['q']}”")
    return "，".join(parts)


@role_required(*CASE_ROLES)
def case_register(request, fmt: str):
    """The register (台账) of the list as filtered, in the user's scope: a PDF to print or an Excel workbook."""
    filters = _list_filters(request)
    cases = list(_filtered(request, filters)[: register.LIMIT + 1])
    truncated = len(cases) > register.LIMIT
    rows = ui_selectors.with_clocks(cases[: register.LIMIT])
    if fmt == "xlsx":
        return _xlsx_response(rows, "register")
    staff = getattr(request.user, "staff", None)
    pdf = register.pdf(
        rows,
        title=str(_("Register of cases")),
        filters_text=_filters_text(filters),
        organisation=staff.organisation.name if staff else "",
        generated_by=(staff.full_name if staff else "") or request.user.username,
        status_labels=STATUS_LABELS,
        level_labels=LEVEL_LABELS,
        truncated=truncated,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="register-{clock.today():%Y%m%d}.pdf"'
    return response


# --------------------------------------------------------------------------------------------------
# The case page and its actions
# --------------------------------------------------------------------------------------------------


def _case_context(request, number: str) -> dict:
    try:
        case = selectors.get_case(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    department = case.department_now = selectors.department_of(case)  # read once: detail and buttons
    detail = selectors.case_detail(case)
    department_id = department.pk if department is not None else None
    actions = t.available_actions(case, request.user, department_id=department_id)
    procedures = [(code, SpecialProcedure(code).label) for code in (case.subitem.special_procedures or [])]
    materials = ui_selectors.materials_table(case)
    return {
        "case": case,
        "detail": detail,
        "clock": detail["clock"],
        "issuance": detail["issuance_clock"],
        "materials": materials,
        "events": [
            {**event, "label": EVENT_LABELS.get(event["action"], event["action"])}
            for event in detail["events"]
        ],
        "suspensions": list(case.suspensions.all()),
        "actions": [(a, ACTION_LABELS[a]) for a in actions],
        "action_names": set(actions),
        "procedures": procedures,
        "can_attach": case.status in case_files.UPLOAD_STATUSES
        and r.has_role(request.user, *case_files.UPLOAD_ROLES),
        "scan_types": case_files.ACCEPT,
        "has_scans": any(row["files"] for row in materials),
        "issue_methods": IssueMethod.choices,
        "documents": documents.available(case),
        "level_label": LEVEL_LABELS.get(detail["clock"]["level"]),
        "status_label": STATUS_LABELS[case.status],
        "can_remind": t.may(case, t.REMIND, request.user),
        "decide_fields": _decide_fields(case, request.POST if request.method == "POST" else {}),
        "result_kind_label": ResultKind(case.guide.result_kind).label if case.guide.result_kind else "",
    }


def _decide_fields(case, post, errors=None) -> list[dict]:
    """The guide's particulars for the decide form, with what was typed and the service's errors."""
    errors = errors or {}
    return [
        {
            **f,
            "value": post.get(f"particulars.{f['code']}", ""),
            "errors": errors.get(f"particulars_{f['code']}", []),
        }
        for f in (case.guide.result_fields or [])
    ]


@role_required(*CASE_ROLES)
def case_detail(request, number):
    """The case; with ?personal=1 the applicant's full ID number and phone, for the roles that work with
    them, each such view in the audit log."""
    context = _case_context(request, number)
    case = context["case"]
    context["can_reveal"] = personal_data.can_view(request.user, case)
    if request.GET.get("personal") == "1" and context["can_reveal"]:
        context["personal"] = personal_data.reveal(actor=request.user, case=case)
    return render(request, "cases/case_detail.html", context)


def _action_params(action: str, post) -> dict:
    """The form fields each action takes (the services validate them)."""
    if action == t.SUPPLEMENT:
        return {"materials": post.getlist("materials")}
    if action in (t.REJECT, t.WITHDRAW, t.RETURN):
        return {"reason": post.get("reason", "")}
    if action == t.SUSPEND:
        days = post.get("planned_days", "").strip()
        people = post.get("participants", "").replace("，", ",").replace("、", ",").replace("\n", ",")
        return {
            "procedure": post.get("procedure", ""),
            "reason": post.get("reason", ""),
            "planned_days": optional_int(days),
            "participants": [p.strip() for p in people.split(",") if p.strip()],
        }
    if action == t.RESUME:
        return {"outcome": post.get("outcome", "")}
    if action == t.EXTEND:
        return {"days": post.get("days", "").strip() or None, "reason": post.get("reason", "")}
    if action == t.DECIDE:
        particulars = {k.split(".", 1)[1]: v for k, v in post.items() if k.startswith("particulars.")}
        return {
            "decision": post.get("decision") or None,
            "reason": post.get("reason", ""),
            "particulars": particulars,
        }
    if action == t.ISSUE:
        return _issue_params(post)
    return {}


def _issue_params(post) -> dict:
    """The issue form of the case page (method, recipient) or of the issuance desk (self/agent or mail)."""
    method = post.get("method") or None
    if "mail_address" not in post and "agent_name" not in post:
        return {"method": method, "recipient": post.get("recipient", "")}
    if method == IssueMethod.MAIL:
        return {
            "method": method,
            "recipient": post.get("mail_addressee", ""),
            "address": post.get("mail_address", ""),
            "carrier": post.get("mail_carrier", ""),
            "tracking_number": post.get("mail_tracking_number", ""),
        }
    agent = post.get("recipient_kind") == "agent"
    return {
        "method": method,
        "recipient_kind": post.get("recipient_kind") or "self",
        "recipient": post.get("agent_name", "") if agent else "",
        "recipient_id_number": post.get("agent_id_number", "") if agent else "",
    }


# The desk form's field names for the service's error keys.
ISSUE_FORM_FIELDS = {
    "recipient": "agent_name",
    "recipient_id_number": "agent_id_number",
    "address": "mail_address",
    "tracking_number": "mail_tracking_number",
}


DONE_MESSAGES = {
    t.SUPPLEMENT: gettext_lazy("Materials recorded."),
    t.REJECT: gettext_lazy("Not accepted. Print the rejection notice for the applicant."),
    t.WITHDRAW: gettext_lazy("The application was withdrawn."),
    t.CLAIM: gettext_lazy("You have claimed this case."),
    t.SUSPEND: gettext_lazy(
        "Special procedure started; the clock is stopped. Print the written notice for the applicant."
    ),
    t.RESUME: gettext_lazy("Special procedure ended; the clock runs again."),
    t.EXTEND: gettext_lazy("Time limit extended."),
    t.RETURN: gettext_lazy("Returned to the window."),
    t.DECIDE: gettext_lazy("Decision recorded. Produce the result next."),
    t.PRODUCE_RESULT: gettext_lazy("Result produced and sent to the issuing window."),
    t.ISSUE: gettext_lazy("Result issued. Print the hand-over slip."),
}


@role_required(*ACTING_ROLES)
@require_POST
def case_action(request, number, action):
    """One action on the case at the version the page showed; a stale version changes nothing."""
    if action not in t.ACTIONS:
        raise Http404
    try:
        services.perform(
            actor=request.user,
            case=number,
            action=action,
            version=request.POST.get("version"),
            **_action_params(action, request.POST),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        if action == t.ISSUE and request.POST.get("next") == "desk":
            return _issuance_page(request, q=number, form_error=exc, status=exc.status)
        context = _case_context(request, number)
        context["action_error"] = {
            "action": action,
            "message": _message(exc),
            "errors": _field_errors(exc),
            "values": request.POST,
        }
        if action == t.DECIDE:
            context["decide_fields"] = _decide_fields(context["case"], request.POST, _field_errors(exc))
        return render(request, "cases/case_detail.html", context, status=exc.status)
    messages.success(request, DONE_MESSAGES[action])
    if action == t.ISSUE and request.POST.get("next") == "desk":
        return redirect("cases:issuance")
    return redirect("cases:case", number=number)


@role_required(*CASE_ROLES)
@require_POST
def case_file_upload(request, number, material):
    """The window attaches scans of one material (several files at once, or one replacing a file)."""
    uploads = request.FILES.getlist("file")
    try:
        stored = case_files.attach(
            actor=request.user,
            case=number,
            material=material,
            uploads=uploads,
            replaces=request.POST.get("replaces") or None,
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        context = _case_context(request, number)
        context["action_error"] = {
            "action": f"scan-{material}",
            "message": _message(exc),
            "errors": _field_errors(exc),
            "values": request.POST,
        }
        return render(request, "cases/case_detail.html", context, status=exc.status)
    added = sum(1 for _file, created in stored if created)
    if added:
        messages.success(
            request, _("%(count)s scan(s) attached to %(material)s.") % {"count": added, "material": material}
        )
    else:
        messages.info(request, _("These scans are already on record."))
    return redirect(reverse("cases:case", kwargs={"number": number}) + "#materials")


@role_required(*CASE_ROLES)
@require_GET
@xframe_options_sameorigin
def case_file(request, number, file_id):
    """The bytes of a scan, for the case page's viewer: only to those who may see the case (404 else)."""
    try:
        found = selectors.get_case_file(request.user, file_id, number=number)
    except NotFound as exc:
        raise Http404 from exc
    response = storage.bytes_response(found)
    response["Content-Security-Policy"] = STORED_FILE_POLICY  # framed by the case page's viewer
    return response


@role_required(*CASE_ROLES)
def case_document(request, number, kind, index=None):
    """A printable document of the case, rendered now from the stored case and result (never inside an action)."""
    try:
        case = selectors.get_case(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    pdf = documents.render(case, kind, index=index)  # links and QR codes: ONEWINDOW_PUBLIC_URL
    if pdf is None:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    return response


# --------------------------------------------------------------------------------------------------
# The unified issuing window
# --------------------------------------------------------------------------------------------------


@role_required(r.ISSUING_CLERK)
def issuance_desk(request):
    """Find a case (scanned receipt, number, applicant), results waiting (those beyond art. 44 flagged),
    and what was handed out today."""
    return _issuance_page(request, q=request.GET.get("q", ""))


def _issuance_page(request, *, q: str, form_error: DomainError | None = None, status: int = 200):
    q = (q or "").strip()
    found, matches = issuance.find(request.user, q) if q else (None, [])
    found_row = None
    if found is not None:
        found_row = ui_selectors.with_clocks([found])[0]
        found_row.result = documents._result(found)
    form_errors = {}
    if form_error is not None:
        form_errors = {ISSUE_FORM_FIELDS.get(k, k): v for k, v in _field_errors(form_error).items()}
        form_errors = form_errors or {"form": [_message(form_error)]}
    waiting = ui_selectors.case_list(request.user, status=CaseStatus.RESULT_READY).order_by(
        "decided_at", "pk"
    )
    today = clock.today()
    issued = (
        ui_selectors.case_list(request.user, status=CaseStatus.ISSUED)
        .filter(issued_by=request.user)
        .order_by("-issued_at")[:20]
    )
    rows = ui_selectors.with_clocks(waiting[:200])
    return render(
        request,
        "cases/issuance.html",
        {
            "q": q,
            "found": found_row,
            "matches": matches,
            "not_found": _("No case in your scope matches “%(q)s”.") % {"q": q},
            "form_errors": form_errors,
            "form_values": request.POST if form_error is not None else {},
            "rows": rows,
            "overdue_count": sum(
                1 for row in rows if row.issuance and row.issuance.level == case_clock.OVERDUE
            ),
            "issuance_days": case_clock.ISSUANCE_DAYS,
            "issued": [c for c in issued if clock.local_date(c.issued_at) == today],
            "issue_methods": IssueMethod.choices,
            "level_labels": LEVEL_LABELS,
        },
        status=status,
    )


# --------------------------------------------------------------------------------------------------
# Public pages: progress query and result verification (no login, no personal data)
# --------------------------------------------------------------------------------------------------


def public_progress(request):
    # The form posts (the phone digits stay out of URLs, history and access logs); a link with
    # ?number=… (the QR code on the receipt) or ?number=…&check=… still works.
    data = request.POST if request.method == "POST" else request.GET
    number = data.get("number", "").strip()
    check = data.get("check", "").strip()
    context = {"number": number, "check": check}
    status = 200
    if number or check:
        try:
            with throttle.guarded(request, "case", number):
                progress = selectors.public_case(number, check)
            progress["status_label"] = STATUS_LABELS[progress["status"]]
            for step in progress["steps"]:
                step["label"] = PUBLIC_STEP_LABELS.get(step["step"], step["label"])
            context["progress"] = progress
            # Panels of the apps above (the 好差评 form of ratings): cases.hooks.public_case_panels.
            context["panels"] = [
                p for p in (panel(request, progress, check) for panel in hooks.public_case_panels) if p
            ]
        except TooManyRequests as exc:
            context["error"] = exc.message
            status = 429
        except NotFound:
            context["error"] = _(
                "No case matches this number and these digits. Check the case number on your receipt "
                "and the last 4 digits of the phone number you gave."
            )
            status = 404
    return render(request, "cases/public_progress.html", context, status=status)


def public_verify(request):
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("cases:public_result", code=codes.clean(code))
    return render(request, "cases/public_result.html", {"asked": False})


def public_result(request, code):
    try:
        throttle.check(request, "result")
    except TooManyRequests as exc:
        context = {"asked": True, "code": code, "error": exc.message}
        return render(request, "cases/public_result.html", context, status=429)
    result = selectors.result_by_code(code)
    context = {"asked": True, "code": code, "result": result}
    return render(request, "cases/public_result.html", context, status=200 if result else 404)
