"""The inbox's kinds and its e-mail copies.

Kinds are a registry: each app registers the kinds it posts (in its AppConfig.ready(), or here for the
apps below org's hook users), so that the page's filter and the API schema's enum know every one and
`org.services.notify` refuses a kind nobody declared."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

_KINDS: dict[str, str | Promise] = {}


def register_kind(code: str, label: str | Promise) -> None:
    """Declare a notification kind (a dotted code of at most 40 characters) and its label for people."""
    if not code or len(code) > 40 or "." not in code:
        raise ValueError(f"a notification kind is a dotted code of at most 40 characters, not {code!r}")
    _KINDS[code] = label


def kinds() -> dict[str, str | Promise]:
    """Every registered kind → its label, sorted by code."""
    return dict(sorted(_KINDS.items()))


def label(code: str) -> str:
    return str(_KINDS.get(code, code))


# The kinds posted before the registry existed (cases' reminders, catalogue's publications).
register_kind("cases.reminder", gettext_lazy("Reminder"))
register_kind("catalogue.guide_published", gettext_lazy("Service guide published"))


def email_enabled() -> bool:
    """E-mail copies go out only when an operator configured e-mail (ONEWINDOW_EMAIL_BACKEND)."""
    return bool(getattr(settings, "ONEWINDOW_EMAIL_NOTIFICATIONS", False))


def recipients_with_address(notification) -> list[str]:
    """The e-mail addresses of the active people who see `notification`, each once."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    addressed = set(users.filter(addressed_notifications=notification).values_list("email", flat=True))
    if notification.recipient_id is not None:
        addressed |= set(
            users.filter(staff__organisation_id=notification.recipient_id).values_list("email", flat=True)
        )
    return sorted(addressed)


def send_email_copies(notification_id: int) -> int:
    """Send the notification to each recipient with an address, one message each (nobody sees the others'
    addresses); runs after the commit that posted it. A mail server's failure is logged, never raised: the
    notification itself is in the inbox already. Returns how many messages were handed to the backend."""
    from onewindow.org.models import Notification

    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return 0
    addresses = recipients_with_address(notification)
    if not addresses:
        return 0
    link = notification.link
    if link.startswith("/"):
        link = settings.ONEWINDOW_PUBLIC_URL + link
    subject = f"[{_('OneWindow')}] {notification.title}"
    text = "\n\n".join(part for part in (notification.body, link) if part) or notification.title
    messages = [
        EmailMessage(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address])
        for address in addresses
    ]
    try:
        with get_connection(fail_silently=False) as connection:
            return connection.send_messages(messages) or 0
    except Exception:  # a failing mail server must not fail a change that has already committed
        logger.exception(
            "e-mail copies of notification %s (%s) to %d recipients failed",
            notification.pk,
            notification.kind,
            len(addresses),
        )
        return 0
