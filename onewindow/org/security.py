"""Login protection: lockout counted in the database, the second factor (TOTP), Bearer tokens, and an audit
entry for every login, failure, lockout and logout — the same rules for the login page and /auth/token."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.core import audit, clock, throttle
from onewindow.core.errors import NotAuthenticated, PermissionDenied, TooManyRequests
from onewindow.org import roles as r
from onewindow.org.models import ApiToken, LoginAttempt, LoginOutcome
from onewindow.org.passwords import must_change_password, security_now
from onewindow.org.selectors import audit_context

PAGE = "page"
TOKEN = "token"

# What the login page still has to ask before the session is whole, in this order.
GATE_OTP = "otp"  # the account has a confirmed TOTP device: its code
GATE_ENROL = "enrol"  # the role needs a second factor and the account has none yet: set one up
GATE_PASSWORD = "password"  # a one-time or expired password: set a new one
GATES_SESSION_KEY = "onewindow_gates"


def record(*, action: str, actor=None, success: bool = True, **kwargs):
    """audit.record with the actor's role, organisation and region filled in."""
    if actor is not None and getattr(actor, "pk", None) is not None:
        kwargs.setdefault("role", r.primary_role(actor))
        for key, value in audit_context(actor).items():
            kwargs.setdefault(key, value)
    return audit.record(action=action, actor=actor, success=success, **kwargs)


def claimed_actor(username: str):
    """The account a login names: the user when it exists, else the bare name (actor id empty)."""
    from types import SimpleNamespace

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    return user if user is not None else SimpleNamespace(pk=None, username=username or "?")


def client_address(request) -> str:
    """The client's address as every rate limit counts it (core.throttle.client_ip: behind the configured
    proxy, ONEWINDOW_BEHIND_PROXY, the address the proxy names, else the peer's); "" when unknown."""
    if request is None:
        return ""
    address = throttle.client_ip(request)
    return "" if address == "unknown" else address[:45]


# --- Lockout --------------------------------------------------------------------------------------


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.ONEWINDOW_LOGIN_WINDOW_MINUTES)


