"""The outbox page's filter."""

from django import forms
from django.utils.translation import gettext_lazy as _

from onewindow.messaging.models import SmsKind, SmsStatus


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + SmsStatus.choices
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("Any"))] + SmsKind.choices)
    number = forms.CharField(label=_("Case number"), required=False, max_length=24)

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {k: (data.get(k) or "").strip() for k in ("status", "kind", "number")}
