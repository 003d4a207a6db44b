"""Template filters of the org context: a role code as the clerk reads it."""

from django import template

from onewindow.org import roles as r

register = template.Library()


@register.filter
def role_label(code: str) -> str:
    """The Chinese name of a role code (an unknown group name is shown as it is)."""
    return r.ROLE_LABELS.get(code, code)
