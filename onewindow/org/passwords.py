"""The password policy's own validators, the password history and expiry (Django's validators do the rest)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def security_now() -> dt.datetime:
    """Real time for security timers (password age, lockout, idle sessions): moving the business clock
    (core.clock, in tests and demos) must neither lock people out nor expire their passwords."""
    return timezone.now()


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassValidator:
    """At least `min_classes` of: lower case, upper case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return _(
            "Your password must mix at least %(count)d of: lower-case letters, capital letters, digits, other characters."
        ) % {"count": self.min_classes}


class NotUsernameValidator:
    """Neither the username nor (for usernames of 4 characters or more) containing it."""

    def validate(self, password, user=None):
        username = (getattr(user, "username", "") or "").lower()
        lowered = password.lower()
        if username and (lowered == username or (len(username) >= 4 and username in lowered)):
            raise ValidationError(self.get_help_text(), code="password_is_username")

    def get_help_text(self):
        return _("Your password must not be or contain your username.")


class PasswordHistoryValidator:
    """None of the last `keep` passwords again; `password_changed` keeps the history and the change time,
    and ends the user's API tokens, whichever way the password was set (service, CLI, Django command)."""

    def __init__(self, keep: int = 5):
        self.keep = keep

    def _recent(self, user):
        from onewindow.org.models import PasswordHistory

        return PasswordHistory.objects.filter(user=user).order_by("-set_at", "-pk")[: self.keep]

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        if any(check_password(password, entry.password) for entry in self._recent(user)):
            raise ValidationError(
                ngettext(
                    "Your password must differ from your last password.",
                    "Your password must differ from your last %(count)d passwords.",
                    self.keep,
                )
                % {"count": self.keep},
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        from onewindow.org.models import ApiToken, Credential, PasswordHistory

        if user is None or user.pk is None:
            return
        now = security_now()
        PasswordHistory.objects.create(user=user, password=user.password, set_at=now)
        stale = list(
            PasswordHistory.objects.filter(user=user).order_by("-set_at", "-pk").values_list("pk", flat=True)
        )[self.keep :]
        if stale:
            PasswordHistory.objects.filter(pk__in=stale).delete()
        Credential.objects.update_or_create(
            user=user, defaults={"password_changed_at": now, "must_change_password": False}
        )
        # A new password ends every Bearer token issued under the old one.
        ApiToken.objects.filter(user=user).delete()

    def get_help_text(self):
        return ngettext(
            "Your password must differ from your last password.",
            "Your password must differ from your last %(count)d passwords.",
            self.keep,
        ) % {"count": self.keep}


def password_expired(user) -> bool:
    """True when the password is older than ONEWINDOW_PASSWORD_MAX_AGE_DAYS (0: passwords never expire)."""
    days = settings.ONEWINDOW_PASSWORD_MAX_AGE_DAYS
    if days <= 0:
        return False
    credential = getattr(user, "credential", None)
    changed = (credential.password_changed_at if credential else None) or user.date_joined
    return security_now() - changed > dt.timedelta(days=days)


def must_change_password(user) -> bool:
    """A one-time password (after a reset) or an expired one: the next login must set a new one."""
    from onewindow.org.models import Credential

    credential = Credential.objects.filter(user=user).first()
    if credential is not None and credential.must_change_password:
        return True
    return password_expired(user)
