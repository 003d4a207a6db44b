"""Forms of the org pages: the inbox's filter and its mark-read buttons."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.org import notifications


class NotificationFilterForm(forms.Form):
    """`?state=unread|read&kind=…`: anything else shows every notification (a filter never errs)."""

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("All")), ("unread", _("Unread")), ("read", _("Read"))],
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Any"))] + [(k, v) for k, v in notifications.kinds().items()]

    def filters(self) -> dict:
        """Keyword arguments of selectors.notifications_for; invalid values are dropped."""
        data = self.cleaned_data if self.is_valid() else {}
        state = data.get("state", "")
        return {"unread": {"unread": True, "read": False}.get(state), "kind": data.get("kind", "")}


class MarkReadForm(forms.Form):
    """The POST of the inbox: `id` marks one notification read; no `id`, all of them."""

    id = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