def _counted_failures(username: str, now: dt.datetime) -> list[dt.datetime]:
    """Times of the account's failures within the window since its last successful login, newest first."""
    since = now - _window()
    last_success = (
        LoginAttempt.objects.filter(username=username, outcome=LoginOutcome.SUCCESS, at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failures = LoginAttempt.objects.filter(username=username, outcome=LoginOutcome.FAILURE, at__gte=since)
    if last_success is not None:
        failures = failures.filter(at__gt=last_success)
    return list(
        failures.order_by("-at").values_list("at", flat=True)[: settings.ONEWINDOW_LOGIN_MAX_FAILURES]
    )


def locked_until(username: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the account's lock lifts, or None when it is not locked."""
    now = now or security_now()
    failures = _counted_failures(username, now)
    if len(failures) < settings.ONEWINDOW_LOGIN_MAX_FAILURES:
        return None
    return failures[-1] + _window()


def _address_refusal(address: str, now: dt.datetime) -> tuple[str, int] | None:
    """(message, retry-after seconds) when the address made too many attempts, else None."""
    if not address:
        return None
    recent = LoginAttempt.objects.filter(address=address)
    if (
        recent.filter(at__gte=now - dt.timedelta(minutes=1)).count()
        >= settings.ONEWINDOW_LOGIN_ADDRESS_PER_MINUTE
    ):
        return _("Too many login attempts from your address; wait a minute."), 60
    failures = recent.filter(outcome=LoginOutcome.FAILURE, at__gte=now - _window()).count()
    if failures >= settings.ONEWINDOW_LOGIN_ADDRESS_MAX_FAILURES:
        return _("Too many failed logins from your address; try again later."), int(_window().total_seconds())
    return None


def _note(username: str, address: str, channel: str, outcome: str, now: dt.datetime) -> None:
    attempt = LoginAttempt.objects.create(
        username=username, address=address, channel=channel, outcome=outcome, at=now
    )
    # Keep the table small: a day of attempts is plenty for the windows (the audit chain keeps all).
    if attempt.pk % 200 == 0:
        LoginAttempt.objects.filter(at__lt=now - dt.timedelta(days=1)).delete()


def _too_many(message: str, code: str, retry_after: int) -> TooManyRequests:
    error = TooManyRequests(message, code=code)
    error.retry_after = max(1, retry_after)
    return error


def _refuse_if_blocked(*, username: str, address: str, channel: str, now: dt.datetime) -> None:
    """Refuse (429) before looking at the password when the account is locked or the address over its limit;
    such a refusal is noted and audited but does not extend the lock."""
    refusal = _address_refusal(address, now)
    error = None
    if refusal is not None:
        error = _too_many(refusal[0], "auth.rate_limited", refusal[1])
        outcome = LoginOutcome.LIMITED
    else:
        until = locked_until(username, now)
        if until is not None:
            minutes = max(1, int((until - now).total_seconds() + 59) // 60)
            error = _too_many(
                _("This account is locked after too many failed logins; try again in %(minutes)d minutes.")
                % {"minutes": minutes},
                "auth.locked",
                int((until - now).total_seconds()),
            )
            outcome = LoginOutcome.LOCKED
    if error is None:
        return
    with transaction.atomic():
        _note(username, address, channel, outcome, now)
        record(
            action=f"auth.{'login' if channel == PAGE else 'token'}.refused",
            actor=claimed_actor(username),
            success=False,
            object_type="auth.user",
            object_id=username,
            detail={"username": username, "address": address, "reason": error.code},
        )
    raise error


def _fail(*, username: str, address: str, channel: str, now: dt.datetime, reason: str, user=None):
    """Note and audit a failure; the failure that reaches the limit locks the account (audited too)."""
    user = user or claimed_actor(username)
    with transaction.atomic():
        _note(username, address, channel, LoginOutcome.FAILURE, now)
        record(
            action="auth.login.failed" if channel == PAGE else "auth.token.denied",
            actor=user,
            success=False,
            object_type="auth.user",
            object_id=username,
            detail={"username": username, "address": address, "reason": reason},
        )
        if len(_counted_failures(username, now)) == settings.ONEWINDOW_LOGIN_MAX_FAILURES:
            record(
                action="auth.lockout",
                actor=user,
                success=False,
                object_type="auth.user",
                object_id=username,
                detail={
                    "username": username,
                    "address": address,
                    "minutes": settings.ONEWINDOW_LOGIN_WINDOW_MINUTES,
                },
            )


def _succeed(*, user, address: str, channel: str, now: dt.datetime, action: str, obj=None, detail=None):
    with transaction.atomic():
        _note(user.get_username(), address, channel, LoginOutcome.SUCCESS, now)
        record(action=action, actor=user, obj=obj or user, detail={"address": address, **(detail or {})})


def check_password_step(*, request, username: str, password: str, channel: str = PAGE):
    """The user whose password this is, else TooManyRequests (locked, limited) or NotAuthenticated."""
    now = security_now()
    username = str(username or "")[:150]
    address = client_address(request)
    _refuse_if_blocked(username=username, address=address, channel=channel, now=now)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        _fail(username=username, address=address, channel=channel, now=now, reason="credentials")
        raise NotAuthenticated(_("Wrong username or password."), code="auth.invalid_credentials")
    return user


# --- The second factor ----------------------------------------------------------------------------


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def requires_two_factor(user) -> bool:
    """The roles named in ONEWINDOW_REQUIRE_2FA_ROLES (and any superuser) must log in with a second factor."""
    return bool(user.is_superuser or r.has_role(user, *settings.ONEWINDOW_REQUIRE_2FA_ROLES))


def _verify_otp(user, device, otp: str) -> bool:
    otp = "".join(str(otp or "").split())
    return bool(otp.isdigit() and device is not None and device.verify_token(otp))


def gates_for(user) -> list[str]:
    """What the login still needs from `user` after the password, in order."""
    gates = []
    if confirmed_device(user) is not None:
        gates.append(GATE_OTP)
    elif requires_two_factor(user):
        gates.append(GATE_ENROL)
    if must_change_password(user):
        gates.append(GATE_PASSWORD)
    return gates


def start_enrolment(*, user):
    """A fresh unconfirmed TOTP device for `user` (replacing an earlier unconfirmed one)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)


def pending_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def device_secret(device) -> str:
    """The base32 secret a person types into an authenticator app when scanning is not possible."""
    return base64.b32encode(device.bin_key).decode()


def confirm_enrolment(*, user, device, otp: str) -> None:
    """Confirm the pending device with its first code; it replaces any earlier device."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if device is None or device.user_id != user.pk or not _verify_otp(user, device, otp):
        raise NotAuthenticated(
            _("The code is not valid; check the time on your phone and try again."), code="auth.otp"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        record(action="auth.2fa.enrol", actor=user, obj=user, detail={"device": device.persistent_id})


def verify_second_factor(*, request, user, otp: str) -> None:
    """The OTP step of the login page: a wrong code counts as a failed login (and can lock the account)."""
    now = security_now()
    address = client_address(request)
    username = user.get_username()
    _refuse_if_blocked(username=username, address=address, channel=PAGE, now=now)
    device = confirmed_device(user)
    if not _verify_otp(user, device, otp):
        _fail(username=username, address=address, channel=PAGE, now=now, reason="otp", user=user)
        raise NotAuthenticated(
            _("The code is not valid; check the time on your phone and try again."), code="auth.otp"
        )
    from django_otp import login as otp_login

    otp_login(request, device)
    _succeed(user=user, address=address, channel=PAGE, now=now, action="auth.login", detail={"otp": True})


def page_password_accepted(*, request, user, gates: list[str]) -> None:
    """Audit a page login whose password was right; with an OTP gate the login counts once the code is in."""
    if GATE_OTP not in gates:
        _succeed(
            user=user,
            address=client_address(request),
            channel=PAGE,
            now=security_now(),
            action="auth.login",
            detail={"otp": False, "gates": gates},
        )


# --- Bearer tokens --------------------------------------------------------------------------------


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    *, username: str, password: str, otp: str | None = None, request=None
) -> tuple[str, dt.datetime]:
    """A Bearer token for the right password (and the TOTP code once the account has a device);
    wrong credentials 401, a locked account or a busy address 429, a password that must change first or
    a role that must log in with two factors but has not enrolled yet 403."""
    user = check_password_step(request=request, username=username, password=password, channel=TOKEN)
    now = security_now()
    address = client_address(request)
    device = confirmed_device(user)
    if device is not None and not _verify_otp(user, device, otp or ""):
        _fail(username=user.get_username(), address=address, channel=TOKEN, now=now, reason="otp", user=user)
        raise NotAuthenticated(
            _("This account logs in with two factors: send the current code as otp."),
            code="auth.otp_required",
        )
    # The password was right: what is refused below is noted as a success (it ends the failure count).
    if device is None and requires_two_factor(user):
        # The web pages make such a role enrol at its first login; a script must not get around that.
        _deny_token(user, address, now, reason="two_factor_enrolment_required")
        raise PermissionDenied(
            _(
                "Your role logs in with two factors: set up an authenticator app at your first login to the "
                "web pages, then send its current code as otp."
            ),
            code="auth.2fa_enrolment_required",
        )
    if must_change_password(user):
        _deny_token(user, address, now, reason="password_change_required")
        raise PermissionDenied(
            _("The password is a one-time or expired one: log in to the web pages and set a new one first."),
            code="auth.password_change_required",
        )
    return mint_token(user=user, address=address, otp=device is not None, now=now)


def _deny_token(user, address: str, now: dt.datetime, *, reason: str) -> None:
    with transaction.atomic():
        _note(user.get_username(), address, TOKEN, LoginOutcome.SUCCESS, now)
        record(
            action="auth.token.denied",
            actor=user,
            success=False,
            obj=user,
            detail={"address": address, "reason": reason},
        )


def mint_token(*, user, address: str = "", otp: bool = False, now: dt.datetime | None = None):
    """A new Bearer token of `user`, stored hashed and audited: the last step of issue_token, once every
    check passed (tests use it directly where they take the second factor as done, like a signed-in page)."""
    raw = secrets.token_urlsafe(32)
    issued = clock.now()
    expires_at = issued + dt.timedelta(seconds=settings.ONEWINDOW_TOKEN_TTL_SECONDS)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, key_hash=hash_token(raw), created_at=issued, expires_at=expires_at
        )
        _note(user.get_username(), address, TOKEN, LoginOutcome.SUCCESS, now or security_now())
        record(action="auth.token.issue", actor=user, obj=token, detail={"address": address, "otp": otp})
    return raw, expires_at


def revoke_token(*, user, raw: str) -> None:
    """End the token `raw` of `user` at once (DELETE /auth/token)."""
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, key_hash=hash_token(raw)).first()
        if token is None:
            raise NotAuthenticated(_("Send a valid, unexpired Bearer token."), code="unauthenticated")
        record(action="auth.token.revoke", actor=user, obj=token)
        token.delete()


def revoke_all_tokens(user) -> int:
    """End every token of `user` (password change, deactivation); inside the caller's transaction."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted
