"""The login pages: password, then the second factor (or its forced set-up), then a new password when the
old one is a one-time or expired one. Thin: org.security and org.accounts do the work."""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from onewindow.core.errors import DomainError, InvalidInput, TooManyRequests
from onewindow.core.qr import qr_svg
from onewindow.org import accounts, security
from onewindow.org.middleware import GATE_URLS, LAST_SEEN_KEY

NEXT_SESSION_KEY = "onewindow_next"


class LoginForm(forms.Form):
    username = forms.CharField(max_length=150)
    password = forms.CharField(max_length=256, strip=False)


class CodeForm(forms.Form):
    otp = forms.CharField(label=gettext_lazy("One-time code"), max_length=12)


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=gettext_lazy("Current password"), max_length=256, strip=False)
    new_password = forms.CharField(label=gettext_lazy("New password"), max_length=256, strip=False)
    new_password2 = forms.CharField(label=gettext_lazy("New password again"), max_length=256, strip=False)

    def clean(self):
        data = super().clean()
        if data.get("new_password") and data.get("new_password") != data.get("new_password2"):
            self.add_error("new_password2", _("The two new passwords differ."))
        return data


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _continue(request):
    """To the first unfinished step of the login, else where the person was going."""
    gates = request.session.get(security.GATES_SESSION_KEY) or []
    if gates:
        return redirect(GATE_URLS[gates[0]])
    return redirect(request.session.pop(NEXT_SESSION_KEY, "") or "home")


def _pass_gate(request, gate: str) -> None:
    gates = request.session.get(security.GATES_SESSION_KEY) or []
    request.session[security.GATES_SESSION_KEY] = [g for g in gates if g != gate]


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    error = ""
    status = 200
    form = LoginForm(request.POST or None)
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST" and form.is_valid():
        try:
            user = security.check_password_step(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except TooManyRequests as exc:
            error, status = str(exc.message), 429
        except DomainError:
            error = _("Wrong username or password. Please try again.")
        else:
            gates = security.gates_for(user)
            auth_login(request, user)
            request.session[security.GATES_SESSION_KEY] = gates
            request.session[LAST_SEEN_KEY] = int(time.time())
            request.session[NEXT_SESSION_KEY] = next_url
            security.page_password_accepted(request=request, user=user, gates=gates)
            return _continue(request)
    elif request.method == "POST":
        error = _("Wrong username or password. Please try again.")
    return render(
        request,
        "registration/login.html",
        {"form": form, "error": error, "next": next_url},
        status=status,
    )


@sensitive_post_parameters("otp")
@login_required
@never_cache
def verify_view(request):
    """The second step of the login: the code of the person's authenticator app."""
    if security.GATE_OTP not in (request.session.get(security.GATES_SESSION_KEY) or []):
        return _continue(request)
    form = CodeForm(request.POST or None)
    error, status = "", 200
    if request.method == "POST" and form.is_valid():
        try:
            security.verify_second_factor(request=request, user=request.user, otp=form.cleaned_data["otp"])
        except TooManyRequests as exc:
            error, status = str(exc.message), 429
        except DomainError as exc:
            error = str(exc.message)
        else:
            _pass_gate(request, security.GATE_OTP)
            return _continue(request)
    return render(request, "org/security/verify.html", {"form": form, "error": error}, status=status)


@sensitive_post_parameters("otp")
@login_required
@never_cache
def two_factor_view(request):
    """Set up (or replace) the TOTP device: the otpauth URI as a QR code and the secret, confirmed by a code.
    Forced for the roles of ONEWINDOW_REQUIRE_2FA_ROLES at their first login; open to everyone."""
    user = request.user
    gates = request.session.get(security.GATES_SESSION_KEY) or []
    if security.GATE_OTP in gates:
        return _continue(request)  # prove the current device first
    form = CodeForm(request.POST or None)
    error = ""
    device = security.pending_device(user)
    if request.method == "POST" and form.is_valid():
        try:
            security.confirm_enrolment(user=user, device=device, otp=form.cleaned_data["otp"])
        except DomainError as exc:
            error = str(exc.message)
        else:
            from django_otp import login as otp_login

            otp_login(request, device)
            _pass_gate(request, security.GATE_ENROL)
            messages.success(request, _("Two-factor login is on for your account."))
            return _continue(request)
    if device is None:
        device = security.start_enrolment(user=user)
    uri = device.config_url
    return render(
        request,
        "org/security/two_factor.html",
        {
            "form": form,
            "error": error,
            "qr": qr_svg(uri),
            "uri": uri,
            "secret": security.device_secret(device),
            "enabled": security.confirmed_device(user) is not None,
            "required": security.requires_two_factor(user),
            "forced": security.GATE_ENROL in gates,
        },
    )


@sensitive_post_parameters("old_password", "new_password", "new_password2")
@login_required
@never_cache
def password_view(request):
    """Change one's own password; forced after a reset (one-time password) or when it expired."""
    form = PasswordChangeForm(request.POST or None)
    gates = request.session.get(security.GATES_SESSION_KEY) or []
    if request.method == "POST" and form.is_valid():
        try:
            accounts.change_password(
                user=request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except InvalidInput as exc:
            for field, problems in exc.errors.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            update_session_auth_hash(request, request.user)
            _pass_gate(request, security.GATE_PASSWORD)
            messages.success(request, _("Your password was changed."))
            return _continue(request)
    return render(
        request,
        "org/security/password.html",
        {"form": form, "forced": security.GATE_PASSWORD in gates},
        status=400 if form.errors else 200,
    )
