"""Template context: the current user's roles and unread notifications, for the header."""

from django.utils.functional import SimpleLazyObject

from onewindow.org import roles as r
from onewindow.org.selectors import unread_notification_count


def roles(request):
    user = getattr(request, "user", None)
    mine = r.roles_of(user)
    return {
        "my_roles": mine,
        "role_labels": [r.ROLE_LABELS[x] for x in r.ROLES if x in mine],
        # Counted only when a page shows it (not on public pages, PDFs or anonymous requests).
        "unread_notifications": SimpleLazyObject(lambda: unread_notification_count(user)),
    }
