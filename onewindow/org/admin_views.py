"""The three administrators' own pages (三员分立): accounts for the system administrator, roles for the
security administrator, the audit log for the audit administrator. Thin: org.accounts does the writes."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onewindow.core import refusals
from onewindow.core.errors import DomainError
from onewindow.org import accounts, audit_log, selectors
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.org.models import Organisation

User = get_user_model()


def _account(username: str):
    user = selectors.accounts().filter(username=username).first()
    if user is None:
        raise Http404
    return user


def _rows(users):
    return [
        {
            "user": user,
            "staff": getattr(user, "staff", None),
            "roles": [r.ROLE_LABELS[g.name] for g in user.groups.all() if g.name in r.ROLE_LABELS],
            "role_codes": sorted(g.name for g in user.groups.all()),
            "administrator": accounts.is_administrator(user),
        }
        for user in users
    ]


# --- System administrator: accounts ---------------------------------------------------------------


class AccountForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=40)
    full_name = forms.CharField(label=gettext_lazy("Full name"), max_length=60)
    department = forms.ChoiceField(label=gettext_lazy("Organisation"))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(o.code, o.name) for o in Organisation.objects.all()]


@role_required(r.SYSADMIN)
@never_cache
def account_list(request):
    return render(
        request,
        "org/admin/accounts.html",
        {"rows": _rows(selectors.accounts()), "form": AccountForm(), "me": request.user},
    )


@role_required(r.SYSADMIN)
@never_cache
def account_create(request):
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff, password = accounts.create_account(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            refusals.note(request, exc)  # audited after the rollback (org.refusals)
            for field, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            # Shown once, never stored in clear: the person changes it at the first login.
            return render(
                request, "org/admin/one_time_password.html", {"account": staff.user, "password": password}
            )
    return render(request, "org/admin/account_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required(r.SYSADMIN)
@require_POST
@never_cache
def account_action(request, username):
    user = _account(username)
    action = request.POST.get("action", "")
    try:
        if action == "reset":
            password = accounts.reset_password(actor=request.user, user=user)
            return render(
                request, "org/admin/one_time_password.html", {"account": user, "password": password}
            )
        if action in ("disable", "enable"):
            accounts.set_active(actor=request.user, user=user, active=action == "enable")
            messages.success(
                request, _("The account %(username)s was changed.") % {"username": user.username}
            )
        else:
            messages.error(request, _("Unknown action."))
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, str(exc.message))
        return redirect("org:accounts")
    return redirect("org:accounts")


# --- Security administrator: roles ----------------------------------------------------------------


@role_required(r.SECADMIN)
@never_cache
def role_list(request):
    choices = [(code, r.ROLE_LABELS[code]) for code in r.ROLES]
    return render(
        request,
        "org/admin/roles.html",
        {"rows": _rows(selectors.accounts()), "choices": choices, "me": request.user},
    )


@role_required(r.SECADMIN)
@require_POST
@never_cache
def role_change(request, username):
    user = _account(username)
    role = request.POST.get("role", "")
    try:
        if request.POST.get("op") == "grant":
            accounts.grant_role(actor=request.user, user=user, role=role)
        elif request.POST.get("op") == "revoke":
            accounts.revoke_role(actor=request.user, user=user, role=role)
        else:
            raise Http404
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The roles of %(username)s were changed.") % {"username": user.username})
    return redirect("org:roles")


# --- Audit administrator: the audit log -----------------------------------------------------------


class AuditFilterForm(forms.Form):
    start = forms.DateField(label=gettext_lazy("From"), required=False)
    end = forms.DateField(label=gettext_lazy("To"), required=False)
    actor = forms.CharField(label=gettext_lazy("Actor"), max_length=150, required=False)
    action = forms.CharField(label=gettext_lazy("Action"), max_length=80, required=False)
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False)


@role_required(r.AUDITOR)
@never_cache
def audit_view(request):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "org/admin/audit.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    filters = {
        "from": data["start"].isoformat() if data.get("start") else "",
        "to": data["end"].isoformat() if data.get("end") else "",
        "actor": data.get("actor") or "",
        "action": data.get("action") or "",
    }
    qs = audit_log.entries(
        since=audit_log.parse_bound(filters["from"], field="start"),
        until=audit_log.parse_bound(filters["to"], field="end", end=True),
        actor=filters["actor"],
        action=filters["action"],
    )
    fmt = request.GET.get("format", "")
    if fmt:
        try:
            body, content_type = audit_log.export(actor=request.user, qs=qs, fmt=fmt, filters=filters)
        except DomainError as exc:
            refusals.note(request, exc)  # audited after the rollback (org.refusals)
            messages.error(request, str(exc.message))
            return redirect("org:audit")
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="audit.{fmt}"'
        return response
    paginator = Paginator(qs, 50)
    page = paginator.get_page(data.get("page") or 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "org/admin/audit.html",
        {"form": form, "page": page, "query": query.urlencode(), "sealing": audit_log.sealing()},
    )
