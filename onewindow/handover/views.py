"""HTML pages of the handover context: agreements, the seal registry, the progress dashboard (thin)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core import clock, refusals
from onewindow.core.errors import DomainError, NotFound
from onewindow.core.scoping import get_in_scope, in_scope
from onewindow.handover import documents, forms, selectors, services
from onewindow.handover.models import TERMS_FIELDS, AgreementState, AgreementStatus, state_condition
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.org.models import Organisation


def _agreement(request, pk):
    try:
        return get_in_scope(selectors.agreements(), request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def _region(request):
    return request.user.staff.organisation.region


def _form_errors(form, exc: DomainError) -> None:
    """Put a service's field errors on the form; the rest on the form as a whole."""
    mapping = {"receiving_department": "department"}
    shown = False
    for field, field_messages in exc.errors.items():
        name = mapping.get(field, field)
        for message in field_messages:
            if name in form.fields:
                form.add_error(name, str(message))
                shown = True
    if not shown:
        form.add_error(None, str(exc.message))


@role_required(*r.BUSINESS_ROLES)
def agreement_list(request):
    qs = in_scope(selectors.agreements(), request.user)
    status = request.GET.get("status", "")
    if status in AgreementState.values:
        qs = qs.filter(state_condition(status, clock.now()))
    return render(
        request,
        "handover/agreement_list.html",
        {
            "agreements": qs,
            "status": status,
            "statuses": AgreementState.choices,
            "can_draft": selectors.can_draft_agreements(request.user),
        },
    )


def _agreement_form_page(request, *, agreement=None, supersedes=None):
    """The one form for a new draft, an edit of a draft, and a draft superseding a signed agreement."""
    region = _region(request)
    fixed = (agreement or supersedes).department if (agreement or supersedes) else None
    source = agreement or supersedes
    if request.method == "POST":
        form = forms.AgreementForm(request.POST, region=region, fixed_department=fixed)
        chosen = request.POST.getlist("subitems")
        if form.is_valid():
            try:
                if agreement is not None:
                    saved = services.update_draft(
                        actor=request.user,
                        agreement=agreement,
                        subitems=chosen,
                        effective_at=form.cleaned_data["effective_at"],
                        **form.terms(),
                    )
                    messages.success(request, _("The draft was saved."))
                else:
                    saved = services.draft_agreement(
                        actor=request.user,
                        department=fixed or form.cleaned_data["department"],
                        subitems=chosen,
                        effective_at=form.cleaned_data["effective_at"],
                        supersedes=supersedes,
                        **form.terms(),
                    )
                    messages.success(
                        request, _("Agreement %(number)s was drafted.") % {"number": saved.number}
                    )
                return redirect("handover:agreement", pk=saved.pk)
            except DomainError as exc:
                refusals.note(request, exc)  # audited after the rollback (org.refusals)
                _form_errors(form, exc)
        department_code = fixed.code if fixed else request.POST.get("department", "")
    else:
        initial = {"rights_duties": forms.default_rights_duties(), "liaison": forms.default_liaison()}
        if source is not None:
            initial.update({key: getattr(source, key) for key in ("effective_at", *TERMS_FIELDS)})
        department_code = fixed.code if fixed else request.GET.get("department", "")
        initial["department"] = department_code
        form = forms.AgreementForm(initial=initial, region=region, fixed_department=fixed)
        chosen = [s.code for s in source.subitems.all()] if source is not None else None
    return render(
        request,
        "handover/agreement_form.html",
        {
            "form": form,
            "agreement": agreement,
            "supersedes": supersedes,
            "picker": _picker(region, department_code, chosen, agreement=agreement, supersedes=supersedes),
        },
    )


def _picker(region, department_code, chosen, *, agreement=None, supersedes=None) -> dict:
    department = Organisation.objects.filter(code=department_code, kind__in=selectors.RECEIVING_KINDS).first()
    if department is None:
        return {"department": None}
    groups = selectors.handover_candidates(region, department, agreement=agreement, supersedes=supersedes)
    if chosen is None:  # default: every sub-item the plan sends to this department
        chosen = [s.code for g in groups["targeted"] for s in g["subitems"]]
    return {"department": department, "groups": groups, "chosen": set(chosen)}


@role_required(r.SUPERVISOR)
def agreement_new(request):
    return _agreement_form_page(request)


@role_required(r.SUPERVISOR)
def agreement_subitems(request):
    """htmx: the sub-item picker for the department just chosen."""
    picker = _picker(_region(request), request.GET.get("department", ""), None)
    return render(request, "handover/_subitem_picker.html", {"picker": picker})


@role_required(r.SUPERVISOR)
def agreement_edit(request, pk):
    agreement = _agreement(request, pk)
    if agreement.status != AgreementStatus.DRAFT:
        messages.error(request, _("A signed agreement cannot be edited; draft a new one that supersedes it."))
        return redirect("handover:agreement", pk=pk)
    return _agreement_form_page(request, agreement=agreement)


@role_required(r.SUPERVISOR)
def agreement_supersede(request, pk):
    old = _agreement(request, pk)
    if old.status != AgreementStatus.SIGNED:
        messages.error(request, _("Only a signed agreement can be superseded."))
        return redirect("handover:agreement", pk=pk)
    return _agreement_form_page(request, supersedes=old)


@role_required(*r.BUSINESS_ROLES)
def agreement_detail(request, pk):
    agreement = _agreement(request, pk)
    context = documents.agreement_context(agreement)
    context.update(
        {
            "impact": selectors.impact_preview(agreement, user=request.user)
            if agreement.status == AgreementStatus.DRAFT
            else None,
            "can_sign": selectors.can_sign(request.user, agreement),
            "my_side": selectors.signing_side(request.user, agreement),
            "can_edit": selectors.can_edit(request.user, agreement),
            "can_supersede": selectors.can_supersede(request.user, agreement),
            "withdraw_form": forms.ReasonForm(),
        }
    )
    return render(request, "handover/agreement_detail.html", context)


@require_POST
@role_required(*r.BUSINESS_ROLES)
def agreement_sign(request, pk):
    try:
        agreement = selectors.agreement_to_sign(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        signed = services.sign_agreement(actor=request.user, agreement=agreement)
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        if exc.status == 403:
            raise DjangoPermissionDenied(exc.message) from exc
        messages.error(request, exc.message)
    else:
        if signed.status == AgreementStatus.SIGNED:
            messages.success(
                request, _("Both parties have signed; the handover takes effect at its effective time.")
            )
        else:
            messages.success(request, _("Your signature was recorded; the other party still has to sign."))
    return redirect("handover:agreement", pk=pk)


@require_POST
@role_required(r.SUPERVISOR)
def agreement_withdraw(request, pk):
    agreement = _agreement(request, pk)
    try:
        services.withdraw_draft(
            actor=request.user, agreement=agreement, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("The draft was withdrawn."))
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, exc.message)
    return redirect("handover:agreement", pk=pk)


@role_required(*r.BUSINESS_ROLES)
def agreement_pdf(request, pk):
    agreement = _agreement(request, pk)
    response = HttpResponse(documents.agreement_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{agreement.number}.pdf"'
    return response


@role_required(*r.BUSINESS_ROLES)
def seal_list(request):
    seals = in_scope(selectors.seals(), request.user)
    rows = [{"seal": s, "graphic": documents.seal_data_uri(s)} for s in seals]
    return render(
        request,
        "handover/seal_list.html",
        {"rows": rows, "can_void": selectors.can_void_seals(request.user), "form": forms.ReasonForm()},
    )


@require_POST
@role_required(r.SUPERVISOR)
def seal_void(request, pk):
    try:
        seal = get_in_scope(selectors.seals(), request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    try:
        services.void_seal(actor=request.user, seal=seal, reason=request.POST.get("reason", ""))
        messages.success(request, _("Seal %(name)s is void.") % {"name": seal.name})
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, exc.message)
    return redirect("handover:seals")


@role_required(r.SUPERVISOR)
def dashboard(request):
    region = _region(request)
    if request.method == "POST":
        form = forms.DeadlineForm(request.POST)
        if form.is_valid():
            services.set_deadline(actor=request.user, deadline=form.cleaned_data["deadline"])
            messages.success(request, _("The deadline was saved."))
            return redirect("handover:dashboard")
    else:
        form = forms.DeadlineForm(initial={"deadline": selectors.deadline(region)})
    context = {"progress": selectors.progress(region), "form": form, "states": _state_labels()}
    return render(request, "handover/dashboard.html", context)


def _state_labels() -> dict:
    """{state: label}: the dashboard names the states as the list and the agreement page do."""
    return {state.value: state.label for state in AgreementState}
